"""make eval measures understanding: held-out and out-of-scope messages that are also training
examples are left out of its figures (and listed), whatever the case or punctuation."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from bot.nlu_examples import normalise
from scripts.evaluate import (
    config_fallback_settings,
    confusions,
    english_markdown,
    errors_markdown,
    figures_of,
    intent_metrics,
    targets,
    threshold_sweep,
    training_texts,
    unseen_only,
)


def test_messages_the_model_was_trained_on_are_left_out_and_listed():
    seen = {normalise("Hoi!"), normalise("wat is het weer")}
    test = [Message.build("hoi", intent="begroeten"), Message.build("hallo daar", intent="begroeten")]
    oos = {"out_of_scope": ["Wat is het weer?", "wie wint de tour"], "nonsense": ["qwqw"]}

    kept, kept_oos, left_out = unseen_only(test, oos, seen)

    assert [example.get("text") for example in kept] == ["hallo daar"]
    assert kept_oos == {"out_of_scope": ["wie wint de tour"], "nonsense": ["qwqw"]}
    assert left_out == {"held_out": ["hoi"], "out_of_scope": ["Wat is het weer?"]}


def test_the_training_texts_are_those_of_every_nlu_file_in_the_folder(tmp_path):
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: begroeten\n  examples: |\n    - Hoi!\n', encoding="utf-8"
    )
    (tmp_path / "nlu_reviewed.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: retour\n  examples: |\n    - pakket naar [zalando](webshop) terug\n',
        encoding="utf-8",
    )
    (tmp_path / "rules.yml").write_text('version: "3.1"\nrules: []\n', encoding="utf-8")

    assert training_texts(tmp_path) == {"hoi", "pakket naar zalando terug"}


def _prediction(intent: str, confidence: float, second: float = 0.0) -> dict:
    return {"intent": intent, "confidence": confidence, "second_confidence": second, "final": intent}


def test_the_threshold_sweep_trades_declined_out_of_scope_messages_against_answered_questions():
    gold = [{"intent": "retour"}, {"intent": "retour"}, {"intent": "klacht"}, {"intent": "klacht"}]
    predicted = [
        _prediction("retour", 0.9),
        _prediction("retour", 0.45),
        _prediction("retour", 0.5),  # wrong, and unsure
        _prediction("klacht", 0.95, second=0.9),  # right, but ambiguous
    ]
    out_of_scope = [
        _prediction("retour", 0.4),
        _prediction("out_of_scope", 0.9),
        _prediction("klacht", 0.7),
        _prediction("retour", 0.6),
    ]

    sweep = threshold_sweep(gold, predicted, out_of_scope, {"threshold": 0.42, "ambiguity_threshold": 0.1})
    rows = {row["threshold"]: row for row in sweep["rows"]}

    assert rows[0.42]["configured"] and not rows[0.4]["configured"]
    assert rows[0.42]["in_scope_declined"] == 1  # the ambiguous one
    assert rows[0.42]["answered_accuracy"] == round(2 / 3, 4)
    assert rows[0.42]["out_of_scope_declined_rate"] == 0.5
    assert rows[0.42]["handled_right_rate"] == 0.5
    # 0.55 declines the two unsure answers (one right, one wrong) and no more out-of-scope messages.
    assert (rows[0.55]["in_scope_declined"], rows[0.55]["in_scope_answered_correctly"]) == (3, 1)
    assert rows[0.55]["answered_accuracy"] == 1.0
    assert rows[0.55]["handled_right_rate"] == round(3 / 8, 4)
    # 0.75 declines every out-of-scope message and answers one question right: 5 of 8, the most.
    assert rows[0.75]["out_of_scope_declined_rate"] == 1.0
    assert rows[0.75]["handled_right_rate"] == round(5 / 8, 4)
    assert sweep["best_threshold"] == 0.75
    assert sweep["configured_threshold"] == 0.42


def test_the_best_threshold_of_equals_is_the_lowest():
    gold = [{"intent": "retour"}]
    sweep = threshold_sweep(
        gold, [_prediction("retour", 0.99)], [], {"threshold": 0.5, "ambiguity_threshold": 0}
    )
    assert sweep["best_threshold"] == min(row["threshold"] for row in sweep["rows"])


def test_errors_are_grouped_by_confusion_most_frequent_first():
    errors = [
        {"text": "a", "intent": "openingstijden", "predicted": "telefoonnummer", "confidence": 0.5},
        {"text": "b", "intent": "klacht", "predicted": "klacht_escaleren", "confidence": 0.6},
        {"text": "c", "intent": "openingstijden", "predicted": "telefoonnummer", "confidence": 0.7},
    ]
    assert confusions(errors) == [
        {"intent": "openingstijden", "predicted": "telefoonnummer", "count": 2, "texts": ["a", "c"]},
        {"intent": "klacht", "predicted": "klacht_escaleren", "count": 1, "texts": ["b"]},
    ]


def test_the_fallback_settings_of_a_config_file(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text(
        "pipeline:\n  - name: DIETClassifier\n  - name: FallbackClassifier\n    threshold: 0.55\n",
        encoding="utf-8",
    )
    assert config_fallback_settings(config) == {"threshold": 0.55, "ambiguity_threshold": 0.1}
    config.write_text("pipeline:\n  - name: DIETClassifier\n", encoding="utf-8")
    assert config_fallback_settings(config) == {"threshold": 0.0, "ambiguity_threshold": 0.0}


def _held_out(gold: list[str], predicted: list[str]) -> dict:
    texts = [f"message {i}" for i in range(len(gold))]
    return {
        "intents": intent_metrics(
            [{"text": t, "intent": g} for t, g in zip(texts, gold, strict=True)],
            [
                {"text": t, "intent": p, "final": p, "confidence": 0.8}
                for t, p in zip(texts, predicted, strict=True)
            ],
        ),
        "entities": {"micro": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 0}, "per_entity": {}},
        "out_of_scope": {
            "out_of_scope": {"messages": 1, "declined": 1, "wrongly_answered": []},
            "nonsense": {"messages": 1, "declined": 1, "wrongly_answered": []},
            "all": {"messages": 2, "declined": 2, "rate": 1.0},
        },
    }


def test_the_report_gives_the_english_held_out_set_its_figures_target_and_failing_messages():
    english = _held_out(["retour"] * 8 + ["klacht"] * 2, ["retour"] * 8 + ["klacht", "retour"])
    results = {
        "project": {
            "held_out": _held_out(["retour", "klacht"], ["retour", "klacht"]),
            "held_out_en": english,
        },
        "left_out": {"held_out": [], "out_of_scope": [], "held_out_en": ["hello"]},
    }

    figures = figures_of(results["project"])
    assert (figures["en_accuracy"], figures["en_min_intent_f1"]) == (0.9, round(2 / 3, 4))
    english_target = next(row for row in targets(results) if row["target"].startswith("English"))
    assert english_target["met"] and english_target["value"] == 0.9
    assert english_target["detail"] == "klacht 0.67"
    lines = "\n".join(english_markdown(results, ["project"]))
    assert "| project | 0.900 |" in lines and "| klacht | 2 | **0.667** |" in lines
    failing = "\n".join(errors_markdown(results, ["project"], "held_out_en", "English held-out"))
    assert '| klacht | retour | 1 | "message 9" (0.80) |' in failing
    assert "English held-out messages that still fail" in failing


def test_the_report_of_a_set_without_english_has_no_english_section():
    results = {"project": {"held_out": _held_out(["retour"], ["retour"])}, "left_out": {}}
    assert english_markdown(results, ["project"]) == []
    assert not any(row["target"].startswith("English") for row in targets(results))
    assert "en_accuracy" not in figures_of(results["project"])

"""make eval measures understanding: held-out and out-of-scope messages that are also training
examples are left out of its figures (and listed), whatever the case or punctuation."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from bot.nlu_examples import normalise
from scripts.evaluate import training_texts, unseen_only


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

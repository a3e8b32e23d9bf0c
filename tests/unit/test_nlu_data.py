"""The evaluation sets stay apart from the training data: a held-out or out-of-scope message that
is also a training example would make `make eval` report what the model memorised."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu_examples import nlu_files, normalise, read_examples

ROOT = Path(__file__).resolve().parents[2]


def _training() -> dict[str, str]:
    return {
        normalise(text): intent
        for path in nlu_files(ROOT / "data")
        for intent, texts in read_examples(path).items()
        for text in texts
    }


HELD_OUT_SETS = ("nlu_test.yml", "nlu_test_en.yml")  # Dutch, English
ENGLISH_PREFIX = "en_"  # data/nlu/en_<topic>.yml: the English examples of a topic


def _held_out(name: str | None = None) -> dict[str, str]:
    return {
        normalise(text): intent
        for held_out in ([name] if name else HELD_OUT_SETS)
        for intent, texts in read_examples(ROOT / "tests" / held_out).items()
        for text in texts
    }


def _out_of_scope() -> list[str]:
    sets = yaml.safe_load((ROOT / "benchmarks" / "out_of_scope.yml").read_text(encoding="utf-8"))
    return [normalise(text) for texts in sets.values() for text in texts]


def test_no_held_out_message_is_a_training_example():
    training = _training()
    shared = {text: (intent, training[text]) for text, intent in _held_out().items() if text in training}
    assert not shared, f"held-out messages also in data/: {shared}"


@pytest.mark.parametrize("other", ["training", "held-out"])
def test_no_out_of_scope_benchmark_message_is_in_the_other_sets(other):
    texts = _training() if other == "training" else _held_out()
    shared = [text for text in _out_of_scope() if text in texts]
    assert not shared, f"out-of-scope benchmark messages also in the {other} set: {shared}"


def test_the_out_of_scope_benchmark_has_no_repeats():
    messages = _out_of_scope()
    assert len(messages) == len(set(messages))


def test_every_held_out_intent_is_trained():
    assert set(_held_out().values()) <= set(_training().values())


def _homes(english: bool) -> dict[str, list[str]]:
    homes: dict[str, list[str]] = {}
    for path in nlu_files(ROOT / "data" / "nlu"):
        if path.name.startswith(ENGLISH_PREFIX) == english:
            for intent in read_examples(path):
                homes.setdefault(intent, []).append(path.name)
    return homes


@pytest.mark.parametrize("english", [False, True], ids=["Dutch", "English"])
def test_each_intent_has_its_examples_in_one_topic_file_per_language(english):
    """data/nlu/ holds one file per topic and language (en_<topic>.yml for English): an intent whose
    examples are spread over two files of one language is easy to miss when it is changed."""
    homes = _homes(english)
    assert homes, "no intents found in data/nlu/"
    assert {intent: files for intent, files in homes.items() if len(files) > 1} == {}


def test_every_topic_is_trained_in_english_too():
    """English-speaking customers are understood on every topic; the language intents
    (data/nlu/taal.yml) hold both languages in one file."""
    dutch, english = _homes(english=False), _homes(english=True)
    bilingual = {intent for intent, files in dutch.items() if files == ["taal.yml"]}
    assert set(dutch) - bilingual - set(english) == set()
    assert set(english) - set(dutch) == set()


def test_the_english_held_out_set_has_at_least_150_unseen_messages_on_every_topic():
    training = _training()
    unseen = {text: intent for text, intent in _held_out("nlu_test_en.yml").items() if text not in training}
    assert len(unseen) >= 150
    assert set(_held_out("nlu_test.yml").values()) - set(unseen.values()) <= {"nummer_doorgeven"}

"""The Dutch spaCy pipeline that `make setup` builds into build/spacy-nl."""

from __future__ import annotations

import importlib.util

import pytest
import spacy

from tests.conftest import ROOT

PIPELINE = ROOT / "build" / "spacy-nl"


@pytest.fixture(scope="module")
def nlp() -> spacy.Language:
    if not (PIPELINE / "meta.json").exists():
        pytest.fail("build/spacy-nl is missing: run `make setup` first")
    return spacy.load(PIPELINE)


def entities(nlp: spacy.Language, text: str) -> list[tuple[str, str]]:
    return [(ent.text, ent.label_) for ent in nlp(text).ents]


def test_records_which_base_it_was_built_from(nlp):
    base = nlp.meta["klantenservice_base"]
    if importlib.util.find_spec("nl_core_news_sm"):
        assert base.startswith("nl_core_news_sm")
    else:
        assert base.startswith("spacy-blank-nl")
    print(f"spaCy base: {base}")


def test_lemmatizes_dutch(nlp):
    lemmas = {token.text: token.lemma_ for token in nlp("mijn facturen en bestellingen teruggestuurd")}
    assert lemmas["facturen"] == "factuur"
    assert lemmas["bestellingen"] == "bestelling"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ik heb mijn jurk van zalando teruggestuurd", [("zalando", "webshop")]),
        ("besteld bij bol.com en H&M", [("bol.com", "webshop"), ("H&M", "webshop")]),
        ("trackingnummer 3SABCD1234567", [("3SABCD1234567", "trackingnummer")]),
        ("ups code 1Z999AA10123456784", [("1Z999AA10123456784", "trackingnummer")]),
        ("dpd 01234567890123", [("01234567890123", "trackingnummer")]),
        ("bestelnummer #4839201", [("4839201", "bestelnummer")]),
        ("order NL-123456789", [("NL-123456789", "bestelnummer")]),
        ("zijn jullie volgende week dinsdag open", [("volgende week dinsdag", "dag")]),
        ("open op 2e kerstdag of 24 december?", [("2e kerstdag", "dag"), ("24 december", "dag")]),
        ("en op 31-12", [("31-12", "dag")]),
    ],
)
def test_entity_ruler_finds_the_assistants_entities(nlp, text, expected):
    assert entities(nlp, text) == expected


def test_a_phone_number_is_no_order_number(nlp):
    assert entities(nlp, "bel me op 0612345678 of 0208082852") == []

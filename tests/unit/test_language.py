"""The conversation's language: bot/language.py (the detector) and rasa_runtime/language.py (the
NLU component that turns its verdict into the entity and the intent Rasa acts on)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.language import Detection, detect, requested_language
from rasa_runtime.language import LanguageDetector


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("English please", "en"),
        ("do you speak English?", "en"),
        ("Hi, I want to return my order, do you speak English?", "en"),
        ("kun je Engels praten?", "en"),
        ("ik spreek geen Nederlands", "en"),
        ("I don't speak Dutch", "en"),
        ("kun je Nederlands praten?", "nl"),
        ("can we continue in Dutch", "nl"),
        ("ik spreek geen Engels", "nl"),
        ("sorry, I can't read English well, Dutch please", None),  # both named: not a request
        ("waar blijft mijn geld", None),
    ],
)
def test_a_request_for_a_language(text, language):
    assert requested_language(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("when will I get my money back?", "en"),
        ("I have a question about my invoice", "en"),
        ("are you open on saturday", "en"),
        ("wanneer krijg ik mijn geld terug?", "nl"),
        ("ik heb een vraag over mijn factuur", "nl"),
        ("zijn jullie zaterdag open", "nl"),
        ("allee, wanneer zijde gij open", "nl"),
        ("Guten Tag, ich habe eine Frage zu meiner Rechnung", "anders"),
        ("Bonjour, je voudrais retourner ma commande", "anders"),
    ],
)
def test_a_message_of_a_few_words_decides(text, language):
    assert detect(text).language == language


@pytest.mark.parametrize("text", ["ok", "Zalando", "1234", "3SABCD1234567", "ja graag", "yes please", ""])
def test_short_answers_decide_nothing(text):
    assert detect(text) == Detection(None)


def test_a_request_is_marked_as_one():
    assert detect("English please") == Detection("en", requested=True)
    assert detect("I have a question about my invoice") == Detection("en", requested=False)


def _processed(text: str, intent: str = "retour") -> Message:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.8}})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.8}])
    message.set("entities", [{"entity": "webshop", "value": "Zalando", "start": 0, "end": 7}])
    [processed] = LanguageDetector().process([message])
    return processed


def test_the_component_adds_the_language_entity_and_keeps_the_others():
    message = _processed("I sent my Zalando order back yesterday")
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("webshop", "Zalando"),
        ("taal", "en"),
    ]
    assert message.get("intent")["name"] == "retour"


@pytest.mark.parametrize("text", ["Zalando", "ik heb mijn bestelling van Zalando teruggestuurd"])
def test_the_component_leaves_an_undecided_or_dutch_message_alone(text):
    message = _processed(text)
    assert [e["entity"] for e in message.get("entities")] == ["webshop"]


def test_the_component_marks_a_request_for_dutch():
    message = _processed("kun je Nederlands praten?", intent="taal_wisselen")
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("webshop", "Zalando"),
        ("taal", "nl"),
    ]


def test_the_component_gives_another_language_its_own_intent():
    message = _processed("Ich möchte meine Bestellung zurückschicken, bitte", intent="nlu_fallback")
    assert message.get("intent") == {"name": "andere_taal", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["andere_taal", "nlu_fallback"]
    assert [e["entity"] for e in message.get("entities")] == ["webshop"]


def test_the_component_leaves_button_payloads_alone():
    message = _processed("/retour")
    assert [e["entity"] for e in message.get("entities")] == ["webshop"]


def test_a_message_that_only_names_a_language_is_no_request_to_switch():
    message = Message(
        data={"text": "is klarna nederlands", "intent": {"name": "taal_wisselen", "confidence": 0.9}}
    )
    message.set(
        "intent_ranking",
        [{"name": "taal_wisselen", "confidence": 0.9}, {"name": "wat_is_klarna", "confidence": 0.08}],
    )
    [processed] = LanguageDetector().process([message])
    assert processed.get("intent") == {"name": "wat_is_klarna", "confidence": 0.08}
    assert [r["name"] for r in processed.get("intent_ranking")] == ["wat_is_klarna"]
    [asked] = LanguageDetector().process(
        [
            Message(
                data={"text": "spreek je nederlands?", "intent": {"name": "taal_wisselen", "confidence": 0.9}}
            )
        ]
    )
    assert asked.get("intent")["name"] == "taal_wisselen"

"""The Rasa server's own answers with the page's facts (rasa_runtime/nlg.py): no action server."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import load_settings
from rasa_runtime.nlg import FactsNaturalLanguageGenerator
from tests.conftest import ROOT

TUESDAY_MORNING = "2026-11-24T10:00:00"
EASTER_MONDAY = "2027-03-29T11:00:00"


@pytest.fixture(scope="module")
def nlg() -> FactsNaturalLanguageGenerator:
    return FactsNaturalLanguageGenerator(domain=Domain.load(str(ROOT / "domain.yml")))


def say(nlg: FactsNaturalLanguageGenerator, response: str, now: str, monkeypatch, **kwargs) -> str:
    monkeypatch.setenv("KLANTENSERVICE_NOW", now)
    tracker = DialogueStateTracker("klant", [])
    message = asyncio.run(nlg.generate(response, tracker, "rest", **kwargs))
    assert message is not None
    return message["text"]


def test_the_phone_answer_comes_from_the_configuration_and_says_people_are_there(nlg, monkeypatch):
    text = say(nlg, "utter_telefoonnummer", TUESDAY_MORNING, monkeypatch)
    assert load_settings().contact.phone in text
    assert "vandaag nog tot 18:00" in text
    assert "{" not in text


def test_the_phone_answer_outside_hours_says_when_people_are_back(nlg, monkeypatch):
    text = say(nlg, "utter_telefoonnummer", EASTER_MONDAY, monkeypatch)
    assert "er niet" in text
    assert "dinsdag 30 maart om 09:00" in text


def test_social_media_links(nlg, monkeypatch):
    text = say(nlg, "utter_social_media", TUESDAY_MORNING, monkeypatch)
    assert "https://www.instagram.com/klarna/" in text


def test_the_apology_when_the_action_server_is_down_gives_the_number_and_the_hours(nlg, monkeypatch):
    text = say(nlg, "utter_storing", EASTER_MONDAY, monkeypatch)
    assert "iets mis" in text and load_settings().contact.phone in text
    assert "dinsdag 30 maart om 09:00" in text


def test_what_an_action_passes_wins_over_a_fact(nlg, monkeypatch):
    text = say(nlg, "utter_telefoonnummer", TUESDAY_MORNING, monkeypatch, telefoonnummer="0900-1234")
    assert "0900-1234" in text and load_settings().contact.phone not in text


def test_a_response_without_placeholders_is_left_as_it_is(nlg, monkeypatch):
    text = say(nlg, "utter_graag_gedaan", TUESDAY_MORNING, monkeypatch)
    assert text == Domain.load(str(ROOT / "domain.yml")).responses["utter_graag_gedaan"][0]["text"]


def english(nlg: FactsNaturalLanguageGenerator, response: str, now: str, monkeypatch, **kwargs) -> str:
    from rasa.shared.core.events import SlotSet

    monkeypatch.setenv("KLANTENSERVICE_NOW", now)
    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker("customer", domain.slots)
    tracker.update(SlotSet("taal", "en"))
    message = asyncio.run(nlg.generate(response, tracker, "rest", **kwargs))
    assert message is not None
    return message["text"]


def test_in_english_the_phone_answer_gives_the_hours_and_when_people_are_back_in_english(nlg, monkeypatch):
    text = english(nlg, "utter_telefoonnummer", EASTER_MONDAY, monkeypatch)
    assert text.startswith(f"You can call customer service on {load_settings().contact.phone}.")
    assert "Monday to Friday from 9:00 am to 6:00 pm" in text
    assert "We are back tomorrow, Tuesday 30 March at 9:00 am." in text
    assert "{" not in text and "dinsdag" not in text


def test_in_english_the_apology_when_the_action_server_is_down_is_english(nlg, monkeypatch):
    text = english(nlg, "utter_storing", TUESDAY_MORNING, monkeypatch)
    assert text.startswith("Sorry, something is going wrong on our side")
    assert "Our agents are available right now, today until 6:00 pm." in text


def test_in_dutch_a_tracker_with_the_language_slot_still_gets_dutch(nlg, monkeypatch):
    from rasa.shared.core.events import SlotSet

    monkeypatch.setenv("KLANTENSERVICE_NOW", TUESDAY_MORNING)
    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker("klant", domain.slots)
    tracker.update(SlotSet("taal", "nl"))
    message = asyncio.run(nlg.generate("utter_graag_gedaan", tracker, "rest"))
    assert message is not None and message["text"].startswith("Graag gedaan!")


def test_every_response_a_customer_can_get_has_an_english_variation_with_the_same_buttons():
    """The same placeholders and button payloads, so an action that fills one fills the other."""
    import re

    responses = Domain.load(str(ROOT / "domain.yml")).responses
    bilingual = {"utter_andere_taal"}  # one text in both languages
    for name, variations in responses.items():
        if name in bilingual:
            continue
        dutch = [v for v in variations if not v.get("condition")]
        english = [
            v for v in variations if v.get("condition") == [{"type": "slot", "name": "taal", "value": "en"}]
        ]
        assert len(dutch) == 1 and len(english) == 1, name
        [nl], [en] = dutch, english
        assert set(re.findall(r"{\w+}", nl["text"])) == set(re.findall(r"{\w+}", en["text"])), name
        assert [b["payload"] for b in nl.get("buttons", [])] == [b["payload"] for b in en.get("buttons", [])]


def test_the_english_phone_answer_states_the_call_charges_in_english(nlg, monkeypatch):
    monkeypatch.setenv("KLANTENSERVICE_NOW", TUESDAY_MORNING)
    tracker = DialogueStateTracker.from_events(
        "klant", [SlotSet("taal", "en")], slots=Domain.load(str(ROOT / "domain.yml")).slots
    )
    text = asyncio.run(nlg.generate("utter_telefoonnummer", tracker, "rest"))["text"]
    assert text.startswith(f"You can call customer service on {load_settings().contact.phone}.")
    assert "your provider's normal call charges" in text and "belkosten" not in text


@pytest.mark.parametrize(
    ("moment", "english", "dutch"),
    [
        (TUESDAY_MORNING, "available right now, today until 6:00 pm", "bereikbaar, vandaag nog tot 18:00"),
        ("2026-11-28T20:00:00", "not available right now", "er niet"),  # Saturday evening
    ],
)
def test_the_answer_in_two_languages_says_in_both_whether_people_are_there(
    nlg, monkeypatch, moment, english, dutch
):
    monkeypatch.setenv("KLANTENSERVICE_NOW", moment)
    tracker = DialogueStateTracker("klant", Domain.load(str(ROOT / "domain.yml")).slots)
    text = asyncio.run(nlg.generate("utter_andere_taal", tracker, "rest"))["text"]
    in_english, in_dutch = text.split("\n\n")
    assert english in in_english and dutch in in_dutch
    assert load_settings().contact.phone in in_english and load_settings().contact.phone in in_dutch

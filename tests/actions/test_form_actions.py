"""Form validation and case filing actions, on trackers as Rasa sends them."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import cases as case_actions
from actions.cases import ActionKlachtIndienen, ActionRetourIndienen
from actions.forms import ActionFormulierWissen, ActionRetourStart, ValidateKlachtForm, ValidateRetourForm
from bot.cases import CaseStore

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def tracker(slots: dict, text: str = "", intent: str = "retour", loop: str = "retour_form") -> Tracker:
    return Tracker(
        "klant-form",
        slots,
        {"text": text, "intent": {"name": intent}, "entities": []},
        [],
        False,
        None,
        {"name": loop} if loop else {},
        "action_listen",
    )


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch) -> CaseStore:
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", f"sqlite:///{tmp_path / 'cases.db'}")
    monkeypatch.setenv("KLANTENSERVICE_NOW", "2026-11-24T10:00:00")
    case_actions.case_store.cache_clear()
    yield case_actions.case_store()
    case_actions.case_store.cache_clear()


def test_a_known_webshop_is_normalised():
    dispatcher = CollectingDispatcher()
    result = ValidateRetourForm().validate_webshop("bij bol", dispatcher, tracker({"missers": 0}), {})
    assert result == {"webshop": "bol.com", "missers": 0}
    assert dispatcher.messages == []


def test_first_miss_reasks_second_miss_offers_a_way_out():
    dispatcher = CollectingDispatcher()
    first = ValidateRetourForm().validate_bestelnummer("abc", dispatcher, tracker({"missers": 0}), {})
    assert first == {"bestelnummer": None, "missers": 1}
    second = ValidateRetourForm().validate_bestelnummer("xyz", dispatcher, tracker({"missers": 1}), {})
    assert second == {"bestelnummer": None, "missers": 0}
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_ongeldig_bestelnummer",
        "utter_twee_missers",
    ]


def test_skipping_is_accepted():
    result = ValidateRetourForm().validate_trackingnummer("onbekend", CollectingDispatcher(), tracker({}), {})
    assert result == {"trackingnummer": "onbekend", "missers": 0}


def test_a_short_opening_message_is_no_complaint_description_and_no_miss():
    dispatcher = CollectingDispatcher()
    opening = tracker({"requested_slot": None}, intent="klacht", loop="klacht_form")
    result = ValidateKlachtForm().validate_klacht_omschrijving(
        "ik wil een klacht indienen", dispatcher, opening, {}
    )
    assert result == {"klacht_omschrijving": None}
    assert dispatcher.messages == []


def test_the_form_validation_runs_as_rasa_calls_it():
    """The whole FormValidationAction.run: only slots set in the last user turn are validated."""
    events = [
        {"event": "user", "text": "zalando", "parse_data": {"intent": {"name": "retour"}, "entities": []}},
        {"event": "slot", "name": "webshop", "value": "zalando"},
    ]
    state = Tracker(
        "klant-form",
        {"webshop": "zalando", "requested_slot": "webshop", "missers": 0},
        {"text": "zalando", "intent": {"name": "retour"}, "entities": []},
        events,
        False,
        None,
        {"name": "retour_form"},
        "action_listen",
    )
    domain = {
        "forms": {"retour_form": {"required_slots": ["webshop", "bestelnummer", "trackingnummer"]}},
        "slots": {"webshop": {}, "bestelnummer": {}, "trackingnummer": {}, "missers": {}},
    }
    result = asyncio.run(ValidateRetourForm().run(CollectingDispatcher(), state, domain))
    slots = {event["name"]: event["value"] for event in result if event["event"] == "slot"}
    assert slots["webshop"] == "Zalando"


def test_filing_a_return_stores_the_case_and_clears_the_form(store):
    dispatcher = CollectingDispatcher()
    slots = {"webshop": "Zalando", "bestelnummer": "12345678", "trackingnummer": "3SABCD1234567"}
    events = ActionRetourIndienen().run(dispatcher, tracker(slots, loop=None), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_retour_ingediend"
    assert re.fullmatch(r"RET-[2-9A-Z]{6}", message["referentie"])
    assert store.get(message["referentie"]).fields == slots
    cleared = {event["name"]: event["value"] for event in events}
    assert cleared == {
        "webshop": None,
        "bestelnummer": None,
        "trackingnummer": None,
        "case_referentie": message["referentie"],
    }


def test_filing_a_complaint_names_the_ombudsman_date_and_offers_a_person_when_staffed(store):
    dispatcher = CollectingDispatcher()
    slots = {"klacht_omschrijving": "dubbel afgeschreven", "klacht_betreft": "onbekend"}
    ActionKlachtIndienen().run(dispatcher, tracker(slots, intent="klacht", loop=None), {})
    filed, offer = dispatcher.messages
    assert filed["ombudsman_datum"] == "dinsdag 8 december"
    assert offer["response"] == "utter_klacht_medewerker_nu"
    assert store.get(filed["referentie"]).case_type == "klacht"


def test_no_offer_of_a_person_on_sunday(store, monkeypatch):
    monkeypatch.setenv("KLANTENSERVICE_NOW", "2026-11-29T12:00:00")
    dispatcher = CollectingDispatcher()
    ActionKlachtIndienen().run(dispatcher, tracker({"klacht_omschrijving": "x y z"}, loop=None), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_klacht_ingediend"]


def test_a_skipped_complaint_description_is_accepted():
    asked = tracker(
        {"requested_slot": "klacht_omschrijving", "missers": 1}, intent="overslaan", loop="klacht_form"
    )
    result = ValidateKlachtForm().validate_klacht_omschrijving("onbekend", CollectingDispatcher(), asked, {})
    assert result == {"klacht_omschrijving": "onbekend", "missers": 0}


def test_a_cancelled_form_forgets_what_it_collected():
    collected = {
        "webshop": "Zalando",
        "bestelnummer": "12345678",
        "trackingnummer": None,
        "klacht_omschrijving": "kapot",
        "klacht_betreft": "12345678",
        "missers": 1,
    }
    events = ActionFormulierWissen().run(CollectingDispatcher(), tracker(collected, intent="annuleren"), {})
    assert {event["name"]: event["value"] for event in events} == {
        "webshop": None,
        "bestelnummer": None,
        "trackingnummer": None,
        "klacht_omschrijving": None,
        "klacht_betreft": None,
        "missers": 0,
    }


@pytest.mark.parametrize(
    ("slots", "response"),
    [
        ({}, "utter_retour_start_3"),
        ({"webshop": "Zalando", "trackingnummer": "3SABCD1234567"}, "utter_retour_start_1"),
        (
            {"webshop": "Zalando", "bestelnummer": "12345678", "trackingnummer": "3SABCD1234567"},
            "utter_retour_start_0",
        ),
    ],
)
def test_the_return_form_opens_with_what_is_still_needed(slots, response):
    dispatcher = CollectingDispatcher()
    ActionRetourStart().run(dispatcher, tracker(slots, loop=None), {})
    assert [message["response"] for message in dispatcher.messages] == [response]
    assert response in yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def test_a_return_filed_again_after_a_timeout_is_filed_once(store):
    """Rasa gave up waiting (its timeout) after the case was filed; the form completes again."""
    slots = {"webshop": "bol.com", "bestelnummer": "12345678", "trackingnummer": "3SABCD1234567"}
    events = [{"event": "active_loop", "name": "retour_form", "timestamp": 1700000000.5}]
    completed = Tracker(
        "klant-timeout", slots, {"text": "3SABCD1234567", "intent": {"name": "retour"}, "entities": []},
        events, False, None, {}, "retour_form",
    )  # fmt: skip
    first, second = CollectingDispatcher(), CollectingDispatcher()
    ActionRetourIndienen().run(first, completed, {})
    ActionRetourIndienen().run(second, completed, {})
    assert len(store.for_conversation("klant-timeout")) == 1
    assert first.messages[0]["referentie"] == second.messages[0]["referentie"]

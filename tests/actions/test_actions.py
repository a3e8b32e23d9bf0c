"""The Rasa SDK actions, run on recorded trackers with Rasa SDK's own dispatcher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import ActionKlachtEscaleren
from actions.hours import ActionOpeningstijden

TRACKERS = Path(__file__).parent / "trackers"
TUESDAY_MORNING = "2026-11-24T10:00:00"
EASTER_MONDAY = "2027-03-29T11:00:00"


def run(action, tracker_name: str, now: str, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    monkeypatch.setenv("KLANTENSERVICE_NOW", now)
    tracker = Tracker.from_dict(json.loads((TRACKERS / f"{tracker_name}.json").read_text(encoding="utf-8")))
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    assert events == []
    return dispatcher.messages


def test_hours_for_a_named_day(monkeypatch):
    [message] = run(ActionOpeningstijden(), "openingstijden_zaterdag", TUESDAY_MORNING, monkeypatch)
    assert "zaterdag 28 november" in message["text"]
    assert "09:00 tot 13:00" in message["text"]


def test_hours_for_a_named_day_leave_out_the_phone_number(monkeypatch):
    [message] = run(ActionOpeningstijden(), "openingstijden_zaterdag", TUESDAY_MORNING, monkeypatch)
    assert "020 - 808 28 52" not in message["text"]


def test_a_day_after_a_phone_question_gets_the_phone_hours_of_that_day(monkeypatch):
    [message] = run(ActionOpeningstijden(), "vervolgvraag_zondag_na_telefoon", TUESDAY_MORNING, monkeypatch)
    assert message["text"].startswith("Op zondag 29 november zijn we gesloten.")
    assert message["text"].endswith("Tijdens de openingstijden kun je ons bellen op 020 - 808 28 52.")


def test_hours_now_on_easter_monday(monkeypatch):
    [message] = run(ActionOpeningstijden(), "openingstijden_nu", EASTER_MONDAY, monkeypatch)
    assert "Tweede Paasdag" in message["text"]
    assert "dinsdag 30 maart om 09:00" in message["text"]


def test_ombudsman_deadline_counts_ten_working_days(monkeypatch):
    [message] = run(ActionKlachtEscaleren(), "klacht_escaleren", TUESDAY_MORNING, monkeypatch)
    assert message["response"] == "utter_klacht_escaleren"
    assert message["werkdagen"] == "10"
    assert message["ombudsman_datum"] == "dinsdag 8 december"


def test_ombudsman_deadline_skips_christmas(monkeypatch):
    [message] = run(ActionKlachtEscaleren(), "klacht_escaleren", "2026-12-21T12:00:00", monkeypatch)
    # 22, 23, 24, 28, 29, 30, 31 December, 4, 5, 6 January: 25/26 Dec and 1 Jan are holidays.
    assert message["ombudsman_datum"] == "woensdag 6 januari 2027"


def test_in_english_the_hours_of_a_named_day_are_in_english(monkeypatch):
    [message] = run(ActionOpeningstijden(), "openingstijden_en_zaterdag", TUESDAY_MORNING, monkeypatch)
    assert message["text"] == "On Saturday 28 November we are available from 9:00 am to 1:00 pm."


def test_in_english_the_week_and_the_situation_now(monkeypatch):
    [message] = run(ActionOpeningstijden(), "openingstijden_en", EASTER_MONDAY, monkeypatch)
    assert message["text"].startswith(
        "Our agents are available Monday to Friday from 9:00 am to 6:00 pm and on Saturday from 9:00 am "
        "to 1:00 pm. We are closed on Sundays and on public holidays."
    )
    assert "Today is Easter Monday. We are back tomorrow, Tuesday 30 March at 9:00 am." in message["text"]
    assert "maandag" not in message["text"] and "Paasdag" not in message["text"]


def test_in_english_the_ombudsman_date_is_in_english(monkeypatch):
    [message] = run(ActionKlachtEscaleren(), "klacht_escaleren_en", "2026-12-21T12:00:00", monkeypatch)
    assert message["ombudsman_datum"] == "Wednesday 6 January 2027"

"""A live handoff over time, against the real Rasa server, action server and web app: Rasa starting a
new session after an hour of silence, and the service closing while a customer still waits."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from bot.handoff import LIVE, OFFLINE, WAITING, HandoffQueue
from tests.e2e.test_handoff import Console, agents  # noqa: F401  (agents is a fixture)

pytestmark = pytest.mark.e2e

SATURDAY_BEFORE_CLOSING = "2026-11-28T12:50:00"  # Saturdays close at 13:00
SATURDAY_AFTER_CLOSING = "2026-11-28T13:30:00"
TWO_HOURS = 2 * 60 * 60  # longer than session_expiration_time (60 minutes) in domain.yml


def queue_of(assistant) -> HandoffQueue:
    return HandoffQueue(assistant.services.env["KLANTENSERVICE_DB_URL"])


def entries_of(assistant, sender: str) -> list:
    queue = queue_of(assistant)
    try:
        return queue.for_conversation(sender)
    finally:
        queue.engine.dispose()


def let_time_pass(assistant, sender: str, seconds: int) -> None:
    """Moves the conversation's stored events back in time, as if the customer had been silent:
    Rasa then finds the session expired on the next message, as it does after a real hour."""
    with sqlite3.connect(assistant.tracker_db) as db:
        db.execute(
            "UPDATE events SET timestamp = timestamp - ?, "
            "data = json_set(data, '$.timestamp', json_extract(data, '$.timestamp') - ?) "
            "WHERE sender_id = ?",
            (seconds, seconds, sender),
        )


def test_a_new_session_after_an_hour_keeps_the_customer_with_the_agent(assistant, agents):  # noqa: F811
    sender = f"rest-{uuid.uuid4().hex[:8]}"
    assert "wachtrij" in assistant.say(sender, "ik wil een medewerker spreken")[0]
    assert assistant.say(sender, "het gaat om mijn factuur van zalando") == []
    assert assistant.stored_event_types(sender).count("session_started") == 1

    let_time_pass(assistant, sender, TWO_HOURS)
    assert assistant.say(sender, "hallo, zijn jullie er nog?") == []  # still for the agent

    assert assistant.stored_event_types(sender).count("session_started") == 2  # Rasa started a new one
    tracker = assistant.tracker(sender)
    assert (tracker.get("active_loop") or {}).get("name") == "handoff_form"
    assert tracker["slots"]["handoff_modus"] == LIVE
    assert tracker["latest_message"]["text"] == "hallo, zijn jullie er nog?"
    [entry] = entries_of(assistant, sender)
    assert (entry.mode, entry.status) == (LIVE, WAITING)

    anna = agents["anna"]
    console_entry = anna.entry_for(sender)
    said = [line["text"] for line in anna.details(console_entry["id"])["transcript"]]
    assert "het gaat om mijn factuur van zalando" in said and "hallo, zijn jullie er nog?" in said

    anna.claim(console_entry["id"]).raise_for_status()
    anna.send(console_entry["id"], "Hallo, met Anna.")
    joined, answer = assistant.say(sender, "fijn")  # what waited for this REST customer, in order
    assert "Anna van de klantenservice helpt je nu verder" in joined and answer == "Hallo, met Anna."
    anna.close(console_entry["id"])
    assert "digitale assistent" in assistant.say(sender, "wat is jullie telefoonnummer")[0]


def test_a_customer_still_waiting_at_closing_time_hears_when_people_are_back(clock):
    clock.clock_at(SATURDAY_BEFORE_CLOSING)
    sender = f"rest-{uuid.uuid4().hex[:8]}"
    assert "wachtrij" in clock.say(sender, "ik wil een medewerker spreken")[0]
    assert clock.say(sender, "mijn factuur van zalando klopt niet") == []
    [live] = entries_of(clock, sender)

    clock.clock_at(SATURDAY_AFTER_CLOSING)
    [told] = clock.say(sender, "hallo, is daar nog iemand?")
    assert "gestopt" in told and live.reference in told and "maandag 30 november om 09:00" in told

    [entry] = entries_of(clock, sender)  # the same entry, now a question for Monday
    assert (entry.id, entry.reference, entry.mode, entry.status) == (
        live.id,
        live.reference,
        OFFLINE,
        WAITING,
    )
    assert entry.details["vraag"] == "mijn factuur van zalando klopt niet\nhallo, is daar nog iemand?"

    [answer] = clock.say(sender, "wat is jullie telefoonnummer")  # the bot is back
    assert "020 - 808 28 52" in answer
    assert (clock.tracker(sender).get("active_loop") or {}).get("name") is None

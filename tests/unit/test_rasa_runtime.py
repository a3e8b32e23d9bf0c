"""rasa_runtime: the tracker store of endpoints.yml and the speed fixes it applies to the server."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from jsonschema import ValidationError
from rasa.core import tracker_store as rasa_tracker_store
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from rasa_runtime import fixes
from rasa_runtime.tracker_store import SQLTrackerStore


def test_a_sqlite_tracker_store_keeps_rasas_tables_in_wal_mode(tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{path}")

    async def converse() -> list[str]:
        tracker = await store.get_or_create_tracker("klant-1")
        tracker.update(UserUttered("hallo", {"name": "begroeten", "confidence": 0.9}))
        tracker.update(ActionExecuted("utter_begroeten"))
        tracker.update(BotUttered("Hoi!"))
        await store.save(tracker)
        return [event.type_name for event in (await store.retrieve("klant-1")).events]

    kept = asyncio.run(converse())
    with sqlite3.connect(path) as db:
        stored = [row[0] for row in db.execute("SELECT type_name FROM events WHERE sender_id = 'klant-1' ORDER BY id")]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stored == kept
    assert stored[-3:] == ["user", "action", "bot"]


def test_every_event_is_stored_once_over_turns_saves_and_sessions(tmp_path, monkeypatch):
    """Saving without counting the stored events first stores exactly what Rasa's store would."""
    counted = []
    rasa_count = rasa_tracker_store.SQLTrackerStore._additional_events
    monkeypatch.setattr(rasa_tracker_store.SQLTrackerStore, "_additional_events",
                        lambda self, *args: counted.append(1) or rasa_count(self, *args))
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{path}")
    said: list[str] = []

    async def turn(text: str, new_session: bool = False, saves: int = 1) -> None:
        tracker = await store.get_or_create_tracker("klant-2")
        if new_session:
            tracker.update(ActionExecuted("action_session_start"))
            tracker.update(SessionStarted())
            tracker.update(ActionExecuted("action_listen"))
        for n in range(saves):
            tracker.update(UserUttered(f"{text} {n}", {"name": "begroeten", "confidence": 0.9}))
            said.append(f"{text} {n}")
            tracker.update(BotUttered("Hoi!"))
            await store.save(tracker)

    async def converse() -> None:
        await turn("eerste", new_session=True)
        await turn("tweede", saves=2)
        await turn("derde", new_session=True)
        await turn("vierde")

    asyncio.run(converse())
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = 'klant-2' ORDER BY id").fetchall()
    texts = [json.loads(data)["text"] for kind, data in rows if kind == "user"]
    assert texts == said
    assert [kind for kind, _ in rows].count("session_started") == 2
    assert counted == []  # no save had to ask the database


def test_action_server_answers_are_still_validated():
    fixes.apply()
    fixes.apply()  # once is enough; a second call changes nothing
    action = RemoteAction("action_test", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "x", "value": 1}], "responses": []})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_messages_beyond_the_limit_wait_their_turn(monkeypatch):
    from rasa.core.processor import MessageProcessor

    busy, most = 0, 0

    async def slow_handle_message(self, message):
        nonlocal busy, most
        busy += 1
        most = max(most, busy)
        await asyncio.sleep(0.01)
        busy -= 1
        return [message]

    monkeypatch.setattr(MessageProcessor, "handle_message", slow_handle_message)
    fixes._limit_messages_in_process(3)

    async def many() -> list:
        return await asyncio.gather(*(MessageProcessor.handle_message(None, n) for n in range(10)))

    assert asyncio.run(many()) == [[n] for n in range(10)]
    assert most == 3

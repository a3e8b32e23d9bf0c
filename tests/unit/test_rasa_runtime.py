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
        stored = [
            row[0]
            for row in db.execute("SELECT type_name FROM events WHERE sender_id = 'klant-1' ORDER BY id")
        ]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stored == kept
    assert stored[-3:] == ["user", "action", "bot"]


def test_every_event_is_stored_once_over_turns_saves_and_sessions(tmp_path, monkeypatch):
    """Saving without counting the stored events first stores exactly what Rasa's store would."""
    counted = []
    rasa_count = rasa_tracker_store.SQLTrackerStore._additional_events
    monkeypatch.setattr(
        rasa_tracker_store.SQLTrackerStore,
        "_additional_events",
        lambda self, *args: counted.append(1) or rasa_count(self, *args),
    )
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
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = 'klant-2' ORDER BY id"
        ).fetchall()
    texts = [json.loads(data)["text"] for kind, data in rows if kind == "user"]
    assert texts == said
    assert [kind for kind, _ in rows].count("session_started") == 2
    assert counted == []  # no save had to ask the database

    rasas = rasa_tracker_store.SQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{path}")

    async def read(store) -> tuple[list, list]:
        latest, full = await store.retrieve("klant-2"), await store.retrieve_full_tracker("klant-2")
        return [e.as_dict() for e in latest.events], [e.as_dict() for e in full.events]

    ours, theirs = asyncio.run(read(store)), asyncio.run(read(rasas))
    assert ours == theirs  # the latest session and the whole conversation, as Rasa reads them
    assert len(ours[0]) < len(ours[1]) and ours[0][0]["event"] == "session_started"


def test_saved_rows_are_those_rasas_store_writes(tmp_path):
    """One INSERT for a save's new events: the same rows, in the same order, as Rasa's ORM save."""
    stores = {
        "rasa": rasa_tracker_store.SQLTrackerStore(
            domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'a.db'}"
        ),
        "ours": SQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'b.db'}"),
    }
    events = [
        UserUttered("mijn factuur", {"name": "factuur_vraag", "confidence": 0.9}, timestamp=1.0),
        ActionExecuted("utter_factuur_vraag", timestamp=2.0),
        BotUttered("Zo werkt het.", timestamp=3.0),
        ActionExecuted("action_listen", timestamp=4.0),
    ]

    async def save(store) -> None:
        tracker = await store.get_or_create_tracker("klant-3")
        for event in events:
            tracker.update(event)
            await store.save(tracker)  # one new event a save, then none
        await store.save(tracker)

    columns = "type_name, timestamp, intent_name, action_name, data"
    rows = {}
    for name, store in stores.items():
        asyncio.run(save(store))
        with sqlite3.connect(tmp_path / ("a.db" if name == "rasa" else "b.db")) as db:
            rows[name] = db.execute(
                f"SELECT {columns} FROM events WHERE sender_id = 'klant-3' ORDER BY id"
            ).fetchall()
    assert [row[0] for row in rows["ours"]] == [row[0] for row in rows["rasa"]]
    assert rows["ours"][-4:] == rows["rasa"][-4:]  # the first rows hold the time the trackers began
    assert [row[0] for row in rows["ours"]][-4:] == ["user", "action", "bot", "action"]
    assert rows["ours"][-4][2] == "factuur_vraag" and rows["ours"][-3][3] == "utter_factuur_vraag"


def test_action_server_answers_are_still_validated():
    fixes.apply()
    fixes.apply()  # once is enough; a second call changes nothing
    action = RemoteAction("action_test", None)
    assert action._validate_action_result(
        {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": []}
    )
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


def test_event_types_come_from_a_table_with_rasas_answers(monkeypatch):
    from rasa.shared.core.events import Event, SlotSet
    from rasa.shared.utils.common import all_subclasses

    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    fixes._resolve_event_types_from_a_table()
    for _ in range(2):  # the first answer walks Rasa's class tree, the second comes from the table
        for cls in all_subclasses(Event):
            assert Event.resolve_by_type(cls.type_name).type_name == cls.type_name
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_sparse_features_are_combined_into_rasas_matrix(monkeypatch):
    import copy

    import numpy as np
    import scipy.sparse
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message

    monkeypatch.setattr(Message, "_combine_features", Message.__dict__["_combine_features"])
    fixes._combine_sparse_features_at_once()
    rng = np.random.default_rng(7)
    parts = [
        Features(scipy.sparse.coo_matrix(rng.integers(0, 3, (5, columns))), "sequence", "text", origin)
        for origin, columns in (("words", 4), ("chars", 9), ("regex", 2))
    ]
    before = [part.features.toarray() for part in parts]
    expected = copy.deepcopy(parts[0])  # Rasa's way: one join per further featurizer
    for part in parts[1:]:
        expected.combine_with_features(part)

    combined = Message._combine_features(parts, ["words", "chars", "regex"])

    assert (combined.features.toarray() == expected.features.toarray()).all()
    assert combined.origin == ["words", "chars", "regex"] and combined.type == "sequence"
    assert all((part.features.toarray() == was).all() for part, was in zip(parts, before, strict=True))
    dense = [Features(np.ones((1, 3)), "sentence", "text", "dense")]
    assert Message._combine_features(dense, ["dense"]).features.shape == (1, 3)


def test_rules_are_matched_as_rasa_matches_them_without_the_far_past(monkeypatch):
    import random

    from rasa.core.policies.rule_policy import RulePolicy

    monkeypatch.setattr(RulePolicy, "_get_possible_keys", RulePolicy.__dict__["_get_possible_keys"])
    fixes._match_rules_only_as_far_back_as_they_reach()
    policy = RulePolicy.__new__(RulePolicy)  # matching uses no trained state
    rng = random.Random(3)

    def state() -> dict:
        chosen = {"prev_action": {"action_name": rng.choice(["action_listen", "utter_a", "retour_form"])}}
        if rng.random() < 0.7:
            chosen["user"] = {"intent": rng.choice(["retour", "klacht", "bevestigen"])}
        if rng.random() < 0.3:
            chosen["active_loop"] = {"name": rng.choice(["retour_form", "should_not_be_set"])}
        return chosen

    def everything_rasa_compares(lookup: dict, states: list) -> set:
        possible = set(lookup)
        for turn_index, current in enumerate(reversed(states)):
            possible = {key for key in possible if policy._is_rule_applicable(key, turn_index, current)}
        return possible

    found = 0
    for _ in range(300):
        lookup = {json.dumps([state() for _ in range(rng.randint(1, 4))]): "utter_a" for _ in range(12)}
        states = [{}] + [state() for _ in range(rng.randint(0, 12))]
        expected = everything_rasa_compares(lookup, states)
        assert policy._get_possible_keys(lookup, states) == expected
        found += bool(expected)
    assert found > 30  # the comparison covered cases where rules apply, not only empty sets

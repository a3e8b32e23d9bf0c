"""Export and erasure of one conversation (bot/data_rights.py) on SQLite, with the tracker store
written by Rasa's SQLTrackerStore: the export holds the conversation, its queue entry and cases;
after erasure nothing names it anywhere, and the other customer's data is untouched."""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from bot import data_rights
from bot.agents import TEAM_LEAD
from bot.data_rights import DataRights, Erased, NotFound
from bot.database import create_engine
from bot.tracker_events import tracker_engine
from tests.console_client import ANNA, add_agents, cheap_bcrypt
from tests.unit.data_rights_data import ANDER, KLANT, SECRET, rows_about, store_conversations

TESS = ("tess", "tess-wachtwoord-1")


@pytest.fixture
def world(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'klantenservice.db'}")
    stored = store_conversations(tmp_path / "tracker.db", engine)
    tracker = tracker_engine(stored.tracker_url)
    yield DataRights(engine, tracker), stored
    engine.dispose()
    tracker.dispose()


def test_a_reference_finds_its_conversation_and_an_unknown_one_is_refused(world):
    rights, stored = world
    assert rights.conversation_id(f" {stored.case_reference.lower()} ") == KLANT
    assert rights.conversation_id(stored.queue_reference) == KLANT
    assert rights.conversation_id(KLANT) == KLANT
    with pytest.raises(NotFound, match="KL-2345AB"):
        rights.conversation_id("KL-2345AB")
    with pytest.raises(NotFound):
        rights.conversation_id("   ")


def test_the_export_holds_the_conversation_its_queue_entry_and_cases(world):
    rights, stored = world
    exported = json.loads(json.dumps(rights.export(rights.conversation_id(stored.case_reference))))
    assert exported["conversation_id"] == KLANT
    texts = [event.get("text") for event in exported["tracker_events"]]
    assert SECRET in texts and "hoi" not in texts
    [entry] = exported["queue_entries"]
    assert entry["reference"] == stored.queue_reference and entry["details"] == {"vraag": SECRET}
    assert [message["text"] for message in exported["agent_messages"]] == ["We kijken ernaar."]
    assert [note["text"] for note in exported["agent_notes"]] == ["Klant wil teruggebeld worden."]
    assert sorted(case["case_type"] for case in exported["cases"]) == ["klacht", "retour"]
    assert {case["conversation_id"] for case in exported["cases"]} == {KLANT}
    assert [decision["masked_text"] for decision in exported["review_decisions"]] == ["mijn IBAN is [IBAN]"]
    assert [window["socket_id"] for window in exported["chat_windows"]] == ["socket-1"]
    assert rights.stored(KLANT) == {key: len(exported[key]) for key in rights.stored(KLANT)}


def test_after_erasure_nothing_names_the_conversation_and_the_other_customer_keeps_everything(world):
    rights, stored = world
    before_other = rows_about(ANDER, rights.engine, rights.tracker)
    erased = rights.erase(rights.conversation_id(stored.case_reference))
    assert erased == Erased(
        tracker_events=erased.tracker_events,
        queue_entries=1,
        agent_messages=1,
        agent_notes=1,
        chat_windows=1,
        cases=2,
        review_decisions=1,
    )
    assert erased.tracker_events >= 7
    assert set(rows_about(KLANT, rights.engine, rights.tracker).values()) == {0}
    assert rows_about(ANDER, rights.engine, rights.tracker) == before_other
    with pytest.raises(NotFound):
        rights.conversation_id(stored.case_reference)
    # Rasa finds no conversation any more; the other one it reads as before.
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(rights.tracker.url.database))
    try:
        assert asyncio.run(store.retrieve(KLANT)) is None
        assert asyncio.run(store.retrieve(ANDER)).latest_message.text == "hoi"
    finally:
        store.engine.dispose()
    assert rights.erase(KLANT) == Erased()  # again: nothing left, no error


def test_an_erasure_interrupted_after_the_tracker_store_is_finished_by_the_same_reference(world):
    rights, stored = world

    def breaks(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("DELETE FROM CASES"):
            raise sa.exc.OperationalError("DELETE", {}, RuntimeError("connection lost"))

    sa.event.listen(rights.engine, "before_cursor_execute", breaks)
    with pytest.raises(sa.exc.OperationalError):
        rights.erase(rights.conversation_id(stored.case_reference))
    sa.event.remove(rights.engine, "before_cursor_execute", breaks)
    left = rows_about(KLANT, rights.engine, rights.tracker)
    assert left["events"] == 0  # the tracker store went first
    assert left["handoff_queue"] == 1 and left["handoff_messages"] == 1 and left["cases"] == 2  # rolled back
    rights.erase(rights.conversation_id(stored.case_reference))
    assert set(rows_about(KLANT, rights.engine, rights.tracker).values()) == {0}


@pytest.fixture
def command_world(tmp_path, monkeypatch):
    cheap_bcrypt(monkeypatch)
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    add_agents(db_url, (ANNA, {}), (TESS, {"role": TEAM_LEAD}))
    engine = create_engine(db_url)
    stored = store_conversations(tmp_path / "tracker.db", engine)
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", db_url)
    monkeypatch.setenv("TRACKER_STORE_URL", stored.tracker_url)
    tracker = tracker_engine(stored.tracker_url)
    yield engine, tracker, stored
    engine.dispose()
    tracker.dispose()


def test_the_command_exports_and_erases_for_a_team_lead_only(command_world, tmp_path, monkeypatch, capsys):
    engine, tracker, stored = command_world
    out = tmp_path / "export.json"
    assert data_rights.main(["export", stored.case_reference, "--by", "anna", "--out", str(out)]) == 2
    assert "team lead" in capsys.readouterr().err and not out.exists()
    assert data_rights.main(["export", stored.case_reference, "--by", "tess", "--out", str(out)]) == 0
    assert (
        json.loads(out.read_text(encoding="utf-8"))["queue_entries"][0]["reference"] == stored.queue_reference
    )
    monkeypatch.setattr("builtins.input", lambda prompt: "nee")
    assert data_rights.main(["erase", KLANT, "--by", "tess"]) == 1
    assert rows_about(KLANT, engine, tracker)["cases"] == 2  # not confirmed: nothing erased
    monkeypatch.setattr("builtins.input", lambda prompt: "erase")
    assert data_rights.main(["erase", stored.queue_reference, "--by", "tess"]) == 0
    printed = capsys.readouterr()
    assert "cases: 2" in printed.out and SECRET not in printed.out + printed.err
    assert set(rows_about(KLANT, engine, tracker).values()) == {0}
    assert data_rights.main(["export", "KL-2345AB", "--by", "tess"]) == 1

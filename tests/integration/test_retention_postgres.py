"""The retention purge, export and erasure on PostgreSQL: the same data and expectations as the
SQLite tests (tests/unit/retention_data.py, tests/unit/data_rights_data.py), with the tracker store
and the assistant's tables in one PostgreSQL database, as in the deployment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.data_rights import DataRights, NotFound
from bot.database import create_engine
from bot.retention import Purged, purge
from bot.tracker_events import EVENTS, tracker_engine
from tests.unit.data_rights_data import ANDER, KLANT, SECRET, rows_about, store_conversations
from tests.unit.retention_data import NOW, PERIODS, fill_database, fill_tracker, remaining, remaining_events


@pytest.fixture
def database(postgres_url, request):
    from scripts.db_servers import fresh_database

    url = fresh_database(postgres_url, f"retention_{request.node.name[:40].lower()}")
    engine, tracker = create_engine(url), tracker_engine(url)
    yield engine, tracker
    engine.dispose()
    tracker.dispose()


def test_the_purge_deletes_exactly_what_is_past_its_period_on_postgresql(database):
    engine, tracker = database
    keep_events, keep = fill_tracker(tracker), fill_database(engine)
    assert purge(engine, tracker, PERIODS, NOW) == Purged(
        tracker_events=5,
        review_decisions=1,
        queue_entries=2,
        agent_messages=1,
        agent_notes=1,
        chat_windows=1,
        cases=2,
    )
    assert remaining_events(tracker) == keep_events and remaining(engine) == keep
    assert purge(engine, tracker, PERIODS, NOW) == Purged()


def test_a_purge_interrupted_inside_the_queue_step_rolls_back_and_a_rerun_finishes(database):
    engine, tracker = database
    keep_events, keep = fill_tracker(tracker), fill_database(engine)
    before = remaining(engine)

    def breaks(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("DELETE FROM HANDOFF_QUEUE"):
            raise sa.exc.OperationalError("DELETE", {}, RuntimeError("connection lost"))

    sa.event.listen(engine, "before_cursor_execute", breaks)
    assert purge(engine, tracker, PERIODS, NOW).failed == ("queue_entries",)
    sa.event.remove(engine, "before_cursor_execute", breaks)
    after = remaining(engine)
    assert (after.entries, after.messages, after.notes) == (before.entries, before.messages, before.notes)
    assert purge(engine, tracker, PERIODS, NOW) == Purged(queue_entries=2, agent_messages=1, agent_notes=1)
    assert remaining(engine) == keep and remaining_events(tracker) == keep_events


def test_export_and_erasure_on_postgresql(database, tmp_path):
    engine, tracker = database
    stored = store_conversations(tmp_path / "tracker.db", engine)
    source = sa.create_engine(stored.tracker_url)  # Rasa's rows, copied row for row
    EVENTS.metadata.create_all(tracker)
    with source.connect() as read, tracker.begin() as write:
        write.execute(EVENTS.insert(), [dict(row._mapping) for row in read.execute(sa.select(EVENTS))])
    source.dispose()
    rights = DataRights(engine, tracker)
    exported = rights.export(rights.conversation_id(stored.case_reference))
    assert SECRET in [event.get("text") for event in exported["tracker_events"]]
    assert [entry["reference"] for entry in exported["queue_entries"]] == [stored.queue_reference]
    assert len(exported["cases"]) == 2
    other = rows_about(ANDER, engine, tracker)
    rights.erase(KLANT)
    assert set(rows_about(KLANT, engine, tracker).values()) == {0}
    assert rows_about(ANDER, engine, tracker) == other
    with pytest.raises(NotFound):
        rights.conversation_id(stored.queue_reference)

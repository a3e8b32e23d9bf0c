"""The retention purge on SQLite with a pinned clock: exactly what is past its period goes, nothing
else; a purge interrupted anywhere leaves whole rows, and running it again finishes the job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import yaml

from bot import retention
from bot.cases import CaseStore
from bot.database import create_engine
from bot.retention import Periods, Purged, purge
from bot.settings import ConfigError, Retention, read_settings, settings_from_dict
from bot.tracker_events import tracker_engine
from tests.conftest import ROOT
from tests.unit.retention_data import NOW, PERIODS, fill_database, fill_tracker, remaining, remaining_events


@pytest.fixture
def stores(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'klantenservice.db'}")
    tracker = tracker_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    yield engine, tracker
    engine.dispose()
    tracker.dispose()


def test_the_purge_deletes_exactly_what_is_past_its_period(stores):
    engine, tracker = stores
    keep_events, keep = fill_tracker(tracker), fill_database(engine)
    purged = purge(engine, tracker, PERIODS, NOW)
    assert purged == Purged(
        tracker_events=5,
        review_decisions=1,
        queue_entries=2,
        agent_messages=1,
        agent_notes=1,
        chat_windows=1,
        cases=2,
    )
    assert remaining_events(tracker) == keep_events
    assert remaining(engine) == keep
    assert purge(engine, tracker, PERIODS, NOW) == Purged()  # nothing left to do


def test_a_second_later_the_edge_of_the_period_goes_too(stores):
    engine, tracker = stores
    fill_tracker(tracker)
    purge(engine, tracker, PERIODS, NOW + timedelta(seconds=1))
    assert ("rand", "rand-1") not in remaining_events(tracker)


def test_without_a_tracker_store_the_rest_is_purged_and_no_file_is_made(tmp_path, stores):
    engine, _ = stores
    keep = fill_database(engine)
    missing = tracker_engine(f"sqlite:///{tmp_path / 'nog-niet' / 'tracker.db'}")
    assert purge(engine, missing, PERIODS, NOW).tracker_events == 0
    assert remaining(engine) == keep and not (tmp_path / "nog-niet").exists()


def _fail_on(engine: sa.engine.Engine, statement_start: str) -> Callable[..., None]:
    """The database connection breaks when it is sent a statement that starts so."""

    def breaks(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(statement_start):
            raise sa.exc.OperationalError(statement_start, {}, RuntimeError("connection lost"))

    sa.event.listen(engine, "before_cursor_execute", breaks)
    return breaks


def test_a_purge_that_fails_between_messages_and_entries_deletes_neither(stores, caplog):
    """The messages of an entry go in the entry's transaction: never an entry without them or messages
    without an entry."""
    engine, tracker = stores
    keep_events, keep = fill_tracker(tracker), fill_database(engine)
    before = remaining(engine)
    breaks = _fail_on(engine, "DELETE FROM HANDOFF_QUEUE")
    purged = purge(engine, tracker, PERIODS, NOW)
    assert purged.failed == ("queue_entries",)
    assert (purged.tracker_events, purged.cases, purged.chat_windows) == (5, 2, 1)  # the other steps ran
    after = remaining(engine)
    assert (after.entries, after.messages, after.notes) == (before.entries, before.messages, before.notes)
    assert "antwoord" not in caplog.text and "connection lost" not in caplog.text  # counts and names only
    sa.event.remove(engine, "before_cursor_execute", breaks)  # the database is back
    assert purge(engine, tracker, PERIODS, NOW) == Purged(queue_entries=2, agent_messages=1, agent_notes=1)
    assert remaining(engine) == keep and remaining_events(tracker) == keep_events


def test_a_purge_stopped_after_any_step_is_finished_by_the_next_run(stores, monkeypatch):
    engine, tracker = stores
    keep_events, keep = fill_tracker(tracker), fill_database(engine)

    def stop(*args):
        raise KeyboardInterrupt  # the process is stopped here

    monkeypatch.setattr(retention, "purge_chat_windows", stop)
    with pytest.raises(KeyboardInterrupt):
        purge(engine, tracker, PERIODS, NOW)
    monkeypatch.undo()
    again = purge(engine, tracker, PERIODS, NOW)
    assert again == Purged(chat_windows=1, cases=2)  # what the first run did not reach
    assert remaining(engine) == keep and remaining_events(tracker) == keep_events


def test_periods_below_a_day_are_refused():
    with pytest.raises(ValueError, match="queue"):
        Periods(conversations=timedelta(days=1), queue=timedelta(hours=23), cases=timedelta(days=1))


def test_the_command_purges_with_the_configured_periods_and_prints_counts(tmp_path, monkeypatch, capsys):
    """klantenservice.yml keeps cases 90 days after their last activity; the command uses the real clock."""
    db_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", db_url)
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.sqlite'}")
    store = CaseStore(db_url)
    now = datetime.now(timezone.utc)
    old = store.create("klacht", "a", {"klacht_omschrijving": "geheim"}, now=now - timedelta(days=91))
    recent = store.create("klacht", "b", {}, now=now - timedelta(days=89))
    try:
        assert retention.main(["purge"]) == 0
        out = capsys.readouterr().out
        assert "Deleted tracker events: 0," in out and "cases: 1" in out and "geheim" not in out
        assert store.get(old.reference) is None and store.get(recent.reference) is not None
    finally:
        store.engine.dispose()


def _config(**sections):
    raw = yaml.safe_load((ROOT / "klantenservice.yml").read_text(encoding="utf-8"))
    raw.update(sections)
    return raw


def test_the_shipped_periods_are_90_days_each_and_the_section_may_be_left_out():
    shipped = read_settings(ROOT / "klantenservice.yml")
    assert shipped.retention == Retention(conversations_days=90, queue_days=90)
    assert Periods.from_settings(shipped) == Periods(*(timedelta(days=90),) * 3)
    raw = _config()
    del raw["retention"]
    assert settings_from_dict(raw).retention == Retention()


@pytest.mark.parametrize(
    ("retention", "message"),
    [
        ({"conversations_days": 0}, "conversations_days must be a whole number >= 1"),
        ({"queue_days": "90"}, "queue_days must be a whole number >= 1"),
        ({"queue_days": 7}, "retention.queue_days (7) must be more than handoff.follow_up_days (7)"),
        ({"cases_days": 30}, "unknown key(s) ['cases_days']"),
    ],
)
def test_a_wrong_period_fails_loudly_naming_it(retention, message):
    with pytest.raises(ConfigError) as error:
        settings_from_dict(_config(retention=retention))
    assert message in str(error.value)

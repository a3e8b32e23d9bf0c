"""The dashboard's figures (bot/insight.py) from generated traffic whose true figures are known, each
test on SQLite and on PostgreSQL, with the tracker store and the assistant's database apart."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import insight
from bot.cases import CaseStore
from bot.database import create_engine
from bot.handoff import OFFLINE, HandoffQueue
from bot.insight import EVENTS, Figures, Insight, Spread, figures, spread
from bot.settings import OpeningHours, load_settings
from tests.insight_data import (
    AMSTERDAM,
    END,
    START,
    WEEK,
    Conversation,
    Handoff,
    Traffic,
    Turn,
    create_tracker_schema,
    expected,
    local,
    write_store,
    write_tracker,
)

SETTINGS = dataclasses.replace(
    load_settings(),
    weekly_hours=(
        OpeningHours(time(9), time(18)),
        OpeningHours(time(9), time(18)),
        OpeningHours(time(9), time(18)),
        OpeningHours(time(9), time(18)),
        OpeningHours(time(9, 30), time(17, 15)),
        OpeningHours(time(9), time(13)),
        None,
    ),
)


@dataclass
class Stores:
    tracker: sa.engine.Engine
    store: sa.engine.Engine
    tracker_url: str
    store_url: str


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """Two fresh databases: Rasa's tracker store (with Rasa's events table) and the assistant's."""
    if request.param == "sqlite":
        urls = f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'klantenservice.db'}"
    else:
        from scripts.db_servers import fresh_database

        server = request.getfixturevalue("postgres_url")
        urls = fresh_database(server, "insight_tracker"), fresh_database(server, "insight_store")
    tracker = sa.create_engine(urls[0], future=True)
    create_tracker_schema(tracker)
    store = create_engine(urls[1])
    yield Stores(tracker, store, *urls)
    tracker.dispose()
    store.dispose()


def queue_the_week(stores: Stores) -> None:
    """The week's queue entries and cases through the assistant's own code, as the actions do."""
    queue = HandoffQueue(engine=stores.store)
    cases = CaseStore(stores.store_url)
    try:
        for conversation in WEEK:
            for handoff in conversation.handoffs:
                if handoff.queued_at is None:
                    continue
                entry = queue.enqueue(
                    conversation.sender,
                    "socketio",
                    "medewerker_spreken",
                    {"vraag": "?"},
                    handoff.mode,
                    now=handoff.queued_at,
                )
                if handoff.claimed_at:
                    queue.claim(entry.id, "anna", now=handoff.claimed_at)
                if handoff.closed_at and handoff.claimed_at:
                    queue.close(entry.id, "anna", now=handoff.closed_at)
                elif handoff.closed_at:
                    queue.leave(conversation.sender, now=handoff.closed_at)
            for kind, filed in conversation.cases:
                cases.create(kind, conversation.sender, {}, now=filed)
    finally:
        cases.engine.dispose()


def test_a_week_written_by_hand_gives_the_figures_counted_by_hand(stores):
    write_tracker(stores.tracker, WEEK)
    queue_the_week(stores)
    result = figures(stores.tracker, stores.store, START, END, SETTINGS)
    assert (result.start, result.end) == (START, END)
    assert result.conversations == 14 and result.messages == 19
    # a, b, g, h; not o, which asked for a person at night and then said thanks
    assert result.contained == 4 and result.containment == pytest.approx(4 / 14)
    assert result.fallback_messages == 3 and result.fallback_rate == pytest.approx(3 / 19)
    assert result.out_of_scope_messages == 1 and result.out_of_scope_rate == pytest.approx(1 / 19)
    # live: d, k, m; offline: e, o, p and q twice (o, p and q's first request left nothing queued)
    assert (result.handoffs_live, result.handoffs_offline, result.handoffs) == (3, 5, 8)
    assert result.offline_questions == 3  # e, q, and n's question typed after midnight
    assert result.abandoned == 1  # m left before anyone took it
    assert result.cases == (("klacht", 1), ("retour", 1))
    assert result.top_intents == (
        ("medewerker_spreken", 7),
        ("factuur_vraag", 4),
        ("nlu_fallback", 3),
        ("bedanken", 1),
        ("begroeten", 1),
        ("klacht", 1),
        ("out_of_scope", 1),
        ("retour", 1),
    )
    assert result.wait == Spread(2, 360.0, 600.0)
    assert result.handling == Spread(1, 600.0, 600.0)
    busy = {
        (day, hour): count
        for day, hours in enumerate(result.demand)
        for hour, count in enumerate(hours)
        if count
    }
    assert busy == {(1, 14): 1, (1, 21): 1, (2, 20): 1, (2, 22): 2, (4, 17): 1, (5, 10): 1, (5, 15): 1}
    assert result == expected(WEEK, START, END, SETTINGS)  # the reference agrees with the hand


def test_random_traffic_gives_the_true_figures(stores):
    traffic = Traffic(START, END, seed=11, settings=SETTINGS)
    conversations = traffic.conversations(600)
    write_tracker(stores.tracker, conversations)
    write_store(stores.store, conversations)
    truth = expected(conversations, START, END, SETTINGS)
    assert truth.conversations > 400 and truth.handoffs_live > 20 and truth.contained > 100  # a real mix
    assert truth.handoffs_offline > truth.offline_questions > 20 and truth.abandoned > 0
    assert figures(stores.tracker, stores.store, START, END, SETTINGS) == truth
    one_day = (local(4, "00:00"), local(5, "00:00"))
    truth = expected(conversations, *one_day, SETTINGS)
    assert figures(stores.tracker, stores.store, *one_day, SETTINGS) == truth


def test_handoffs_land_in_the_local_hour_across_both_dst_changes(stores):
    moments = [
        datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc),  # 02:30 summer time
        datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc),  # 02:30 winter time, an hour later
        datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc),  # 01:30 winter time
        datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc),
    ]  # 03:30 summer time
    conversations = [
        Conversation(f"x{n}", (Turn(at, "medewerker_spreken"),), (Handoff(OFFLINE, at),))
        for n, at in enumerate(moments)
    ]
    write_tracker(stores.tracker, conversations)
    write_store(stores.store, conversations)
    result = figures(
        stores.tracker,
        stores.store,
        datetime(2026, 3, 1, tzinfo=AMSTERDAM),
        datetime(2026, 11, 1, tzinfo=AMSTERDAM),
        SETTINGS,
    )
    sunday = result.demand[6]
    assert (sunday[1], sunday[2], sunday[3], sum(map(sum, result.demand))) == (1, 2, 1, 4)


def test_without_traffic_every_figure_is_zero_and_no_rate_is_made_up(stores):
    result = figures(stores.tracker, stores.store, START, END, SETTINGS)
    assert (result.conversations, result.messages, result.contained, result.handoffs) == (0, 0, 0, 0)
    assert result.containment is None and result.fallback_rate is None and result.out_of_scope_rate is None
    assert result.wait == Spread(0, None, None) and result.top_intents == ()
    assert result.cases == (("klacht", 0), ("retour", 0))


def test_indexes_are_added_once_and_rasas_table_is_otherwise_untouched(stores):
    columns_before = [column["name"] for column in sa.inspect(stores.tracker).get_columns("events")]
    source = Insight(stores.tracker_url, stores.store)
    try:
        source.figures(START, END, SETTINGS)
        source._prepared = False
        source.figures(START, END, SETTINGS)  # a second time is harmless
    finally:
        source.close()
    inspector = sa.inspect(stores.tracker)
    assert [column["name"] for column in inspector.get_columns("events")] == columns_before
    indexes = {index["name"] for index in inspector.get_indexes("events")}
    assert indexes == {"ix_events_sender_id", "ix_events_insight", "ix_events_handoff"}
    store_indexes = {
        index["name"]
        for table in ("handoff_queue", "cases")
        for index in sa.inspect(stores.store).get_indexes(table)
    }
    assert {"ix_handoff_queue_queued_at", "ix_cases_created_at"} <= store_indexes


# --- without a database --------------------------------------------------------------------------


def test_a_tracker_store_without_rasas_table_counts_as_no_traffic(tmp_path):
    store = create_engine(f"sqlite:///{tmp_path / 'klantenservice.db'}")
    source = Insight(f"sqlite:///{tmp_path / 'tracker.db'}", store)
    try:
        assert source.figures(START, END, SETTINGS).conversations == 0
        assert not source._prepared  # looked at again once Rasa has created its table
        create_tracker_schema(source.tracker)
        write_tracker(source.tracker, WEEK[:1])
        assert source.figures(START, END, SETTINGS).conversations == 1 and source._prepared
    finally:
        source.close()
        store.dispose()


def test_the_sqlite_queries_read_only_the_partial_index(tmp_path):
    tracker = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True)
    create_tracker_schema(tracker)
    insight.prepare_tracker(tracker)
    queries = [(query, "ix_events_insight") for query in insight.tracker_queries(START, END)]
    queries += [(query, "ix_events_handoff") for query in insight.handoff_queries(START, END, "sqlite")]
    with tracker.connect() as connection:
        for query, index in queries:
            sql = str(query.compile(tracker, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert f"SEARCH events USING COVERING INDEX {index}" in plan, plan
    tracker.dispose()


def test_the_events_table_read_here_is_rasas():
    from rasa.core.tracker_store import SQLTrackerStore

    rasa_columns = SQLTrackerStore.SQLEvent.__table__.columns
    for column in EVENTS.columns:
        assert type(rasa_columns[column.name].type) is type(column.type), column.name


def test_the_90th_percentile_is_the_nearest_rank():
    assert spread([]) == Spread(0, None, None)
    assert spread([42.0]) == Spread(1, 42.0, 42.0)
    assert spread([float(n) for n in range(10, 0, -1)]) == Spread(10, 5.5, 9.0)
    assert spread([float(n) for n in range(1, 12)]).p90 == 10.0  # rank ceil(9.9) = 10


def test_the_staffed_minutes_follow_the_weekly_schedule():
    grid = insight.staffed_grid(SETTINGS.weekly_hours)
    assert grid[0][8:19] == (0, 60, 60, 60, 60, 60, 60, 60, 60, 60, 0)
    assert grid[4][9] == 30 and grid[4][16] == 60 and grid[4][17] == 15 and grid[4][18] == 0
    assert sum(grid[5]) == 4 * 60 and sum(grid[6]) == 0


def test_a_period_of_days_runs_from_midnight_to_midnight_in_local_time():
    start, end = insight.period_of_days(
        datetime(2026, 10, 25).date(), datetime(2026, 10, 25).date(), AMSTERDAM
    )
    assert end.timestamp() - start.timestamp() == 25 * 3600  # the day the clocks go back
    assert insight.default_days(datetime(2026, 11, 30).date()) == (
        datetime(2026, 11, 24).date(),
        datetime(2026, 11, 30).date(),
    )


# --- the rows and the command line ----------------------------------------------------------------


def sample() -> Figures:
    return expected(WEEK, START, END, SETTINGS)


def test_the_rows_hold_every_figure_once_with_a_dutch_description():
    rows = sample().to_rows()
    keys = [key for key, _, _ in rows]
    assert len(keys) == len(set(keys))
    values = {key: value for key, _, value in rows}
    assert values["conversations"] == 14 and values["contained"] == 4
    assert values["containment"] == pytest.approx(4 / 14) and values["cases.klacht"] == 1
    assert values["intent.factuur_vraag"] == 4 and values["wait_p90_seconds"] == 600.0
    assert (values["handoffs_offline"], values["offline_questions"], values["abandoned"]) == (5, 3, 1)
    assert values["demand.2.22"] == 2 and values["staffed_minutes.4.17"] == 15
    assert sum(1 for key in keys if key.startswith("demand.")) == 168
    descriptions = {key: label for key, label, _ in rows}
    assert descriptions["containment"] == "Aandeel zelf opgelost"


def test_the_command_line_prints_json_and_writes_csv(stores, monkeypatch, capsys, tmp_path):
    write_tracker(stores.tracker, WEEK)
    queue_the_week(stores)
    monkeypatch.setenv("TRACKER_STORE_URL", stores.tracker_url)
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", stores.store_url)
    target = tmp_path / "week.csv"
    assert (
        insight.main(["report", "--from", "2026-11-02", "--to", "2026-11-08", "--json", "--csv", str(target)])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["conversations"] == 14 and data["contained"] == 4 and data["handoffs_live"] == 3
    assert (data["handoffs_offline"], data["offline_questions"], data["abandoned"]) == (5, 3, 1)
    assert data["cases"] == {"klacht": 1, "retour": 1} and data["wait"]["p90"] == 600.0
    assert data["start"] == "2026-11-02T00:00:00+01:00" and data["end"] == "2026-11-09T00:00:00+01:00"
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0] == ["sleutel", "omschrijving", "waarde"]
    assert ["messages", "Berichten van klanten", "19"] in rows
    assert insight.main(["report", "--from", "2026-11-02", "--to", "2026-11-08"]) == 0
    text = capsys.readouterr().out
    assert "Gesprekken: 14" in text and "Zelf opgelost: 4 (28,6%)" in text
    assert "buiten openingstijden 5 (3 vragen achtergelaten)" in text
    assert "(2 gesprekken); afgehaakt voordat een medewerker het oppakte: 1" in text
    assert "Behandeltijd: gemiddeld 10,0 min, 90% binnen 10,0 min (1 gesprek)" in text


def test_the_text_report_says_geen_without_messages_and_counts_in_dutch():
    empty = expected([], START, END, SETTINGS)
    text = insight.text_report(empty)
    assert "Meest gevraagd: geen" in text and "(0 gesprekken)" in text
    assert (
        insight.amount(1, "vraag", "vragen") == "1 vraag"
        and insight.amount(2, "vraag", "vragen") == "2 vragen"
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--from", "30-11-2026"], "'30-11-2026' is geen datum als 2026-11-30"),
        (["--to", "2026-13-01"], "'2026-13-01' is geen datum als 2026-11-30"),
        (["--from", "2026-11-30", "--to", "2026-11-01"], "--to 2026-11-01 ligt voor --from 2026-11-30"),
    ],
)
def test_the_command_line_refuses_a_wrong_period_clearly(arguments, message, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", f"sqlite:///{tmp_path / 'klantenservice.db'}")
    with pytest.raises(SystemExit) as stopped:
        insight.main(["report", *arguments])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "klantenservice.db").exists() and not (tmp_path / "tracker.db").exists()


def test_the_command_line_does_not_create_a_tracker_store_that_is_not_there(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", f"sqlite:///{tmp_path / 'klantenservice.db'}")
    assert insight.main(["report", "--from", "2026-11-02", "--to", "2026-11-08"]) == 0
    assert "Gesprekken: 0   berichten: 0" in capsys.readouterr().out
    assert not (tmp_path / "tracker.db").exists()


def test_the_command_line_says_so_when_a_store_cannot_be_read(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'geen-map' / 'tracker.db'}")
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", f"sqlite:///{tmp_path / 'klantenservice.db'}")
    assert insight.main(["report", "--from", "2026-11-02", "--to", "2026-11-08"]) == 1
    assert "De cijfers konden niet worden gelezen: " in capsys.readouterr().err

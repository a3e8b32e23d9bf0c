"""The dashboard's figures (bot/insight.py) without a database server: the percentile, the staffed
minutes, periods in local time, the rows and the command line's answers. The figures from real
databases (SQLite and PostgreSQL): tests/integration/test_insight.py."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from bot import insight
from bot.database import create_engine
from bot.insight import EVENTS, Figures, Insight, Spread, spread
from tests.insight_data import (
    AMSTERDAM,
    END,
    SETTINGS,
    START,
    WEEK,
    create_tracker_schema,
    expected,
    write_tracker,
)


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

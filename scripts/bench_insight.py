"""Benchmark of the dashboard's figures (bot/insight.py) on 100,000 generated conversations.

Writes the conversations into Rasa's `events` table (Rasa's schema, rows as Rasa writes them: a
session start, then per customer message the message, an action, the answer and listening again;
per request for a person action_medewerker and its form) and their queue entries and cases into
the assistant's tables, in a temporary SQLite database and, when PostgreSQL is installed
(scripts/install_db_servers.sh), in a private PostgreSQL server. Then it times `figures()` for a
30-day period, with and without the indexes bot/insight.py adds, checks the result against the true
figures of the generated data, and writes results/insight_bench.md and results/insight_bench.png.

    .venv/bin/python -m scripts.bench_insight [--conversations 100000] [--no-postgres]
    .venv/bin/python -m scripts.bench_insight --plot-only   # the plot from the last report's table
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot import insight
from bot.database import create_engine
from bot.settings import Settings, load_settings
from tests.insight_data import (
    Conversation,
    Traffic,
    create_tracker_schema,
    expected,
    write_store,
    write_tracker,
)

ROOT = Path(__file__).resolve().parent.parent

FIRST_DAY, LAST_DAY = date(2026, 11, 2), date(2026, 12, 1)  # 30 days
# The timed columns of the report's table, as the plot shows them (medians, in milliseconds).
PLOTTED = (
    ("30 days", "30 dagen"),
    ("7 days", "7 dagen"),
    ("30 days, no index", "30 dagen, geen index"),
    ("7 days, no index", "7 dagen, geen index"),
)
WEEK_FIRST, WEEK_LAST = date(2026, 11, 16), date(2026, 11, 22)
RUNS = 5


@dataclass
class Result:
    database: str
    events: int = 0
    entries: int = 0
    load_seconds: float = 0.0
    index_seconds: float = 0.0
    without_index: list[float] = field(default_factory=list)
    week_without_index: list[float] = field(default_factory=list)
    first: float = 0.0
    warm: list[float] = field(default_factory=list)
    week: list[float] = field(default_factory=list)
    correct: bool = False


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(call, *args):
    began = time.perf_counter()
    value = call(*args)
    return value, time.perf_counter() - began


def _vacuum(engine: sa.engine.Engine) -> None:
    """PostgreSQL: what autovacuum does after a bulk load (statistics, visibility map)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def _count_rows(tracker: sa.engine.Engine, store: sa.engine.Engine) -> tuple[int, int]:
    with tracker.connect() as connection:
        events = connection.exec_driver_sql("SELECT COUNT(*) FROM events").scalar()
    with store.connect() as connection:
        entries = connection.exec_driver_sql("SELECT COUNT(*) FROM handoff_queue").scalar()
    return int(events), int(entries)


def bench(
    name: str,
    tracker_url: str,
    store_url: str,
    conversations: list[Conversation],
    truth: insight.Figures,
    settings: Settings,
) -> Result:
    result = Result(name)
    tracker = sa.create_engine(tracker_url, future=True)
    store = create_engine(store_url)
    create_tracker_schema(tracker)
    progress(f"{name}: writing {len(conversations):,} conversations")
    began = time.perf_counter()
    write_tracker(tracker, conversations)
    write_store(store, conversations)
    _vacuum(tracker)
    _vacuum(store)
    result.load_seconds = time.perf_counter() - began
    result.events, result.entries = _count_rows(tracker, store)
    progress(
        f"{name}: {result.events:,} events, {result.entries:,} queue entries in {result.load_seconds:.0f} s"
    )
    month = insight.period_of_days(FIRST_DAY, LAST_DAY, settings.tz)
    week = insight.period_of_days(WEEK_FIRST, WEEK_LAST, settings.tz)
    unindexed, _ = timed(insight.figures, tracker, store, *month, settings)  # warms the caches
    result.without_index = [timed(insight.figures, tracker, store, *month, settings)[1] for _ in range(RUNS)]
    result.week_without_index = [
        timed(insight.figures, tracker, store, *week, settings)[1] for _ in range(RUNS)
    ]
    progress(
        f"{name}: without the index: 30 days {statistics.median(result.without_index):.2f} s, "
        f"7 days {statistics.median(result.week_without_index):.2f} s"
    )
    began = time.perf_counter()
    insight.prepare_tracker(tracker)
    insight.prepare_store(store)
    result.index_seconds = time.perf_counter() - began
    progress(f"{name}: indexes built in {result.index_seconds:.1f} s")
    found, result.first = timed(insight.figures, tracker, store, *month, settings)
    result.warm = [timed(insight.figures, tracker, store, *month, settings)[1] for _ in range(RUNS)]
    result.week = [timed(insight.figures, tracker, store, *week, settings)[1] for _ in range(RUNS)]
    result.correct = found == truth and unindexed == truth
    progress(
        f"{name}: 30 days {statistics.median(result.warm):.2f} s, "
        f"7 days {statistics.median(result.week):.2f} s, figures {'right' if result.correct else 'WRONG'}"
    )
    tracker.dispose()
    store.dispose()
    return result


def bench_postgres(
    conversations: list[Conversation], truth: insight.Figures, settings: Settings
) -> Result | None:
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        progress("PostgreSQL is not installed (scripts/install_db_servers.sh): skipped")
        return None
    from scripts.db_servers import Postgres, fresh_database

    progress("PostgreSQL: starting a private server")
    server = Postgres().start()
    try:
        return bench(
            "PostgreSQL",
            fresh_database(server.url, "bench_tracker"),
            fresh_database(server.url, "bench_store"),
            conversations,
            truth,
            settings,
        )
    finally:
        server.remove()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _spread(times: list[float]) -> str:
    return f"{_ms(statistics.median(times))} ({_ms(min(times))})"


def report(results: list[Result], conversations: int, truth: insight.Figures, total: float) -> str:
    lines = [
        "# Dashboard figures: benchmark",
        "",
        f"`scripts/bench_insight.py`, {datetime.now():%Y-%m-%d %H:%M}, {platform.machine()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"SQLAlchemy {sa.__version__}; 2 CPU cores shared with other work.",
        "",
        f"{conversations:,} generated conversations (1-3 customer messages, "
        f"{results[0].events / conversations:.1f} Rasa events each on average), "
        f"{truth.conversations:,} of them with a message in the 30-day period "
        f"{FIRST_DAY} to {LAST_DAY} ({truth.messages:,} messages, {truth.handoffs:,} requests for a person, "
        f"{sum(c for _, c in truth.cases):,} cases). Tracker store and assistant database are separate "
        "databases. Times are for `bot.insight.figures()` (all queries and the combination in Python).",
        "",
        f"Each time is the median of {RUNS} runs (the fastest in brackets); 'first' is the first run "
        "after the index was built. Load average during the run: "
        f"{' / '.join(f'{value:.1f}' for value in os.getloadavg())} (1/5/15 min), so the times "
        "include waiting for a core.",
        "",
        "| database | events rows | load | index build | 30 days | 30 days, first | 7 days | "
        "30 days, no index | 7 days, no index | figures right |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.events:,} | {r.load_seconds:.0f} s | {r.index_seconds:.1f} s | "
            f"{_spread(r.warm)} | {_ms(r.first)} | {_spread(r.week)} | {_spread(r.without_index)} | "
            f"{_spread(r.week_without_index)} | {'yes' if r.correct else 'NO'} |"
        )
    lines += [
        "",
        "The indexes on Rasa's `events` table are `ix_events_insight`: `(type_name, timestamp, sender_id, "
        "intent_name, id) WHERE type_name = 'user'` and `ix_events_handoff`: `(type_name, action_name, "
        "timestamp, sender_id) WHERE type_name = 'action' AND action_name = 'action_medewerker'`, created "
        "idempotently by `bot.insight.prepare_tracker` (CONCURRENTLY on PostgreSQL); plus "
        "`ix_handoff_queue_queued_at` and `ix_cases_created_at`. "
        "PostgreSQL was vacuumed and analysed after the bulk load, as autovacuum would do.",
        f"'figures right' compares the result with the true figures computed from the generated "
        f"conversations in plain Python (tests/insight_data.py). Whole run: {total:.0f} s.",
        "",
        "![Median times per database](insight_bench.png)",
        "",
    ]
    return "\n".join(lines)


def table_medians(text: str) -> dict[str, dict[str, float]]:
    """Per database the median milliseconds of the PLOTTED columns, read from a report's table."""
    rows = [line.strip().strip("|").split("|") for line in text.splitlines() if line.startswith("| ")]
    if not rows:
        raise ValueError("no table in the report")
    header = [cell.strip() for cell in rows[0]]
    medians: dict[str, dict[str, float]] = {}
    for cells in rows[1:]:
        cells = [cell.strip() for cell in cells]
        if set("".join(cells)) <= set("-:"):
            continue
        values = {}
        for column, _ in PLOTTED:
            found = re.match(r"([\d,]+) ms", cells[header.index(column)])
            if found is None:
                raise ValueError(f"{cells[0]}, {column}: {cells[header.index(column)]!r} is not a time")
            values[column] = float(found.group(1).replace(",", ""))
        medians[cells[0]] = values
    return medians


def plot(medians: dict[str, dict[str, float]], conversations: str, path: Path) -> None:
    """Grouped bars: per period and index, one bar per database, its median beside it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.2), layout="constrained")
    axes = figure.add_subplot()
    width = 0.8 / max(len(medians), 1)
    for n, (database, values) in enumerate(medians.items()):
        positions = [index + (n - (len(medians) - 1) / 2) * width for index in range(len(PLOTTED))]
        bars = axes.bar(positions, [values[column] / 1000 for column, _ in PLOTTED], width, label=database)
        axes.bar_label(
            bars,
            labels=[f"{values[column] / 1000:.2f}".replace(".", ",") for column, _ in PLOTTED],
            padding=2,
            fontsize=8,
        )
    axes.set_xticks(range(len(PLOTTED)), [label for _, label in PLOTTED])
    axes.set_ylabel("seconden (mediaan)")
    axes.set_title(f"Dashboardcijfers berekenen, {conversations} gesprekken")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False)
    figure.savefig(path, dpi=100, metadata={"Software": None})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "insight_bench.md")
    parser.add_argument(
        "--plot-only",
        action="store_true",
        help="only draw the plot beside --out from the table already in it",
    )
    args = parser.parse_args()
    chart = args.out.with_suffix(".png")
    if args.plot_only:
        try:
            text = args.out.read_text(encoding="utf-8")
            medians = table_medians(text)
        except (OSError, ValueError) as error:
            parser.exit(1, f"No plot: {args.out} has no usable report ({error})\n")
        counted = re.search(r"^([\d,]+) generated conversations", text, flags=re.M)
        plot(medians, counted.group(1).replace(",", ".") if counted else "", chart)
        progress(f"Written {chart}")
        return 0
    began = time.perf_counter()
    settings = load_settings()
    start, end = insight.period_of_days(FIRST_DAY, LAST_DAY, settings.tz)
    progress(f"Generating {args.conversations:,} conversations")
    conversations = Traffic(start, end, seed=2026, margin=timedelta(hours=2)).conversations(
        args.conversations
    )
    truth = expected(conversations, start, end, settings)
    results = []
    with tempfile.TemporaryDirectory(prefix="insight-bench-") as folder:
        results.append(
            bench(
                "SQLite",
                f"sqlite:///{folder}/tracker.db",
                f"sqlite:///{folder}/klantenservice.db",
                conversations,
                truth,
                settings,
            )
        )
    if not args.no_postgres and (postgres := bench_postgres(conversations, truth, settings)):
        results.append(postgres)
    text = report(results, args.conversations, truth, time.perf_counter() - began)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    plot(table_medians(text), f"{args.conversations:,}".replace(",", "."), chart)
    progress(f"Written {args.out} and {chart}")
    print(text)
    return 0 if all(r.correct for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""The dashboard's figures (bot/insight.py) from generated traffic whose true figures are known, each
test on SQLite and on PostgreSQL, with the tracker store and the assistant's database apart."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import insight
from bot.cases import CaseStore
from bot.database import create_engine
from bot.handoff import OFFLINE, HandoffQueue
from bot.insight import Insight, Spread, figures
from tests.insight_data import (
    AMSTERDAM,
    END,
    SETTINGS,
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


# --- the command line ------------------------------------------------------------------------------


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


def test_the_answers_to_the_satisfaction_question_are_no_questions(stores):
    """A rating click and the comment after it count as no message, topic or misunderstanding; a
    message after the comment counts again."""
    from bot.satisfaction import SatisfactionStore

    asked, rated, commented, later = (
        local(3, "10:00"),
        local(3, "10:01"),
        local(3, "10:02"),
        local(3, "10:30"),
    )
    conversations = [
        Conversation(
            "rated",
            (
                Turn(asked, "factuur_vraag"),
                Turn(rated - timedelta(seconds=1), "csat_beoordelen", "/csat_beoordelen"),
                Turn(commented, "out_of_scope", "de medewerker was top"),
            ),
        ),
        Conversation(
            "rated_then_lost",
            (
                Turn(asked, "retour"),
                Turn(rated - timedelta(seconds=1), "csat_beoordelen", "/csat_beoordelen"),
                Turn(commented, "nlu_fallback", "snel geholpen"),
                Turn(later, "nlu_fallback", "sdfkjh"),
            ),
        ),
    ]
    write_tracker(stores.tracker, conversations)
    ratings = SatisfactionStore(engine=stores.store)
    for conversation in conversations:
        ratings.ask_bot_only(conversation.sender, "factuur_vraag", None, now=asked)
        ratings.rate(conversation.sender, 5, now=rated)
        ratings.add_comment(conversation.sender, "een opmerking", now=commented)

    result = figures(stores.tracker, stores.store, START, END, SETTINGS)
    assert result.messages == 3  # two questions and the message after the comment
    assert result.out_of_scope_messages == 0 and result.fallback_messages == 1
    assert dict(result.top_intents) == {"factuur_vraag": 1, "retour": 1, "nlu_fallback": 1}
    assert result.contained == 1  # "rated"; the other ended misunderstood
    topics = insight.containment_by_topic(stores.tracker, stores.store, START, END, frozenset())
    assert {t.topic: (t.conversations, t.contained) for t in topics} == {
        "factuur_vraag": (1, 1),
        "retour": (1, 0),
    }

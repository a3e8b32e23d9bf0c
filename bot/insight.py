"""Figures for the team lead: how much the assistant resolves on its own, and where it fails.

Two stores, which may be two different databases: the conversations come from Rasa's tracker store
(TRACKER_STORE_URL, Rasa's table `events`), the queue and the cases from the assistant's database
(KLANTENSERVICE_DB_URL). Each is counted in SQL on its own (GROUP BY and COUNT in SQLAlchemy Core,
the same queries on SQLite and PostgreSQL); only their results meet here in Python: counts, the ids
of the conversations (to leave out those with a queue entry or a case) and the live entries' times.

Definitions, for a period [start, end):
- conversations: distinct conversation ids (Rasa's sender_id) with a customer message in the period;
- messages: customer messages (Rasa `user` events) in the period;
- handoff requests: the assistant's `action_medewerker` runs in the tracker store (every request for
  a person, also one the customer abandons before anything is queued: outside staffed hours the queue
  entry only follows once the customer has typed a question), `live` when the service's calendar
  (holidays included) has people there at the moment Rasa recorded it, `offline` otherwise;
- contained: conversations with no handoff request, no queue entry and no case in the period whose
  last customer message in the period was understood (not `nlu_fallback`);
  containment = contained / conversations;
- fallback rate, out-of-scope rate: messages with intent `nlu_fallback` / `out_of_scope`, as a share
  of all messages; top intents: messages per predicted intent;
- offline questions: offline queue entries queued in the period (the questions left for later);
  cases: cases filed in the period, by type;
- wait: queued -> claimed of live entries queued in the period that an agent took; handling:
  claimed -> closed of those that are closed. Average and 90th percentile (nearest rank);
  abandoned: live entries queued in the period that the customer left before an agent took them
  (the wait figures cannot include them);
- demand: handoff requests per hour of the week (Monday 0, hour 0-23, local time of the service), set
  against the staffed minutes of each hour in the weekly schedule (holidays and special days left
  out: a week grid shows the usual week).

`python -m bot.insight report --from 2026-11-01 --to 2026-11-30 [--csv FILE] [--json]`
(`make report FROM=... TO=...`); both dates count, the default is the last 7 days.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot import clock
from bot.cases import CaseRecord
from bot.database import ROOT, create_engine, from_stored
from bot.handoff import LIVE, OFFLINE, EntryRecord
from bot.hours import Calendar
from bot.percentiles import nearest_rank
from bot.satisfaction import COMMENT_WINDOW, RATING_INTENT, RatingRecord
from bot.settings import WEEKDAY_KEYS, OpeningHours, Settings, load_settings
from bot.tracker_events import EVENTS

logger = logging.getLogger(__name__)

TRACKER_URL_VARIABLE = "TRACKER_STORE_URL"
FALLBACK_INTENT, OUT_OF_SCOPE_INTENT = "nlu_fallback", "out_of_scope"
HANDOFF_ACTION = "action_medewerker"
CASE_TYPES = ("retour", "klacht")
TOP_INTENTS = 10
DEFAULT_DAYS = 7
_UTC = timezone.utc

# Literals, not parameters, so that SQLite sees the partial indexes below apply.
_USER = sa.literal_column("'user'")
_ACTION = sa.literal_column("'action'")
_HANDOFF = sa.literal_column(f"'{HANDOFF_ACTION}'")
# Partial (customer messages only, handoff requests only) and covering: every figure is read from an
# index alone.
TRACKER_INDEX = (
    "ix_events_insight",
    "events (type_name, \"timestamp\", sender_id, intent_name, id) WHERE type_name = 'user'",
)
HANDOFF_INDEX = (
    "ix_events_handoff",
    'events (type_name, action_name, "timestamp", sender_id) '
    f"WHERE type_name = 'action' AND action_name = '{HANDOFF_ACTION}'",
)
STORE_INDEXES = (
    ("ix_handoff_queue_queued_at", "handoff_queue (queued_at)"),
    ("ix_cases_created_at", "cases (created_at)"),
)
QUEUE, CASES, RATINGS = EntryRecord.__table__, CaseRecord.__table__, RatingRecord.__table__

Grid = tuple[tuple[int, ...], ...]  # 7 weekdays (Monday first) x 24 hours


# --- the figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Durations in seconds: how many, their mean and their 90th percentile (None when none)."""

    count: int
    average: float | None
    p90: float | None


def spread(seconds: Sequence[float]) -> Spread:
    """How many, the mean and the 90th percentile (nearest rank) of `seconds`."""
    if not seconds:
        return Spread(0, None, None)
    return Spread(len(seconds), sum(seconds) / len(seconds), nearest_rank(seconds, 0.9))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    start: datetime
    end: datetime
    conversations: int
    messages: int
    contained: int
    fallback_messages: int
    out_of_scope_messages: int
    handoffs_live: int  # handoff requests while people are there
    handoffs_offline: int  # handoff requests outside staffed hours
    offline_questions: int  # questions left for later (offline queue entries)
    abandoned: int  # live queue entries the customer left before an agent took them
    cases: tuple[tuple[str, int], ...]  # (case type, count), the known types always present
    top_intents: tuple[tuple[str, int], ...]  # (intent, messages), most first
    wait: Spread
    handling: Spread
    demand: Grid  # handoff requests per hour of the week
    staffed_minutes: Grid  # staffed minutes of each hour in the weekly schedule

    @property
    def containment(self) -> float | None:
        return _share(self.contained, self.conversations)

    @property
    def fallback_rate(self) -> float | None:
        return _share(self.fallback_messages, self.messages)

    @property
    def out_of_scope_rate(self) -> float | None:
        return _share(self.out_of_scope_messages, self.messages)

    @property
    def handoffs(self) -> int:
        return self.handoffs_live + self.handoffs_offline

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, for scripts (`--json`)."""
        data = asdict(self)
        data.update(
            start=self.start.isoformat(),
            end=self.end.isoformat(),
            cases=dict(self.cases),
            top_intents=dict(self.top_intents),
            containment=self.containment,
            fallback_rate=self.fallback_rate,
            out_of_scope_rate=self.out_of_scope_rate,
            demand=[list(day) for day in self.demand],
            staffed_minutes=[list(day) for day in self.staffed_minutes],
        )
        return data

    def to_rows(self) -> list[tuple[str, str, Any]]:
        """(key, Dutch description, value) for a CSV file; rates as fractions, durations in seconds."""
        return _summary_rows(self) + _detail_rows(self)


def _summary_rows(f: Figures) -> list[tuple[str, str, Any]]:
    rows = [
        ("period_start", "Begin van de periode", f.start.isoformat()),
        ("period_end", "Einde van de periode (niet meer meegeteld)", f.end.isoformat()),
        ("conversations", "Gesprekken", f.conversations),
        ("messages", "Berichten van klanten", f.messages),
        ("contained", "Gesprekken zelf opgelost door de assistent", f.contained),
        ("containment", "Aandeel zelf opgelost", f.containment),
        ("fallback_messages", "Berichten niet begrepen", f.fallback_messages),
        ("fallback_rate", "Aandeel niet begrepen", f.fallback_rate),
        ("out_of_scope_messages", "Berichten buiten het onderwerp", f.out_of_scope_messages),
        ("out_of_scope_rate", "Aandeel buiten het onderwerp", f.out_of_scope_rate),
        ("handoffs_live", "Vragen om een medewerker tijdens openingstijden", f.handoffs_live),
        ("handoffs_offline", "Vragen om een medewerker buiten openingstijden", f.handoffs_offline),
        (
            "offline_questions",
            "Vragen achtergelaten voor een medewerker (buiten openingstijden)",
            f.offline_questions,
        ),
        ("abandoned", "Afgehaakt voordat een medewerker het gesprek oppakte", f.abandoned),
    ]
    rows += [(f"cases.{kind}", f"Zaken: {kind}", count) for kind, count in f.cases]
    for key, label, values in (
        ("wait", "Wachttijd op een medewerker", f.wait),
        ("handling", "Behandeltijd door een medewerker", f.handling),
    ):
        rows += [
            (f"{key}_count", f"{label}: aantal gesprekken", values.count),
            (f"{key}_average_seconds", f"{label}: gemiddeld (seconden)", values.average),
            (f"{key}_p90_seconds", f"{label}: 90% binnen (seconden)", values.p90),
        ]
    return rows


def _detail_rows(f: Figures) -> list[tuple[str, str, Any]]:
    rows = [
        (f"intent.{intent}", f"Berichten met onderwerp {intent}", count) for intent, count in f.top_intents
    ]
    for day, name in enumerate(WEEKDAY_KEYS):
        for hour in range(24):
            slot = f"{name} {hour:02d}:00-{hour + 1:02d}:00"
            rows.append(
                (f"demand.{day}.{hour:02d}", f"Vragen om een medewerker, {slot}", f.demand[day][hour])
            )
            rows.append(
                (
                    f"staffed_minutes.{day}.{hour:02d}",
                    f"Bemande minuten, {slot}",
                    f.staffed_minutes[day][hour],
                )
            )
    return rows


# --- setting up the stores ----------------------------------------------------------------------------


def tracker_url() -> str:
    """Rasa's tracker store, as scripts/env.sh sets it up by default."""
    return os.environ.get(TRACKER_URL_VARIABLE) or f"sqlite:///{ROOT / 'var' / 'tracker.db'}"


def _create_index(engine: sa.engine.Engine, name: str, target: str) -> None:
    """Idempotent; on PostgreSQL built CONCURRENTLY, so Rasa's writes are not held up meanwhile."""
    concurrently = "CONCURRENTLY " if engine.dialect.name == "postgresql" else ""
    statement = sa.text(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {target}")
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(statement)
    except sa.exc.SQLAlchemyError as error:  # e.g. no right to create indexes: slower, still right
        logger.warning("Could not create index %s (%s); the figures are counted without it", name, error)


def has_events(engine: sa.engine.Engine) -> bool:
    """Whether Rasa has created its events table. A SQLite file that is not there yet is not
    created by looking (connecting would); a folder that is not there is an error, as any other
    unreachable store."""
    url = engine.url
    if (
        url.get_backend_name() == "sqlite"
        and url.database
        and url.database != ":memory:"
        and not url.database.startswith("file:")
    ):
        path = Path(url.database)
        if not path.exists() and path.parent.is_dir():
            return False
    exists: bool = sa.inspect(engine).has_table("events")
    return exists


def prepare_tracker(engine: sa.engine.Engine) -> bool:
    """Whether Rasa's events table is there yet; if so, adds the index the figures need. Rasa's
    schema itself is left as it is: only two partial indexes (customer messages, handoff requests)."""
    if not has_events(engine):
        return False
    for name, target in (TRACKER_INDEX, HANDOFF_INDEX):
        _create_index(engine, name, target)
    return True


def prepare_store(engine: sa.engine.Engine) -> None:
    """Indexes for the period filters on the queue and the cases (their tables exist already)."""
    for name, target in STORE_INDEXES:
        _create_index(engine, name, target)


# --- the tracker store -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackerCounts:
    conversations: int
    intents: dict[str | None, int]  # messages per intent (None: a message without one)
    understood_at_end: frozenset[str]  # conversations whose last message was not a fallback
    requests_by_minute: dict[int, int] = field(default_factory=dict)  # handoff requests per Unix minute
    requesting: frozenset[str] = frozenset()  # conversations with a handoff request


def _user_messages(
    start: datetime, end: datetime, not_counted: frozenset[int] = frozenset()
) -> sa.sql.ColumnElement:
    """The customers' messages in [start, end), without their answers to the satisfaction question
    (a rating click, and the comments in `not_counted`): those are no questions to the assistant."""
    period = sa.and_(
        EVENTS.c.type_name == _USER,
        EVENTS.c.timestamp >= start.timestamp(),
        EVENTS.c.timestamp < end.timestamp(),
        sa.or_(EVENTS.c.intent_name.is_(None), EVENTS.c.intent_name != RATING_INTENT),
    )
    return sa.and_(period, EVENTS.c.id.not_in(sorted(not_counted))) if not_counted else period


def satisfaction_comments(
    tracker: sa.engine.Engine, store: sa.engine.Engine, start: datetime, end: datetime
) -> frozenset[int]:
    """The event ids of the comments customers wrote after their rating in [start, end): each is the
    conversation's first message after the rating was kept (`csat_ratings.answered_at`)."""
    query = sa.select(RATINGS.c.conversation_id, RATINGS.c.answered_at).where(
        RATINGS.c.comment.is_not(None), _in_period(RATINGS.c.answered_at, start - COMMENT_WINDOW, end)
    )
    with store.connect() as connection:
        commented = connection.execute(query).all()
    ids: set[int] = set()
    with tracker.connect() as connection:
        for conversation_id, answered_at in commented:
            first_after = sa.select(sa.func.min(EVENTS.c.id)).where(
                EVENTS.c.type_name == _USER,
                EVENTS.c.sender_id == conversation_id,
                EVENTS.c.timestamp > from_stored(answered_at).timestamp(),
            )
            event_id = connection.scalar(first_after)
            if event_id is not None:
                ids.add(int(event_id))
    return frozenset(ids)


def tracker_queries(
    start: datetime, end: datetime, not_counted: frozenset[int] = frozenset()
) -> tuple[sa.sql.Select, sa.sql.Select]:
    """Messages per intent; and per conversation whether its last message was understood (the
    highest id among its understood messages is its highest id). Each reads one index range."""
    period = _user_messages(start, end, not_counted)
    intents = sa.select(EVENTS.c.intent_name, sa.func.count()).where(period).group_by(EVENTS.c.intent_name)
    understood_id = sa.case(
        (sa.or_(EVENTS.c.intent_name.is_(None), EVENTS.c.intent_name != FALLBACK_INTENT), EVENTS.c.id)
    )
    ending = (
        sa.select(EVENTS.c.sender_id, sa.func.max(understood_id) == sa.func.max(EVENTS.c.id))
        .where(period)
        .group_by(EVENTS.c.sender_id)
    )
    return intents, ending


def _unix_minute(column: sa.Column, dialect: str) -> sa.sql.ColumnElement | None:
    """The whole minutes since 1970 of a Unix timestamp (floor, not rounding); None where unknown."""
    if dialect == "sqlite":  # CAST truncates, which is the floor for moments after 1970
        return sa.cast(column / 60, sa.Integer)
    if dialect == "postgresql":  # CAST rounds there
        return sa.cast(sa.func.floor(column / 60), sa.BigInteger)
    return None


def handoff_queries(
    start: datetime, end: datetime, dialect: str
) -> tuple[sa.sql.Select | None, sa.sql.Select, sa.sql.Select]:
    """Handoff requests per minute (None where the dialect has no floor: see count_tracker), the
    moments themselves, and the conversations that asked. Each reads the handoff index only."""
    period = sa.and_(
        EVENTS.c.type_name == _ACTION,
        EVENTS.c.action_name == _HANDOFF,
        EVENTS.c.timestamp >= start.timestamp(),
        EVENTS.c.timestamp < end.timestamp(),
    )
    minute = _unix_minute(EVENTS.c.timestamp, dialect)
    per_minute = (
        None if minute is None else (sa.select(minute, sa.func.count()).where(period).group_by(minute))
    )
    moments = sa.select(EVENTS.c.timestamp).where(period)
    senders = sa.select(EVENTS.c.sender_id).where(period).distinct()
    return per_minute, moments, senders


def count_tracker(
    engine: sa.engine.Engine, start: datetime, end: datetime, not_counted: frozenset[int] = frozenset()
) -> TrackerCounts:
    intents, ending = tracker_queries(start, end, not_counted)
    per_minute, moments, senders = handoff_queries(start, end, engine.dialect.name)
    with engine.connect() as connection:
        by_intent = {name: int(count) for name, count in connection.execute(intents)}
        conversations = connection.execute(ending).all()
        if per_minute is not None:
            requests = {int(minute): int(count) for minute, count in connection.execute(per_minute)}
        else:  # another database: the moments themselves, bucketed here
            requests = dict(Counter(math.floor(moment / 60) for moment in connection.scalars(moments)))
        requesting = frozenset(connection.scalars(senders))
    understood = frozenset(sender for sender, last_understood in conversations if last_understood)
    return TrackerCounts(len(conversations), by_intent, understood, requests, requesting)


# --- the assistant's database ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreCounts:
    entries: dict[str, int]  # queue entries per mode
    cases: dict[str, int]  # per case type
    escalated: frozenset[str]  # conversations with a queue entry or a case
    waits: list[float]  # seconds
    handlings: list[float]
    abandoned: int  # live entries left by the customer before an agent took them


def _in_period(column: sa.Column, start: datetime, end: datetime) -> sa.sql.ColumnElement:
    # UTC, as every moment is stored (SQLite keeps the wall time only).
    return sa.and_(column >= start.astimezone(_UTC), column < end.astimezone(_UTC))


def _live_spans(
    connection: sa.engine.Connection, period: sa.sql.ColumnElement
) -> tuple[list[float], list[float]]:
    query = sa.select(QUEUE.c.queued_at, QUEUE.c.claimed_at, QUEUE.c.closed_at).where(
        period, QUEUE.c.mode == LIVE, QUEUE.c.claimed_at.is_not(None)
    )
    waits: list[float] = []
    handlings: list[float] = []
    for queued, claimed, closed in connection.execute(query):
        waits.append((from_stored(claimed) - from_stored(queued)).total_seconds())
        if closed is not None:
            handlings.append((from_stored(closed) - from_stored(claimed)).total_seconds())
    return waits, handlings


def count_store(engine: sa.engine.Engine, start: datetime, end: datetime) -> StoreCounts:
    queued = _in_period(QUEUE.c.queued_at, start, end)
    filed = _in_period(CASES.c.created_at, start, end)
    escalated = sa.union(
        sa.select(QUEUE.c.conversation_id).where(queued), sa.select(CASES.c.conversation_id).where(filed)
    )
    with engine.connect() as connection:
        modes = dict(
            connection.execute(
                sa.select(QUEUE.c.mode, sa.func.count()).where(queued).group_by(QUEUE.c.mode)
            ).all()
        )
        cases = dict(
            connection.execute(
                sa.select(CASES.c.case_type, sa.func.count()).where(filed).group_by(CASES.c.case_type)
            ).all()
        )
        conversation_ids = frozenset(connection.scalars(escalated))
        waits, handlings = _live_spans(connection, queued)
        abandoned = connection.scalar(
            sa.select(sa.func.count())
            .select_from(QUEUE)
            .where(queued, QUEUE.c.mode == LIVE, QUEUE.c.claimed_at.is_(None), QUEUE.c.closed_at.is_not(None))
        )
    return StoreCounts(modes, cases, conversation_ids, waits, handlings, int(abandoned or 0))


# --- the week grid ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requests:
    live: int
    offline: int
    demand: Grid


def sort_requests(by_minute: dict[int, int], calendar: Calendar) -> Requests:
    """Requests per Unix minute to staffed or not (opening times are whole minutes) and to the
    local hour of the week."""
    grid = [[0] * 24 for _ in range(7)]
    live = offline = 0
    for minute, count in by_minute.items():
        moment = datetime.fromtimestamp(minute * 60, _UTC)
        if calendar.is_staffed(moment):
            live += count
        else:
            offline += count
        local = moment.astimezone(calendar.tz)
        grid[local.weekday()][local.hour] += count
    return Requests(live, offline, tuple(tuple(day) for day in grid))


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def staffed_grid(weekly_hours: Sequence[OpeningHours | None]) -> Grid:
    """Per weekday and hour, how many minutes of that hour the weekly schedule has people there."""
    grid = []
    for hours in weekly_hours:
        day = []
        for hour in range(24):
            if hours is None:
                day.append(0)
                continue
            overlap = min(_minutes(hours.close), (hour + 1) * 60) - max(_minutes(hours.open), hour * 60)
            day.append(max(0, overlap))
        grid.append(tuple(day))
    return tuple(grid)


# --- together ---------------------------------------------------------------------------------------


def combine(
    start: datetime,
    end: datetime,
    tracker: TrackerCounts,
    store: StoreCounts,
    settings: Settings,
    top: int = TOP_INTENTS,
) -> Figures:
    named = sorted(
        ((name, count) for name, count in tracker.intents.items() if name),
        key=lambda item: (-item[1], item[0]),
    )
    cases = dict.fromkeys(CASE_TYPES, 0) | store.cases
    requests = sort_requests(tracker.requests_by_minute, Calendar(settings))
    return Figures(
        start=start,
        end=end,
        conversations=tracker.conversations,
        messages=sum(tracker.intents.values()),
        contained=len(tracker.understood_at_end - store.escalated - tracker.requesting),
        fallback_messages=tracker.intents.get(FALLBACK_INTENT, 0),
        out_of_scope_messages=tracker.intents.get(OUT_OF_SCOPE_INTENT, 0),
        handoffs_live=requests.live,
        handoffs_offline=requests.offline,
        offline_questions=store.entries.get(OFFLINE, 0),
        abandoned=store.abandoned,
        cases=tuple(sorted(cases.items())),
        top_intents=tuple(named[:top]),
        wait=spread(store.waits),
        handling=spread(store.handlings),
        demand=requests.demand,
        staffed_minutes=staffed_grid(settings.weekly_hours),
    )


def figures(
    tracker: sa.engine.Engine,
    store: sa.engine.Engine,
    start: datetime,
    end: datetime,
    settings: Settings | None = None,
    top: int = TOP_INTENTS,
) -> Figures:
    """The figures of [start, end) (aware datetimes). An empty tracker store counts as no traffic."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    settings = settings or load_settings()
    if has_events(tracker):
        tracker_counts = count_tracker(tracker, start, end, satisfaction_comments(tracker, store, start, end))
    else:
        tracker_counts = TrackerCounts(0, {}, frozenset())
    return combine(start, end, tracker_counts, count_store(store, start, end), settings, top)


@dataclass(frozen=True)
class TopicContainment:
    """A topic (a conversation's first topic intent) and how many of its conversations the
    assistant handled alone (`contained`, as in Figures)."""

    topic: str
    conversations: int
    contained: int

    @property
    def containment(self) -> float | None:
        return _share(self.contained, self.conversations)


def topic_containment(first_topics: dict[str, str], contained: frozenset[str]) -> list[TopicContainment]:
    """Per topic (most conversations first): its conversations and the contained ones among them."""
    totals: Counter[str] = Counter(first_topics.values())
    alone: Counter[str] = Counter(topic for sender, topic in first_topics.items() if sender in contained)
    return [
        TopicContainment(topic, count, alone[topic])
        for topic, count in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ]


def first_topics(
    engine: sa.engine.Engine,
    start: datetime,
    end: datetime,
    not_topics: frozenset[str],
    not_counted: frozenset[int] = frozenset(),
) -> dict[str, str]:
    """Each conversation's first topic intent in the period (intents in `not_topics` are none)."""
    query = (
        sa.select(EVENTS.c.sender_id, EVENTS.c.intent_name, sa.func.min(EVENTS.c.id))
        .where(
            _user_messages(start, end, not_counted),
            EVENTS.c.intent_name.is_not(None),
            EVENTS.c.intent_name.not_in(not_topics),
        )
        .group_by(EVENTS.c.sender_id, EVENTS.c.intent_name)
    )
    first: dict[str, tuple[int, str]] = {}
    with engine.connect() as connection:
        for sender, intent, lowest in connection.execute(query):
            if sender not in first or lowest < first[sender][0]:
                first[sender] = (lowest, intent)
    return {sender: intent for sender, (_, intent) in first.items()}


def containment_by_topic(
    tracker: sa.engine.Engine,
    store: sa.engine.Engine,
    start: datetime,
    end: datetime,
    not_topics: frozenset[str],
) -> list[TopicContainment]:
    """Containment per topic in [start, end), by the definition of `contained` above."""
    if not has_events(tracker):
        return []
    comments = satisfaction_comments(tracker, store, start, end)
    counts = count_tracker(tracker, start, end, comments)
    escalated = count_store(store, start, end).escalated
    contained = counts.understood_at_end - escalated - counts.requesting
    return topic_containment(first_topics(tracker, start, end, not_topics, comments), contained)


class Insight:
    """The two stores, opened (and indexed) on first use; for the dashboard and the CLI."""

    def __init__(self, tracker_url: str, store: sa.engine.Engine) -> None:
        self.tracker = sa.create_engine(tracker_url, future=True, pool_pre_ping=True, hide_parameters=True)
        self.store = store
        self._prepared = False

    def figures(self, start: datetime, end: datetime, settings: Settings | None = None) -> Figures:
        if not self._prepared:
            prepare_store(self.store)
            self._prepared = prepare_tracker(self.tracker)  # again next time while Rasa has no table
        return figures(self.tracker, self.store, start, end, settings)

    def topics(self, start: datetime, end: datetime, not_topics: frozenset[str]) -> list[TopicContainment]:
        return containment_by_topic(self.tracker, self.store, start, end, not_topics)

    def close(self) -> None:
        self.tracker.dispose()


# --- periods ----------------------------------------------------------------------------------------


def period_of_days(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, local days (a DST day has 23 or 25 hours)."""
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def default_days(today: date, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The last `days` days up to and including today."""
    return today - timedelta(days=days - 1), today


# --- the command line -------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def _duration(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min".replace(".", ",")


def amount(count: int, singular: str, plural: str, digits: Any = str) -> str:
    """'1 gesprek', '2 gesprekken' (and '0 gesprekken'), the number written by `digits`."""
    return f"{digits(count)} {singular if count == 1 else plural}"


def text_report(f: Figures) -> str:
    last_day = (f.end - timedelta(days=1)).date()
    top = ", ".join(f"{intent} {count}" for intent, count in f.top_intents) or "geen"
    lines = [
        f"Periode: {f.start.date().isoformat()} t/m {last_day.isoformat()}",
        f"Gesprekken: {f.conversations}   berichten: {f.messages}",
        f"Zelf opgelost: {f.contained} ({_percent(f.containment)})",
        f"Niet begrepen: {f.fallback_messages} ({_percent(f.fallback_rate)})   "
        f"buiten het onderwerp: {f.out_of_scope_messages} ({_percent(f.out_of_scope_rate)})",
        f"Medewerker gevraagd: tijdens openingstijden {f.handoffs_live}, buiten openingstijden "
        f"{f.handoffs_offline} ({amount(f.offline_questions, 'vraag', 'vragen')} achtergelaten)",
        "Zaken: " + ", ".join(f"{kind} {count}" for kind, count in f.cases),
        f"Wachttijd: gemiddeld {_duration(f.wait.average)}, 90% binnen {_duration(f.wait.p90)} "
        f"({amount(f.wait.count, 'gesprek', 'gesprekken')}); afgehaakt voordat een medewerker het "
        f"oppakte: {f.abandoned}",
        f"Behandeltijd: gemiddeld {_duration(f.handling.average)}, 90% binnen "
        f"{_duration(f.handling.p90)} ({amount(f.handling.count, 'gesprek', 'gesprekken')})",
        f"Meest gevraagd: {top}",
    ]
    return "\n".join(lines)


def write_csv(rows: Iterable[tuple[str, str, Any]], stream: Any) -> None:
    writer = csv.writer(stream)
    writer.writerow(("sleutel", "omschrijving", "waarde"))
    writer.writerows((key, label, "" if value is None else value) for key, label, value in rows)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is geen datum als 2026-11-30") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.insight", description="Cijfers van de assistent")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="de cijfers van een periode (beide dagen tellen mee)")
    report.add_argument("--from", dest="first", type=_date, help="eerste dag (standaard: 6 dagen voor --to)")
    report.add_argument("--to", dest="last", type=_date, help="laatste dag (standaard: vandaag)")
    report.add_argument("--csv", metavar="FILE", help="schrijf de cijfers als CSV ('-' = stdout)")
    report.add_argument("--json", action="store_true", help="druk de cijfers af als JSON")
    args = parser.parse_args(argv)
    settings = load_settings()
    today = clock.now().date()  # KLANTENSERVICE_NOW pins it for demos
    first, last = default_days(args.last or today)
    first = args.first or first
    if last < first:
        parser.error(
            f"--to {last.isoformat()} ligt voor --from {first.isoformat()}; "
            "kies een laatste dag op of na de eerste"
        )
    try:
        store = create_engine()
        insight = Insight(tracker_url(), store)
        try:
            result = insight.figures(*period_of_days(first, last, settings.tz), settings)
        finally:
            insight.close()
            store.dispose()
    except sa.exc.SQLAlchemyError as error:
        print(
            f"De cijfers konden niet worden gelezen: {getattr(error, 'orig', None) or error}", file=sys.stderr
        )
        return 1
    if args.csv == "-":
        write_csv(result.to_rows(), sys.stdout)
    elif args.csv:
        try:
            with open(args.csv, "w", newline="", encoding="utf-8") as stream:
                write_csv(result.to_rows(), stream)
        except OSError as error:
            print(f"Het CSV-bestand kon niet worden geschreven: {error}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif args.csv != "-":
        print(text_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

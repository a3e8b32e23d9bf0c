"""Generated traffic with known figures, for the tests and the benchmark of bot/insight.py.

A conversation is described first (its customer messages, its requests for a person with their queue
entries, its case); it is then
written into Rasa's own `events` table (the schema comes from Rasa's SQLTrackerStore, the rows look
like the ones Rasa writes) and into the assistant's queue and case tables. `expected()` computes the
true figures from the descriptions in plain Python, without SQL, to compare against.
"""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.cases import CaseRecord
from bot.handoff import CLOSED, LIVE, OFFLINE, WAITING, WITH_AGENT, EntryRecord
from bot.hours import Calendar
from bot.insight import (
    CASE_TYPES,
    FALLBACK_INTENT,
    HANDOFF_ACTION,
    OUT_OF_SCOPE_INTENT,
    TOP_INTENTS,
    Figures,
    spread,
    staffed_grid,
)
from bot.settings import OpeningHours, Settings, load_settings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Monday 2 November 2026 up to and including Sunday 8 November (CET, UTC+1).
START = datetime(2026, 11, 2, tzinfo=AMSTERDAM)
END = datetime(2026, 11, 9, tzinfo=AMSTERDAM)
INTENTS = (
    "factuur_vraag",
    "betaling_status",
    "terugbetaling",
    "retour",
    "klacht",
    "openingstijden",
    "telefoonnummer",
    "medewerker_spreken",
    "begroeten",
    "bedanken",
    "afscheid",
    "wat_is_klarna",
    OUT_OF_SCOPE_INTENT,
    FALLBACK_INTENT,
)
INTENT_WEIGHTS = (14, 10, 7, 9, 5, 8, 4, 6, 12, 6, 5, 3, 4, 7)


@dataclass(frozen=True)
class Turn:
    at: datetime
    intent: str | None
    text: str = "een vraag"


@dataclass(frozen=True)
class Handoff:
    """A request for a person (`action_medewerker` ran) and what became of it. `mode` is what the
    assistant decided at that moment; `queued_at` None: nothing was queued (offline, the customer left
    without typing a question). Live, the entry is queued the moment the request is made."""

    mode: str
    queued_at: datetime | None
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    requested_at: datetime | None = None  # when it differs from queued_at

    @property
    def asked_at(self) -> datetime:
        moment = self.requested_at or self.queued_at
        assert moment is not None, "a handoff needs a moment"
        return moment


@dataclass(frozen=True)
class Conversation:
    sender: str
    turns: tuple[Turn, ...]
    handoffs: tuple[Handoff, ...] = ()
    cases: tuple[tuple[str, datetime], ...] = ()  # (case type, filed at)


# --- writing ----------------------------------------------------------------------------------------


def create_tracker_schema(engine: sa.engine.Engine) -> None:
    """Exactly the table Rasa's SQLTrackerStore creates (imported here, never in bot/)."""
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore.SQLEvent.__table__.create(engine, checkfirst=True)


def _event(kind: str, at: float, **data: object) -> dict:
    metadata = {"model_id": "bench", "assistant_id": "klantenservice-nl"}
    return {"event": kind, "timestamp": at, "metadata": metadata, **data}


def _user(turn: Turn) -> dict:
    ranking = [{"name": turn.intent, "confidence": 0.91}, {"name": "out_of_scope", "confidence": 0.05}]
    parse = {
        "intent": {"name": turn.intent, "confidence": 0.91} if turn.intent else {},
        "entities": [],
        "text": turn.text,
        "message_id": uuid.uuid4().hex,
        "metadata": {},
        "intent_ranking": ranking if turn.intent else [],
    }
    return _event("user", turn.at.timestamp(), text=turn.text, parse_data=parse, input_channel="socketio")


def _answer(turn: Turn) -> Iterator[dict]:
    at = turn.at.timestamp()
    yield _user(turn)
    if turn.intent != "medewerker_spreken":  # a request is answered by action_medewerker
        yield _event(
            "action", at + 0.1, name=f"utter_{turn.intent or 'default'}", policy="RulePolicy", confidence=1.0
        )
        yield _event("bot", at + 0.1, text="Een antwoord van de assistent.", data={})
        yield _event("action", at + 0.2, name="action_listen", policy="RulePolicy", confidence=1.0)


def _request(handoff: Handoff) -> Iterator[dict]:
    """action_medewerker and what follows it in Rasa's tracker: its answer, the mode, the form."""
    at = handoff.asked_at.timestamp()
    yield _event("action", at, name=HANDOFF_ACTION, policy="RulePolicy", confidence=1.0)
    yield _event("bot", at, text="Ik zoek een medewerker voor je.", data={})
    yield _event("slot", at, name="handoff_modus", value=handoff.mode)
    yield _event("action", at + 0.05, name="handoff_form", policy="RulePolicy", confidence=1.0)
    yield _event("action", at + 0.1, name="action_listen", policy="RulePolicy", confidence=1.0)


def tracker_events(conversation: Conversation) -> Iterator[dict]:
    """The events of a conversation in Rasa's shape, in time order: a session start, then per message
    the message, the assistant's action and answer, and listening again; per request for a person
    the handoff action and its form."""
    start = min([conversation.turns[0].at] + [h.asked_at for h in conversation.handoffs]).timestamp() - 0.5
    yield _event("session_started", start)
    yield _event("action", start, name="action_listen", policy=None, confidence=None)
    parts = [(turn.at.timestamp(), list(_answer(turn))) for turn in conversation.turns]
    parts += [(handoff.asked_at.timestamp(), list(_request(handoff))) for handoff in conversation.handoffs]
    for _, events in sorted(parts, key=lambda part: part[0]):
        yield from events


def tracker_rows(conversations: Iterable[Conversation]) -> Iterator[dict]:
    """Rows as Rasa's SQLTrackerStore.save writes them, conversation after conversation."""
    for conversation in conversations:
        for data in tracker_events(conversation):
            yield {
                "sender_id": conversation.sender,
                "type_name": data["event"],
                "timestamp": data["timestamp"],
                "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            }


def _batches(rows: Iterable[dict], size: int = 5000) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_tracker(engine: sa.engine.Engine, conversations: Iterable[Conversation]) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    table = SQLTrackerStore.SQLEvent.__table__
    with engine.begin() as connection:
        for batch in _batches(tracker_rows(conversations)):
            connection.execute(table.insert(), batch)


def _status(handoff: Handoff) -> str:
    return CLOSED if handoff.closed_at else WITH_AGENT if handoff.claimed_at else WAITING


def store_rows(conversations: Iterable[Conversation]) -> tuple[list[dict], list[dict]]:
    entries, cases = [], []
    for conversation in conversations:
        for handoff in conversation.handoffs:
            if handoff.queued_at is None:
                continue
            entries.append(
                {
                    "reference": f"MW-{uuid.uuid4().hex[:12]}",
                    "conversation_id": conversation.sender,
                    "channel": "socketio",
                    "mode": handoff.mode,
                    "reason": "medewerker_spreken",
                    "details": {},
                    "status": _status(handoff),
                    "agent": "anna" if handoff.claimed_at else None,
                    "queued_at": handoff.queued_at,
                    "claimed_at": handoff.claimed_at,
                    "closed_at": handoff.closed_at,
                }
            )
        for kind, filed in conversation.cases:
            cases.append(
                {
                    "reference": f"C-{uuid.uuid4().hex[:12]}",
                    "case_type": kind,
                    "fields": {},
                    "conversation_id": conversation.sender,
                    "status": "open",
                    "created_at": filed,
                }
            )
    return entries, cases


def write_store(engine: sa.engine.Engine, conversations: Iterable[Conversation]) -> None:
    """Queue entries and cases as the assistant stores them (UTC moments)."""
    entries, cases = store_rows(conversations)
    with engine.begin() as connection:
        for table, rows in ((EntryRecord.__table__, entries), (CaseRecord.__table__, cases)):
            for batch in _batches(rows):
                connection.execute(table.insert(), [_utc_values(row) for row in batch])


def _utc_values(row: dict) -> dict:
    return {
        key: value.astimezone(timezone.utc) if isinstance(value, datetime) else value
        for key, value in row.items()
    }


# --- the truth ---------------------------------------------------------------------------------------


def _inside(moment: datetime, start: datetime, end: datetime) -> bool:
    return start <= moment < end


def _seconds(earlier: datetime, later: datetime) -> float:
    """Elapsed time (in UTC: moments in one zone would subtract as wall-clock times)."""
    return (later.astimezone(timezone.utc) - earlier.astimezone(timezone.utc)).total_seconds()


def expected(
    conversations: list[Conversation],
    start: datetime,
    end: datetime,
    settings: Settings,
    top: int = TOP_INTENTS,
) -> Figures:
    """The figures by their definitions (bot/insight.py's docstring), counted one by one. Whether a
    request came in staffed hours is the mode its description gives (what the assistant decided)."""
    intents: Counter = Counter()
    talking, understood_at_end, escalated = set(), set(), set()
    requests: Counter = Counter()
    queued: Counter = Counter()
    cases: Counter = Counter(dict.fromkeys(CASE_TYPES, 0))
    waits, handlings, abandoned = [], [], 0
    demand = [[0] * 24 for _ in range(7)]
    for conversation in conversations:
        turns = [turn for turn in conversation.turns if _inside(turn.at, start, end)]
        intents.update(turn.intent for turn in turns)
        if turns:
            talking.add(conversation.sender)
            if turns[-1].intent != FALLBACK_INTENT:
                understood_at_end.add(conversation.sender)
        for handoff in conversation.handoffs:
            if _inside(handoff.asked_at, start, end):
                escalated.add(conversation.sender)
                requests[handoff.mode] += 1
                local = handoff.asked_at.astimezone(settings.tz)
                demand[local.weekday()][local.hour] += 1
            if handoff.queued_at is None or not _inside(handoff.queued_at, start, end):
                continue
            escalated.add(conversation.sender)
            queued[handoff.mode] += 1
            if handoff.mode == LIVE and handoff.claimed_at:
                waits.append(_seconds(handoff.queued_at, handoff.claimed_at))
                if handoff.closed_at:
                    handlings.append(_seconds(handoff.claimed_at, handoff.closed_at))
            elif handoff.mode == LIVE and handoff.closed_at:
                abandoned += 1
        for kind, filed in conversation.cases:
            if _inside(filed, start, end):
                escalated.add(conversation.sender)
                cases[kind] += 1
    named = sorted(((name, count) for name, count in intents.items() if name), key=lambda i: (-i[1], i[0]))
    return Figures(
        start=start,
        end=end,
        conversations=len(talking),
        messages=sum(intents.values()),
        contained=len(understood_at_end - escalated),
        fallback_messages=intents[FALLBACK_INTENT],
        out_of_scope_messages=intents[OUT_OF_SCOPE_INTENT],
        handoffs_live=requests[LIVE],
        handoffs_offline=requests[OFFLINE],
        offline_questions=queued[OFFLINE],
        abandoned=abandoned,
        cases=tuple(sorted(cases.items())),
        top_intents=tuple(named[:top]),
        wait=spread(waits),
        handling=spread(handlings),
        demand=tuple(tuple(day) for day in demand),
        staffed_minutes=staffed_grid(settings.weekly_hours),
    )


# --- random traffic ----------------------------------------------------------------------------------


@dataclass
class Traffic:
    """Random but repeatable conversations spread over [start, end), with a margin before and after
    so that the period's edges are crossed. A request for a person is live or offline as the
    calendar of `settings` says, as the assistant decides."""

    start: datetime
    end: datetime
    seed: int = 7
    margin: timedelta = timedelta(days=1)
    settings: Settings | None = None
    rng: random.Random = field(init=False)
    calendar: Calendar = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.calendar = Calendar(self.settings or load_settings())

    def _moment(self) -> datetime:
        span = (self.end - self.start) + 2 * self.margin
        return self.start - self.margin + timedelta(seconds=self.rng.uniform(0, span.total_seconds()))

    def _turns(self, begin: datetime) -> tuple[Turn, ...]:
        count = self.rng.choices((1, 2, 3), weights=(70, 25, 5))[0]
        moments = [begin + timedelta(seconds=40 * n + self.rng.uniform(0, 30)) for n in range(count)]
        intents = self.rng.choices(INTENTS, weights=INTENT_WEIGHTS, k=count)
        if self.rng.random() < 0.02:
            intents[-1] = None  # a message Rasa stored without an intent
        return tuple(Turn(moment, intent) for moment, intent in zip(moments, intents, strict=True))

    def _handoffs(self, at: datetime) -> tuple[Handoff, ...]:
        """Outside staffed hours a third leave without typing their question (nothing is queued);
        live, some wait until an agent takes them, some give up first, some are still waiting."""
        if not self.calendar.is_staffed(at):
            if self.rng.random() < 0.35:
                return (Handoff(OFFLINE, None, requested_at=at),)
            return (Handoff(OFFLINE, at + timedelta(seconds=self.rng.randint(20, 600)), requested_at=at),)
        outcome = self.rng.random()
        if outcome < 0.08:  # gave up before anyone took it
            return (Handoff(LIVE, at, None, at + timedelta(seconds=self.rng.randint(30, 900))),)
        if outcome < 0.12:  # still waiting
            return (Handoff(LIVE, at),)
        claimed = at + timedelta(seconds=self.rng.randint(5, 900))
        closed = claimed + timedelta(seconds=self.rng.randint(60, 1500)) if self.rng.random() < 0.9 else None
        return (Handoff(LIVE, at, claimed, closed),)

    def _cases(self, at: datetime) -> tuple[tuple[str, datetime], ...]:
        if self.rng.random() >= 0.06:
            return ()
        return ((self.rng.choice(CASE_TYPES), at + timedelta(seconds=30)),)

    def conversation(self) -> Conversation:
        turns = self._turns(self._moment())
        last = turns[-1].at + timedelta(seconds=5)
        handoffs: tuple[Handoff, ...] = ()
        if self.rng.random() < 0.2:  # the last message asks for a person
            turns = (*turns[:-1], Turn(turns[-1].at, "medewerker_spreken"))
            handoffs = self._handoffs(turns[-1].at + timedelta(seconds=0.3))
        return Conversation(uuid.UUID(int=self.rng.getrandbits(128)).hex, turns, handoffs, self._cases(last))

    def conversations(self, count: int) -> list[Conversation]:
        return [self.conversation() for _ in range(count)]


# --- a week written by hand (its figures are counted by hand in tests/integration/test_insight.py) ------


def local(day: int, clock: str, second: int = 0) -> datetime:
    """A moment in November 2026, Amsterdam time."""
    hour, minute = map(int, clock.split(":"))
    return datetime(2026, 11, day, hour, minute, second, tzinfo=AMSTERDAM)


def talk(
    sender: str,
    *turns: tuple[datetime, str | None],
    handoffs: tuple[Handoff, ...] = (),
    cases: tuple[tuple[str, datetime], ...] = (),
) -> Conversation:
    return Conversation(sender, tuple(Turn(at, intent) for at, intent in turns), handoffs, cases)


WEEK = [
    talk("a", (local(2, "10:00"), "begroeten"), (local(2, "10:01"), "factuur_vraag")),
    talk("b", (local(2, "11:00"), "nlu_fallback"), (local(2, "11:01"), "factuur_vraag")),
    talk("c", (local(3, "12:00"), "factuur_vraag"), (local(3, "12:01"), "nlu_fallback")),
    talk(
        "d",
        (local(3, "14:00"), "medewerker_spreken"),
        handoffs=(Handoff(LIVE, local(3, "14:00", 10), local(3, "14:02", 10), local(3, "14:12", 10)),),
    ),
    talk("e", (local(4, "20:00"), "medewerker_spreken"), handoffs=(Handoff(OFFLINE, local(4, "20:00", 30)),)),
    talk("f", (local(5, "09:00"), "retour"), cases=(("retour", local(5, "09:05")),)),
    talk("g", (local(6, "16:00"), "out_of_scope")),
    talk("h", (local(1, "23:30"), "begroeten"), (START, "factuur_vraag")),  # the start counts
    talk("i", (local(8, "23:59"), "nlu_fallback"), (END, "factuur_vraag")),  # the end does not
    talk(
        "j", (local(1, "12:00"), "begroeten"), handoffs=(Handoff(LIVE, local(1, "12:01"), local(1, "12:02")),)
    ),
    talk(
        "k",
        (local(7, "10:00"), "klacht"),
        cases=(("klacht", local(7, "10:02")),),
        handoffs=(Handoff(LIVE, local(7, "10:03"), local(7, "10:13")),),
    ),
    talk("l", (local(9, "10:00"), "retour"), cases=(("retour", local(9, "10:05")),)),
    # The customer gives up before anyone takes the conversation.
    talk(
        "m",
        (local(6, "16:59"), "medewerker_spreken"),
        handoffs=(Handoff(LIVE, local(6, "17:00"), None, local(6, "17:04")),),
    ),
    # Asked on Sunday night, before the period; the question typed after midnight is in it.
    talk(
        "n",
        (local(1, "23:50"), "medewerker_spreken"),
        handoffs=(Handoff(OFFLINE, local(2, "00:10"), requested_at=local(1, "23:50", 1)),),
    ),
    # Off-hours requests abandoned before a question was typed: no queue entry, still demand.
    talk(
        "o",
        (local(3, "21:00"), "medewerker_spreken"),
        (local(3, "21:02"), "bedanken"),
        handoffs=(Handoff(OFFLINE, None, requested_at=local(3, "21:00", 1)),),
    ),
    talk(
        "p",
        (local(7, "15:30"), "medewerker_spreken"),
        handoffs=(Handoff(OFFLINE, None, requested_at=local(7, "15:30", 1)),),
    ),
    # Asked twice in one evening, the second time leaving a question.
    talk(
        "q",
        (local(4, "22:00"), "medewerker_spreken"),
        (local(4, "22:03"), "medewerker_spreken"),
        handoffs=(
            Handoff(OFFLINE, None, requested_at=local(4, "22:00", 1)),
            Handoff(OFFLINE, local(4, "22:05"), requested_at=local(4, "22:03", 1)),
        ),
    ),
]


# The calendar the insight tests count against: a shorter Friday makes the staffed minutes uneven.
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

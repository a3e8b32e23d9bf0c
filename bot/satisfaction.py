"""Customer satisfaction (CSAT): the question after a conversation, the customer's rating and the
figures the team lead sees.

One row per question asked (`csat_ratings`): the conversation, the queue entry when an agent had the
chat (None: the assistant handled it alone), the agent, the topic, the score 1-5 (None while open or
when skipped), an optional comment, and when it was asked and answered (`answered_at` with no score:
skipped). Nothing is asked twice:
- after an agent hands back, once per queue entry (a unique entry id: a second close, a repeated
  end action or two servers at once insert nothing);
- when the assistant handled the conversation alone, at most once per conversation session (no
  bot-only question asked since the session started).
A rating or a skip answers the latest open question of the conversation, once: a second click on an
old button changes nothing. A comment belongs to the rating just given, only within COMMENT_WINDOW.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.database import Base, create_engine, from_stored, utc
from bot.delivery import ANSWER, MessageRecord
from bot.handoff import LIVE, EntryRecord

SCORES = range(1, 6)
SATISFIED = 4  # a score of 4 or 5 counts as satisfied
MAX_COMMENT_LENGTH = 1000
MAX_TOPIC_LENGTH = 60
COMMENT_WINDOW = timedelta(minutes=30)
BOT_ONLY, WITH_AGENT = "assistent", "medewerker"
RATING_INTENT = "csat_beoordelen"  # a click on a score button
# Intents that are no topic of a conversation: a conversation's topic is its first other intent.
NOT_A_TOPIC = frozenset(
    {
        "begroeten",
        "afscheid",
        "bedanken",
        "bevestigen",
        "ontkennen",
        "annuleren",
        "overslaan",
        "nummer_doorgeven",
        "vervolgvraag",
        RATING_INTENT,
        "nlu_fallback",
    }
)


class RatingRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "csat_ratings"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    entry_id = sa.Column(sa.Integer, unique=True)  # the queue entry; None: the assistant alone
    agent = sa.Column(sa.String(80))
    topic = sa.Column(sa.String(MAX_TOPIC_LENGTH))
    score = sa.Column(sa.SmallInteger)  # 1-5; None while open or when skipped
    comment = sa.Column(sa.Text)
    asked_at = sa.Column(sa.DateTime(timezone=True), nullable=False, index=True)
    answered_at = sa.Column(sa.DateTime(timezone=True))


@dataclass(frozen=True)
class Rating:
    id: int
    conversation_id: str
    entry_id: int | None
    agent: str | None
    topic: str | None
    score: int | None
    comment: str | None
    asked_at: datetime
    answered_at: datetime | None

    @property
    def kind(self) -> str:
        return BOT_ONLY if self.entry_id is None else WITH_AGENT

    @property
    def skipped(self) -> bool:
        return self.answered_at is not None and self.score is None


def _as_rating(record: RatingRecord) -> Rating:
    return Rating(
        record.id,
        record.conversation_id,
        record.entry_id,
        record.agent,
        record.topic,
        record.score,
        record.comment,
        from_stored(record.asked_at),
        from_stored(record.answered_at),
    )


def parse_score(value: object) -> int | None:
    """A score 1-5 from a button payload or a typed number ("4", 4, "4.0"); None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() and int(number) in SCORES else None


def clean_comment(text: str) -> str:
    """A comment as kept: trimmed, at most MAX_COMMENT_LENGTH characters."""
    return text.strip()[:MAX_COMMENT_LENGTH]


class SatisfactionStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    # --- asking -----------------------------------------------------------------------------------

    def ask_after_agent(
        self,
        entry_id: int,
        conversation_id: str,
        agent: str | None,
        topic: str | None,
        now: datetime | None = None,
    ) -> bool:
        """Records the question after an agent handed back; False when it was asked for this entry."""
        record = RatingRecord(
            conversation_id=conversation_id,
            entry_id=entry_id,
            agent=agent,
            topic=(topic or None) and topic[:MAX_TOPIC_LENGTH],
            asked_at=utc(now),
        )
        try:
            with sa.orm.Session(self.engine) as session, session.begin():
                session.add(record)
        except sa.exc.IntegrityError:
            return False
        return True

    def ask_bot_only(
        self,
        conversation_id: str,
        topic: str | None,
        session_started: datetime | None,
        now: datetime | None = None,
    ) -> bool:
        """Records the question at the end of a conversation the assistant handled alone; False when
        one was asked in this session (since `session_started`; None: the conversation's start)."""
        with sa.orm.Session(self.engine) as session, session.begin():
            query = sa.select(RatingRecord.id).where(
                RatingRecord.conversation_id == conversation_id, RatingRecord.entry_id.is_(None)
            )
            if session_started is not None:
                query = query.where(RatingRecord.asked_at >= utc(session_started))
            if session.execute(query.limit(1)).first() is not None:
                return False
            session.add(
                RatingRecord(
                    conversation_id=conversation_id,
                    topic=(topic or None) and topic[:MAX_TOPIC_LENGTH],
                    asked_at=utc(now),
                )
            )
        return True

    # --- answers ----------------------------------------------------------------------------------

    def rate(self, conversation_id: str, score: int, now: datetime | None = None) -> Rating | None:
        """The customer's score answers the conversation's latest open question; None when none is
        open (rated or skipped before, or never asked)."""
        if score not in SCORES:
            raise ValueError(f"a score is 1 to 5, not {score!r}")
        return self._answer(conversation_id, score, now)

    def skip(self, conversation_id: str, now: datetime | None = None) -> Rating | None:
        """The customer skipped the open question; None when none is open."""
        return self._answer(conversation_id, None, now)

    def _answer(self, conversation_id: str, score: int | None, now: datetime | None) -> Rating | None:
        with sa.orm.Session(self.engine) as session, session.begin():
            record = session.scalars(
                sa.select(RatingRecord)
                .where(RatingRecord.conversation_id == conversation_id, RatingRecord.answered_at.is_(None))
                .order_by(RatingRecord.id.desc())
                .limit(1)
                .with_for_update()
            ).first()
            if record is None:
                return None
            record.score, record.answered_at = score, utc(now)
            session.flush()
            return _as_rating(record)

    def add_comment(self, conversation_id: str, text: str, now: datetime | None = None) -> Rating | None:
        """Keeps the comment with the rating just given (within COMMENT_WINDOW, one comment per
        rating); None when there is no such rating or the comment is empty."""
        comment, moment = clean_comment(text), utc(now)
        if not comment:
            return None
        with sa.orm.Session(self.engine) as session, session.begin():
            record = session.scalars(
                sa.select(RatingRecord)
                .where(
                    RatingRecord.conversation_id == conversation_id,
                    RatingRecord.score.is_not(None),
                    RatingRecord.comment.is_(None),
                    RatingRecord.answered_at >= moment - COMMENT_WINDOW,
                )
                .order_by(RatingRecord.id.desc())
                .limit(1)
                .with_for_update()
            ).first()
            if record is None:
                return None
            record.comment = comment
            session.flush()
            return _as_rating(record)

    # --- reading ----------------------------------------------------------------------------------

    def for_conversation(self, conversation_id: str) -> list[Rating]:
        with sa.orm.Session(self.engine) as session:
            query = (
                sa.select(RatingRecord).filter_by(conversation_id=conversation_id).order_by(RatingRecord.id)
            )
            return [_as_rating(record) for record in session.scalars(query)]

    def asked_between(self, start: datetime, end: datetime) -> list[Rating]:
        with sa.orm.Session(self.engine) as session:
            query = (
                sa.select(RatingRecord)
                .where(RatingRecord.asked_at >= utc(start), RatingRecord.asked_at < utc(end))
                .order_by(RatingRecord.id)
            )
            return [_as_rating(record) for record in session.scalars(query)]

    def agent_spans(self, start: datetime, end: datetime) -> list[AgentSpan]:
        """The live chats claimed in [start, end): who, when claimed, their first answer, closed."""
        first_answer = (
            sa.select(sa.func.min(MessageRecord.created_at))
            .where(
                MessageRecord.entry_id == EntryRecord.id,
                MessageRecord.kind == ANSWER,
                MessageRecord.author == EntryRecord.agent,
            )
            .scalar_subquery()
        )
        query = sa.select(
            EntryRecord.agent, EntryRecord.claimed_at, first_answer, EntryRecord.closed_at
        ).where(
            EntryRecord.mode == LIVE,
            EntryRecord.agent.is_not(None),
            EntryRecord.claimed_at >= utc(start),
            EntryRecord.claimed_at < utc(end),
        )
        with self.engine.connect() as connection:
            return [
                AgentSpan(agent, from_stored(claimed), from_stored(first), from_stored(closed))
                for agent, claimed, first, closed in connection.execute(query)
            ]


# --- the figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsatFigures:
    """The questions of one kind (bot-only or with an agent) in a period."""

    asked: int
    rated: int
    skipped: int
    average: float | None
    satisfied: float | None  # share of ratings of 4 or 5

    @property
    def response_rate(self) -> float | None:
        return self.rated / self.asked if self.asked else None


def csat_figures(ratings: Iterable[Rating]) -> CsatFigures:
    chosen = list(ratings)
    scores = [rating.score for rating in chosen if rating.score is not None]
    return CsatFigures(
        asked=len(chosen),
        rated=len(scores),
        skipped=sum(1 for rating in chosen if rating.skipped),
        average=statistics.fmean(scores) if scores else None,
        satisfied=sum(1 for score in scores if score >= SATISFIED) / len(scores) if scores else None,
    )


def csat_by_kind(ratings: Iterable[Rating]) -> dict[str, CsatFigures]:
    """Bot-only and agent conversations side by side (both always present)."""
    chosen = list(ratings)
    return {kind: csat_figures(r for r in chosen if r.kind == kind) for kind in (BOT_ONLY, WITH_AGENT)}


@dataclass(frozen=True)
class AgentSpan:
    """One live chat an agent took: claimed, their first answer (None: none) and closed (None: open)."""

    agent: str
    claimed_at: datetime
    first_answer_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class AgentFigures:
    agent: str
    chats: int
    csat: CsatFigures
    first_response: float | None  # median seconds from claim to the first answer
    handling: float | None  # median seconds from claim to close


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def agent_figures(ratings: Iterable[Rating], spans: Iterable[AgentSpan]) -> list[AgentFigures]:
    """Per agent (by username, sorted): their chats, the CSAT of the questions asked after them, and
    the median first-response and handling times."""
    by_agent: dict[str, list[AgentSpan]] = {}
    for span in spans:
        by_agent.setdefault(span.agent, []).append(span)
    rated: dict[str, list[Rating]] = {}
    for rating in ratings:
        if rating.kind == WITH_AGENT and rating.agent:
            rated.setdefault(rating.agent, []).append(rating)
    rows = []
    for agent in sorted(set(by_agent) | set(rated)):
        own = by_agent.get(agent, [])
        first = [(s.first_answer_at - s.claimed_at).total_seconds() for s in own if s.first_answer_at]
        handled = [(s.closed_at - s.claimed_at).total_seconds() for s in own if s.closed_at]
        rows.append(
            AgentFigures(
                agent, len(own), csat_figures(rated.get(agent, [])), _median(first), _median(handled)
            )
        )
    return rows


RECENT_COMMENTS = 20


@dataclass(frozen=True)
class SatisfactionFigures:
    """A period's satisfaction for the dashboard: bot-only and agent CSAT side by side, per agent,
    and the latest comments (customers' text: shown escaped)."""

    by_kind: dict[str, CsatFigures]
    agents: list[AgentFigures]
    comments: list[Rating]


def period_figures(store: SatisfactionStore, start: datetime, end: datetime) -> SatisfactionFigures:
    ratings = store.asked_between(start, end)
    comments = sorted(
        (r for r in ratings if r.comment), key=lambda r: r.answered_at or r.asked_at, reverse=True
    )
    return SatisfactionFigures(
        csat_by_kind(ratings),
        agent_figures(ratings, store.agent_spans(start, end)),
        comments[:RECENT_COMMENTS],
    )

"""The retention purge: what customers left is deleted once it has had no activity for the periods
of klantenservice.yml (`retention`, `cases.retention_days`).

- Rasa's tracker store (`events`): a conversation whose latest event is older than
  `retention.conversations_days` goes entirely; of a conversation still in use, the events older
  than that which lie before its latest session start (earlier sessions, which Rasa no longer reads).
- The review inbox's decisions on messages older than `retention.conversations_days`.
- Satisfaction ratings (and their comments) last asked or answered before `retention.conversations_days`.
- Queue entries whose last activity (queued, claimed, answered, closed, customer seen, an agent's
  message written or delivered) is older than `retention.queue_days`, with their messages; chat
  windows' leases that expired before then.
- Cases, open or closed, whose last activity (filed, closed) is older than `cases.retention_days`.

Each table is one DELETE in its own transaction (a queue entry with its messages in one), and each
deletes only what is past its period at the moment given: a purge that is interrupted leaves whole
rows, and running it again deletes the rest. Logged as counts only.

`python -m bot.retention purge` runs it once (the deployment's CronJob); the web app runs it on a
schedule (webapp/retention.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from bot.cases import purge_inactive as purge_cases
from bot.database import create_engine, utc
from bot.deleted_rows import DeletedRows
from bot.delivery import MessageRecord, WindowRecord
from bot.handoff import EntryRecord
from bot.notes import NoteRecord
from bot.review import ReviewDecision
from bot.satisfaction import RatingRecord
from bot.settings import Settings, load_settings
from bot.tracker_events import EVENTS, has_events, tracker_engine

logger = logging.getLogger(__name__)

SESSION_STARTED = "session_started"


@dataclass(frozen=True)
class Periods:
    """How long each kind of data is kept after its last activity."""

    conversations: timedelta
    queue: timedelta
    cases: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Periods:
        return cls(
            conversations=timedelta(days=settings.retention.conversations_days),
            queue=timedelta(days=settings.retention.queue_days),
            cases=timedelta(days=settings.cases.retention_days),
        )

    def __post_init__(self) -> None:
        for name, period in asdict(self).items():
            if period < timedelta(days=1):
                raise ValueError(f"the {name} period must be at least 1 day, not {period}")


@dataclass(frozen=True)
class Purged(DeletedRows):
    """How many rows each step deleted, and the steps whose database failed: run the purge again."""

    failed: tuple[str, ...] = ()

    def __str__(self) -> str:
        return super().__str__() + (f" (failed: {', '.join(self.failed)})" if self.failed else "")


def purge_events(tracker: sa.engine.Engine, before: datetime) -> int:
    """Deletes the tracker store's events past the period (module docstring); 0 without a store."""
    if not has_events(tracker):
        return 0
    cutoff = before.timestamp()
    other = EVENTS.alias("other")
    latest_event = (
        sa.select(sa.func.max(other.c.timestamp))
        .where(other.c.sender_id == EVENTS.c.sender_id)
        .scalar_subquery()
    )
    latest_start = (
        sa.select(sa.func.max(other.c.timestamp))
        .where(other.c.sender_id == EVENTS.c.sender_id, other.c.type_name == SESSION_STARTED)
        .scalar_subquery()
    )
    statement = sa.delete(EVENTS).where(
        EVENTS.c.timestamp < cutoff,
        sa.or_(latest_event < cutoff, EVENTS.c.timestamp < latest_start),
    )
    with tracker.begin() as connection:
        deleted: int = connection.execute(statement).rowcount
    return deleted


def purge_review_decisions(engine: sa.engine.Engine, before: datetime) -> int:
    with engine.begin() as connection:
        statement = sa.delete(ReviewDecision.__table__).where(ReviewDecision.message_time < before)
        deleted: int = connection.execute(statement).rowcount
    return deleted


def purge_ratings(engine: sa.engine.Engine, before: datetime) -> int:
    """Deletes the satisfaction ratings last asked or answered before `before`."""
    last = sa.func.coalesce(RatingRecord.answered_at, RatingRecord.asked_at)
    with engine.begin() as connection:
        deleted: int = connection.execute(
            sa.delete(RatingRecord.__table__).where(RatingRecord.asked_at < before, last < before)
        ).rowcount
    return deleted


def _entry_activity() -> list[sa.sql.ColumnElement]:
    """Every moment of an entry's life; a missing one counts as its queueing."""
    entry = EntryRecord
    moments = (entry.claimed_at, entry.answered_at, entry.closed_at, entry.customer_seen_at)
    return [entry.queued_at, *(sa.func.coalesce(moment, entry.queued_at) for moment in moments)]


def purge_queue(engine: sa.engine.Engine, before: datetime) -> tuple[int, int, int]:
    """Deletes queue entries without activity since `before`, with their messages and agents'
    notes, in one transaction; returns (entries, messages, notes)."""
    message = MessageRecord.__table__.alias("message")
    recent_message = sa.exists().where(
        message.c.entry_id == EntryRecord.id,
        sa.or_(
            *(
                moment >= before
                for moment in (message.c.created_at, message.c.delivered_at, message.c.handed_out_at)
            )
        ),
    )
    stale = sa.select(EntryRecord.id).where(
        *(moment < before for moment in _entry_activity()), ~recent_message
    )
    with engine.begin() as connection:
        notes = connection.execute(
            sa.delete(NoteRecord.__table__).where(NoteRecord.entry_id.in_(stale))
        ).rowcount
        messages = connection.execute(
            sa.delete(MessageRecord.__table__).where(MessageRecord.entry_id.in_(stale))
        ).rowcount
        entries = connection.execute(
            sa.delete(EntryRecord.__table__).where(EntryRecord.id.in_(stale))
        ).rowcount
        return entries, messages, notes


def purge_chat_windows(engine: sa.engine.Engine, before: datetime) -> int:
    with engine.begin() as connection:
        deleted: int = connection.execute(
            sa.delete(WindowRecord.__table__).where(WindowRecord.expires_at < before)
        ).rowcount
    return deleted


def purge(
    engine: sa.engine.Engine, tracker: sa.engine.Engine, periods: Periods, now: datetime | None = None
) -> Purged:
    """Runs every step with one `now`, logs and returns the counts. A step whose database fails is
    logged (without the error's text) and named in `failed`; the others still run."""
    moment = utc(now)
    conversations, queue = moment - periods.conversations, moment - periods.queue
    steps: dict[str, Callable[[], int | tuple[int, int, int]]] = {
        "tracker_events": lambda: purge_events(tracker, conversations),
        "review_decisions": lambda: purge_review_decisions(engine, conversations),
        "queue_entries": lambda: purge_queue(engine, queue),
        "chat_windows": lambda: purge_chat_windows(engine, queue),
        "cases": lambda: purge_cases(engine, moment - periods.cases),
        "csat_ratings": lambda: purge_ratings(engine, conversations),
    }
    counts: dict[str, int] = {}
    failed: list[str] = []
    for name, step in steps.items():
        try:
            done = step()
        except SQLAlchemyError as error:
            logger.error(
                "Retention purge: deleting %s failed (%s)", name.replace("_", " "), type(error).__name__
            )
            failed.append(name)
            continue
        if isinstance(done, tuple):
            counts["queue_entries"], counts["agent_messages"], counts["agent_notes"] = done
        else:
            counts[name] = done
    purged = Purged(**counts, failed=tuple(failed))
    logger.info("Retention purge deleted %s", purged)
    return purged


def purge_stores(
    db_url: str | None = None, tracker_url: str | None = None, now: datetime | None = None
) -> Purged:
    """The purge on the configured databases (KLANTENSERVICE_DB_URL, TRACKER_STORE_URL) and periods."""
    engine, tracker = create_engine(db_url), tracker_engine(tracker_url)
    try:
        return purge(engine, tracker, Periods.from_settings(load_settings()), now)
    finally:
        engine.dispose()
        tracker.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.retention",
        description="Deletes what is past the retention periods of klantenservice.yml (counts only).",
    )
    parser.add_argument("command", choices=["purge"])
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    purged = purge_stores()
    print(f"Deleted {purged}")
    return 1 if purged.failed else 0


if __name__ == "__main__":
    sys.exit(main())

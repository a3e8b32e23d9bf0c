"""Earlier conversations for the agent console: search over the queue entries and cases that the
retention purge has kept (open and closed), and a returning customer's earlier conversations.

A search takes what a customer quotes, in any spelling: a queue reference ("mw 7qx4kd"), a case
reference ("ret jnn2nc"), an order or tracking number or other words from the details and case
fields, or a conversation id; and a day. A case reference also finds the conversations of its
conversation, and a queue reference the cases of its conversation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.cases import SEPARATORS, Case, CaseRecord, _as_case, parse_reference
from bot.database import create_engine, utc
from bot.handoff import REFERENCE_ALPHABET, REFERENCE_PREFIX, Entry, EntryRecord, _as_entry

MIN_WORDS_LENGTH = 3
MAX_SEARCH_LENGTH = 100
LIMIT = 100
_QUEUE_REFERENCE = re.compile(rf"{REFERENCE_PREFIX}([{REFERENCE_ALPHABET}]{{6}})")


class SearchError(ValueError):
    """A search that cannot be run; the message says why (shown to agents)."""


@dataclass(frozen=True)
class Found:
    entries: list[Entry]
    cases: list[Case]


def parse_queue_reference(text: str) -> str | None:
    """A queue reference in any spelling ("mw 7qx4kd"), as stored (MW-7QX4KD); None if it is none."""
    match = _QUEUE_REFERENCE.fullmatch(SEPARATORS.sub("", text.upper()))
    return f"{REFERENCE_PREFIX}-{match[1]}" if match else None


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The start of `day` and of the next day in the service's time zone (a DST day is 23 or 25 h)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    return utc(start), utc(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))


def _contains(column: sa.Column, words: str) -> sa.sql.ColumnElement:
    """A JSON column whose stored text holds `words` (case-insensitive). The words are encoded as the
    JSON text encodes them, and LIKE's wildcards in them are taken literally."""
    encoded = json.dumps(words.lower())[1:-1]
    escaped = encoded.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return sa.func.lower(sa.cast(column, sa.Text)).like(f"%{escaped}%", escape="!")


class History:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    def search(self, text: str, day: date | None, tz: ZoneInfo, limit: int = LIMIT) -> Found:
        """Entries (newest first) and cases that match `text` and were made on `day` (each optional;
        with neither, the latest entries)."""
        text = " ".join(text.split())[:MAX_SEARCH_LENGTH]
        entry_filters: list[sa.sql.ColumnElement] = []
        case_filters: list[sa.sql.ColumnElement] = []
        if day is not None:
            start, end = day_bounds(day, tz)
            entry_filters.append(sa.and_(EntryRecord.queued_at >= start, EntryRecord.queued_at < end))
            case_filters.append(sa.and_(CaseRecord.created_at >= start, CaseRecord.created_at < end))
        if text:
            entry_match, case_match = self._matches(text)
            entry_filters.append(entry_match)
            case_filters.append(case_match)
        entries = sa.select(EntryRecord).where(*entry_filters)
        entries = entries.order_by(EntryRecord.queued_at.desc(), EntryRecord.id.desc()).limit(limit)
        cases = sa.select(CaseRecord).where(*case_filters)
        cases = cases.order_by(CaseRecord.created_at.desc(), CaseRecord.id.desc()).limit(limit)
        with sa.orm.Session(self.engine) as session:
            found_entries = [_as_entry(record) for record in session.scalars(entries)]
            found_cases = [_as_case(record) for record in session.scalars(cases)] if text or day else []
        return Found(found_entries, found_cases)

    def _matches(self, text: str) -> tuple[sa.sql.ColumnElement, sa.sql.ColumnElement]:
        """What an entry and what a case must be to match `text`."""
        case_reference, queue_reference = parse_reference(text), parse_queue_reference(text)
        if case_reference is not None:
            case_match = CaseRecord.reference == case_reference
            conversations = sa.select(CaseRecord.conversation_id).where(case_match)
            entry_match = sa.or_(
                EntryRecord.conversation_id.in_(conversations), _contains(EntryRecord.details, case_reference)
            )
            return entry_match, case_match
        if queue_reference is not None:
            entry_match = EntryRecord.reference == queue_reference
            conversations = sa.select(EntryRecord.conversation_id).where(entry_match)
            return entry_match, CaseRecord.conversation_id.in_(conversations)
        if len(text) < MIN_WORDS_LENGTH:
            raise SearchError(f"Typ minstens {MIN_WORDS_LENGTH} tekens, een referentie of een bestelnummer.")
        case_match = sa.or_(_contains(CaseRecord.fields, text), CaseRecord.conversation_id == text)
        conversations = sa.select(CaseRecord.conversation_id).where(case_match)
        entry_match = sa.or_(
            _contains(EntryRecord.details, text),
            EntryRecord.conversation_id == text,
            EntryRecord.conversation_id.in_(conversations),
        )
        return entry_match, case_match

    def earlier(self, conversation_id: str, entry_id: int) -> list[Entry]:
        """The conversation's other queue entries before this one, newest first: a returning
        customer's earlier conversations with the team (their cases come with the conversation)."""
        query = (
            sa.select(EntryRecord)
            .where(EntryRecord.conversation_id == conversation_id, EntryRecord.id < entry_id)
            .order_by(EntryRecord.id.desc())
            .limit(LIMIT)
        )
        with sa.orm.Session(self.engine) as session:
            return [_as_entry(record) for record in session.scalars(query)]

"""A customer's rights of access and erasure (GDPR articles 15 and 17): everything stored about one
conversation, found by its conversation id or by a reference the customer quotes (a case's
`RET-`/`KL-`, a queued question's `MW-`), exported as JSON or erased everywhere.

Where a conversation is stored: Rasa's tracker store (`events`, by sender id) and the assistant's
database: queue entries (`handoff_queue`), the agents' messages (`handoff_messages`), chat windows'
leases (`chat_windows`), cases (`cases`), the review inbox's decisions (`review_decisions`) and
satisfaction ratings with their comments (`csat_ratings`).
Erasure deletes the tracker store's events first and then the rest in one transaction, so that an
interrupted erasure can be run again with the same reference, which still finds the conversation.
Logged as counts only.

Team leads use it in the console (webapp/data_rights.py) or with `python -m bot.data_rights`.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.agents import AgentStore
from bot.cases import CaseRecord, parse_reference
from bot.database import create_engine, from_stored, utc
from bot.deleted_rows import DeletedRows
from bot.delivery import MessageRecord, WindowRecord
from bot.handoff import REFERENCE_ALPHABET, REFERENCE_PREFIX, EntryRecord
from bot.notes import NoteRecord
from bot.review import ReviewDecision
from bot.satisfaction import RatingRecord
from bot.tracker_events import EVENTS, has_events, tracker_engine

logger = logging.getLogger(__name__)

MAX_CONVERSATION_ID = 255
QUEUE_REFERENCE = re.compile(rf"{REFERENCE_PREFIX}-[{REFERENCE_ALPHABET}]{{6}}")
# The assistant's tables with a conversation id, in the export's order and key.
TABLES: tuple[tuple[str, Any], ...] = (
    ("queue_entries", EntryRecord),
    ("agent_messages", MessageRecord),
    ("agent_notes", NoteRecord),
    ("chat_windows", WindowRecord),
    ("cases", CaseRecord),
    ("review_decisions", ReviewDecision),
    ("csat_ratings", RatingRecord),
)


class NotFound(LookupError):
    """A reference that names nothing stored; the message says so in Dutch (shown to team leads)."""


class Erased(DeletedRows):
    """How many rows the erasure deleted, per kind."""


def _json_value(value: Any) -> Any:
    return from_stored(value).isoformat() if isinstance(value, datetime) else value


def _row(row: Any) -> dict[str, Any]:
    return {name: _json_value(value) for name, value in row._mapping.items()}


class DataRights:
    """Export and erasure over the assistant's database and the tracker store."""

    def __init__(self, engine: sa.engine.Engine, tracker: sa.engine.Engine) -> None:
        self.engine = engine
        self.tracker = tracker

    def conversation_id(self, identifier: str) -> str:
        """The conversation a typed identifier names: a case or queue reference is looked up (NotFound
        when nothing has it), anything else is taken as a conversation id."""
        typed = identifier.strip()
        if not typed:
            raise NotFound("Vul een gespreks-id of een referentie in.")
        if len(typed) > MAX_CONVERSATION_ID:
            raise NotFound(f"Een gespreks-id is hoogstens {MAX_CONVERSATION_ID} tekens lang.")
        reference = parse_reference(typed)
        queue_reference = typed.upper() if QUEUE_REFERENCE.fullmatch(typed.upper()) else None
        if reference is None and queue_reference is None:
            return typed
        table = CaseRecord if reference else EntryRecord
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(table.conversation_id).where(table.reference == (reference or queue_reference))
            ).scalar()
        if found is None:
            raise NotFound(f"Er is niets opgeslagen onder referentie {reference or queue_reference}.")
        return str(found)

    def _message_filter(self, conversation_id: str) -> sa.sql.ColumnElement:
        """An agent's messages by their conversation, or by an entry of it."""
        entries = sa.select(EntryRecord.id).where(EntryRecord.conversation_id == conversation_id)
        return sa.or_(MessageRecord.conversation_id == conversation_id, MessageRecord.entry_id.in_(entries))

    def _where(self, model: Any, conversation_id: str) -> sa.sql.ColumnElement:
        if model is MessageRecord:
            return self._message_filter(conversation_id)
        if model is NoteRecord:  # agents' internal notes, by their entry
            entries = sa.select(EntryRecord.id).where(EntryRecord.conversation_id == conversation_id)
            return NoteRecord.entry_id.in_(entries)
        return model.conversation_id == conversation_id

    def export(self, conversation_id: str, now: datetime | None = None) -> dict[str, Any]:
        """Everything stored about the conversation, as JSON-ready data (tracker events as Rasa
        stored them)."""
        exported: dict[str, Any] = {
            "conversation_id": conversation_id,
            "exported_at": utc(now).isoformat(),
            "tracker_events": self._events(conversation_id),
        }
        with self.engine.connect() as connection:
            for key, model in TABLES:
                table = model.__table__
                query = sa.select(table).where(self._where(model, conversation_id)).order_by(table.c.id)
                exported[key] = [_row(row) for row in connection.execute(query)]
        logger.info(
            "Data export: %s",
            ", ".join(
                f"{key.replace('_', ' ')}: {len(value)}"
                for key, value in exported.items()
                if isinstance(value, list)
            ),
        )
        return exported

    def stored(self, conversation_id: str) -> dict[str, int]:
        """How many rows of each kind are stored about the conversation (the export's keys)."""
        counts = {"tracker_events": 0}
        if has_events(self.tracker):
            query = sa.select(sa.func.count()).where(EVENTS.c.sender_id == conversation_id)
            with self.tracker.connect() as connection:
                counts["tracker_events"] = connection.execute(query).scalar_one()
        with self.engine.connect() as connection:
            for key, model in TABLES:
                query = sa.select(sa.func.count()).select_from(model.__table__)
                query = query.where(self._where(model, conversation_id))
                counts[key] = connection.execute(query).scalar_one()
        return counts

    def _events(self, conversation_id: str) -> list[dict[str, Any]]:
        if not has_events(self.tracker):
            return []
        query = sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == conversation_id).order_by(EVENTS.c.id)
        with self.tracker.connect() as connection:
            return [json.loads(data) for data in connection.execute(query).scalars()]

    def erase(self, conversation_id: str) -> Erased:
        """Deletes everything stored about the conversation: the tracker store first, then the
        assistant's database in one transaction (module docstring)."""
        events = 0
        if has_events(self.tracker):
            with self.tracker.begin() as connection:
                events = connection.execute(
                    sa.delete(EVENTS).where(EVENTS.c.sender_id == conversation_id)
                ).rowcount
        counts: dict[str, int] = {}
        with self.engine.begin() as connection:
            # Messages and notes before their entries (foreign key); the entries' ids before they go.
            for key, model in sorted(TABLES, key=lambda item: item[1] not in (MessageRecord, NoteRecord)):
                statement = sa.delete(model.__table__).where(self._where(model, conversation_id))
                counts[key] = connection.execute(statement).rowcount
        erased = Erased(tracker_events=events, **counts)
        logger.info("Data erasure: %s", erased)
        return erased


def open_data_rights(db_url: str | None = None, tracker_url: str | None = None) -> DataRights:
    """On the configured databases (KLANTENSERVICE_DB_URL, TRACKER_STORE_URL)."""
    return DataRights(create_engine(db_url), tracker_engine(tracker_url))


def _team_lead(engine: sa.engine.Engine, username: str) -> bool:
    agent = AgentStore(engine=engine).get(username)
    return agent is not None and agent.is_team_lead


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.data_rights",
        description="Export (GDPR art. 15) or erase (art. 17) everything stored about one conversation.",
    )
    parser.add_argument("command", choices=["export", "erase"])
    parser.add_argument("identifier", help="a conversation id, or a reference: RET-…, KL-…, MW-…")
    parser.add_argument("--by", required=True, help="the team lead's account name (make agent ROLE=teamlead)")
    parser.add_argument("--out", type=Path, help="export: write the JSON here instead of to standard output")
    parser.add_argument("--yes", action="store_true", help="erase: without asking for confirmation")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    rights = open_data_rights()
    try:
        if not _team_lead(rights.engine, args.by):
            print(
                f"{args.by!r} is not a team lead's account: only team leads export or erase.", file=sys.stderr
            )
            return 2
        try:
            conversation_id = rights.conversation_id(args.identifier)
        except NotFound as error:
            print(error, file=sys.stderr)
            return 1
        if args.command == "export":
            text = json.dumps(rights.export(conversation_id), ensure_ascii=False, indent=2)
            if args.out:
                args.out.write_text(text + "\n", encoding="utf-8")
            else:
                print(text)
            return 0
        if not args.yes:
            answer = input(
                f"Everything stored about conversation {conversation_id!r} is deleted. Type 'erase': "
            )
            if answer.strip().lower() != "erase":
                print("Nothing erased.", file=sys.stderr)
                return 1
        print(f"Erased {rights.erase(conversation_id)}")
        return 0
    finally:
        rights.engine.dispose()
        rights.tracker.dispose()


if __name__ == "__main__":
    sys.exit(main())

"""Handing a claimed conversation on: to a named colleague who is online, or back to the queue.

Either is one transaction that checks the entry is still the agent's (bot/handoff.py's lock), moves
it, and keeps an internal note (bot/notes.py) saying who handed it to whom, with the agent's own
words for the colleague. Nothing here reaches the customer: the console has the assistant name the
colleague (webapp/transfer.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.agents import Agent, AgentRecord
from bot.database import create_engine, from_stored, utc
from bot.handoff import WAITING, Entry, HandoffQueue, QueueError, _as_entry
from bot.notes import MAX_NOTE_LENGTH, Note, NoteRecord, _as_note


class TransferError(QueueError):
    """A transfer that cannot be done; the message says why (shown to agents)."""


@dataclass(frozen=True)
class Handover:
    entry: Entry
    colleague: Agent | None  # None: back to the queue
    note: Note


def _note_text(done: str, note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise TransferError(
            f"Een notitie mag hoogstens {MAX_NOTE_LENGTH} tekens hebben; deze heeft er {len(note)}."
        )
    return f"{done}: {note}" if note else f"{done}."


class Transfers:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    def online_colleagues(self, agent: str, within: timedelta, now: datetime | None = None) -> list[Agent]:
        """The enabled agents other than `agent` whose console was open within `within`, by name."""
        since = utc(now) - within
        query = (
            sa.select(AgentRecord)
            .where(
                AgentRecord.username != agent,
                AgentRecord.disabled.is_(False),
                AgentRecord.last_seen >= since,
            )
            .order_by(AgentRecord.display_name, AgentRecord.username)
        )
        with sa.orm.Session(self.engine) as session:
            return [Agent(r.username, r.display_name, r.role) for r in session.scalars(query)]

    def transfer(
        self,
        entry_id: int,
        agent: Agent,
        colleague: str,
        within: timedelta,
        note: str = "",
        now: datetime | None = None,
    ) -> Handover:
        """Gives the agent's entry to `colleague`, who must be online (seen within `within`). The
        entry keeps its status and claim time: for the customer the same conversation goes on."""
        moment = utc(now)
        with sa.orm.Session(self.engine) as session, session.begin():
            record = HandoffQueue.agents_entry(session, entry_id, agent.username)
            other = session.scalars(
                sa.select(AgentRecord).filter_by(username=colleague.strip().lower(), disabled=False)
            ).first()
            if other is None:
                raise TransferError(f"Er is geen collega {colleague.strip()[:40]!r}.")
            if other.username == agent.username:
                raise TransferError("Je hebt dit gesprek al; kies een collega.")
            seen = from_stored(other.last_seen)
            if seen is None or seen < moment - within:
                raise TransferError(
                    f"{other.display_name} is nu niet online. Kies een collega die online is."
                )
            text = _note_text(f"Overgedragen aan {other.display_name}", note)
            record.agent = other.username
            saved = self._note(session, record.id, agent, text, moment)
            return Handover(_as_entry(record), Agent(other.username, other.display_name, other.role), saved)

    def release(self, entry_id: int, agent: Agent, note: str = "", now: datetime | None = None) -> Handover:
        """Puts the agent's entry back in the queue, waiting for whoever takes it next."""
        moment = utc(now)
        with sa.orm.Session(self.engine) as session, session.begin():
            record = HandoffQueue.agents_entry(session, entry_id, agent.username)
            text = _note_text("Teruggezet in de wachtrij", note)
            record.status, record.agent, record.claimed_at = WAITING, None, None
            saved = self._note(session, record.id, agent, text, moment)
            return Handover(_as_entry(record), None, saved)

    @staticmethod
    def _note(session: sa.orm.Session, entry_id: int, agent: Agent, text: str, moment: datetime) -> Note:
        record = NoteRecord(
            entry_id=entry_id,
            author=agent.username,
            author_name=agent.display_name,
            text=text,
            created_at=moment,
        )
        session.add(record)
        session.flush()
        return _as_note(record)

"""Cases: what a form collected for an agent (a return, a complaint), kept with a reference.

Only the fields a case needs are stored; a case, open or closed, is deleted once it has had no
activity for the retention period (the scheduled purge of bot/retention.py; on its own:
`python -m bot.cases purge`).
"""

from __future__ import annotations

import argparse
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.database import Base, create_engine, from_stored, utc
from bot.masking import mask

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread
PREFIX_BY_TYPE = {"retour": "RET", "klacht": "KL"}
CASE_FIELDS = {
    "retour": ("webshop", "bestelnummer", "trackingnummer"),
    "klacht": ("klacht_omschrijving", "klacht_betreft"),
}
# Fields in the customer's own words: IBANs, phone numbers, e-mail addresses (and numbers) in them are masked.
FREE_TEXT_FIELDS = frozenset({"klacht_omschrijving"})
MAX_REFERENCE_TRIES = 10


class CaseError(ValueError):
    """A case operation that cannot be done; the message says why (shown to agents)."""


class CaseRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "cases"

    id = sa.Column(sa.Integer, primary_key=True)
    reference = sa.Column(sa.String(20), unique=True, nullable=False)
    case_type = sa.Column(sa.String(20), nullable=False)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    fields = sa.Column(sa.JSON, nullable=False)
    status = sa.Column(sa.String(20), nullable=False, default="open")
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    closed_at = sa.Column(sa.DateTime(timezone=True))
    # The request that filed it (conversation and form run): a repeated request finds this case.
    request_key = sa.Column(sa.String(400))

    __table_args__ = (sa.UniqueConstraint("request_key", name="uq_cases_request_key"),)


@dataclass(frozen=True)
class Case:
    reference: str
    case_type: str
    conversation_id: str
    fields: dict[str, Any]
    status: str
    created_at: datetime
    closed_at: datetime | None


def _as_case(record: CaseRecord) -> Case:
    return Case(
        record.reference,
        record.case_type,
        record.conversation_id,
        dict(record.fields),
        record.status,
        from_stored(record.created_at),
        from_stored(record.closed_at),
    )


def new_reference(case_type: str) -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"{PREFIX_BY_TYPE[case_type]}-{code}"


REFERENCE_PATTERN = re.compile(rf"(?:{'|'.join(PREFIX_BY_TYPE.values())})-[{REFERENCE_ALPHABET}]{{6}}")
_LOOSE_REFERENCE = re.compile(rf"({'|'.join(PREFIX_BY_TYPE.values())})([{REFERENCE_ALPHABET}]{{6}})")
SEPARATORS = re.compile(r"[\s\-_./]+")


def parse_reference(text: str) -> str | None:
    """The case reference an agent typed, as stored; None if it is none. Customers read references
    out in any spelling, so case, spaces and a missing or other dash don't matter: "ret jnn2nc",
    "RET JNN2NC" and "retjnn2nc" are RET-JNN2NC."""
    match = _LOOSE_REFERENCE.fullmatch(SEPARATORS.sub("", text.upper()))
    return f"{match[1]}-{match[2]}" if match else None


class CaseStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    def create(
        self,
        case_type: str,
        conversation_id: str,
        fields: dict[str, Any],
        now: datetime | None = None,
        request_key: str | None = None,
    ) -> Case:
        """Files a case under a new unique reference; only the fields of its type are kept. A request
        that already filed a case (the same `request_key`) gets that case, not a second one."""
        if case_type not in CASE_FIELDS:
            raise ValueError(f"unknown case type {case_type!r}")
        kept = {name: fields.get(name) for name in CASE_FIELDS[case_type]}
        for name in FREE_TEXT_FIELDS & kept.keys():
            text = kept[name]
            if isinstance(text, str):
                kept[name] = mask(text)
        for _ in range(MAX_REFERENCE_TRIES):
            filed = self._for_request(request_key)
            if filed is not None:
                return filed
            record = CaseRecord(
                reference=new_reference(case_type),
                case_type=case_type,
                conversation_id=conversation_id,
                fields=kept,
                status="open",
                created_at=utc(now),
                request_key=request_key,
            )
            try:
                with sa.orm.Session(self.engine) as session, session.begin():
                    session.add(record)
                    session.flush()
                    return _as_case(record)
            except IntegrityError:
                continue  # the reference was taken, or the same request filed it just now
        raise RuntimeError(f"no free case reference after {MAX_REFERENCE_TRIES} tries")

    def _for_request(self, request_key: str | None) -> Case | None:
        if request_key is None:
            return None
        with sa.orm.Session(self.engine) as session:
            record = session.scalars(sa.select(CaseRecord).filter_by(request_key=request_key)).first()
            return _as_case(record) if record else None

    def get(self, reference: str) -> Case | None:
        with sa.orm.Session(self.engine) as session:
            record = session.scalars(sa.select(CaseRecord).filter_by(reference=reference.upper())).first()
            return _as_case(record) if record else None

    def for_conversation(self, conversation_id: str) -> list[Case]:
        with sa.orm.Session(self.engine) as session:
            query = sa.select(CaseRecord).filter_by(conversation_id=conversation_id).order_by(CaseRecord.id)
            return [_as_case(record) for record in session.scalars(query)]

    def listing(
        self,
        case_type: str | None = None,
        status: str | None = None,
        created_from: datetime | None = None,
        created_before: datetime | None = None,
        limit: int = 200,
    ) -> list[Case]:
        """The cases that pass the filters (each None: no filter), newest first, at most `limit`."""
        query = sa.select(CaseRecord).order_by(CaseRecord.created_at.desc(), CaseRecord.id.desc())
        if case_type is not None:
            query = query.where(CaseRecord.case_type == case_type)
        if status is not None:
            query = query.where(CaseRecord.status == status)
        if created_from is not None:
            query = query.where(CaseRecord.created_at >= utc(created_from))
        if created_before is not None:
            query = query.where(CaseRecord.created_at < utc(created_before))
        with sa.orm.Session(self.engine) as session:
            return [_as_case(record) for record in session.scalars(query.limit(limit))]

    def close(self, reference: str, now: datetime | None = None) -> None:
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(
                sa.update(CaseRecord)
                .filter_by(reference=reference)
                .values(status="closed", closed_at=utc(now))
            )

    def close_handled(
        self, conversation_id: str, references: Iterable[str], now: datetime | None = None
    ) -> list[str]:
        """Closes the conversation's cases that the agent marked as handled; the others stay open.
        A reference that is not an open case of this conversation closes nothing and raises CaseError
        (a clear answer for the agent)."""
        wanted = {reference.strip().upper() for reference in references}
        if not wanted:
            return []
        with sa.orm.Session(self.engine) as session, session.begin():
            query = (
                sa.select(CaseRecord)
                .where(
                    CaseRecord.conversation_id == conversation_id,
                    CaseRecord.status == "open",
                    CaseRecord.reference.in_(wanted),
                )
                .order_by(CaseRecord.id)
                .with_for_update()
            )
            records = list(session.scalars(query))
            unknown = wanted - {record.reference for record in records}
            if unknown:
                raise CaseError(
                    f"Geen open zaak van dit gesprek: {', '.join(sorted(unknown))}. Er is niets gesloten."
                )
            for record in records:
                record.status, record.closed_at = "closed", utc(now)
            return [record.reference for record in records]

    def purge(self, retention_days: int, now: datetime | None = None) -> int:
        """Deletes the cases, open or closed, without activity in the retention period; returns how many."""
        if retention_days < 1:
            raise ValueError(f"retention must be at least 1 day, not {retention_days}")
        return purge_inactive(self.engine, utc(now) - timedelta(days=retention_days))


def purge_inactive(engine: sa.engine.Engine, before: datetime) -> int:
    """Deletes cases, open or closed, whose last activity (filed, closed) is before `before`, in one
    transaction (the retention purge's step for cases, bot/retention.py)."""
    last_activity = sa.func.coalesce(CaseRecord.closed_at, CaseRecord.created_at)
    statement = sa.delete(CaseRecord.__table__).where(CaseRecord.created_at < before, last_activity < before)
    with engine.begin() as connection:
        deleted: int = connection.execute(statement).rowcount
    return deleted


def _retention_days(text: str) -> int:
    """A retention of at least one day: 0 or less would delete cases closed a moment ago."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {text!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 day, not {days}")
    return days


def main(argv: list[str] | None = None) -> None:
    from bot.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m bot.cases", description="Case store maintenance")
    parser.add_argument("command", choices=["purge"])
    parser.add_argument(
        "--days", type=_retention_days, help="retention in days, at least 1 (default: klantenservice.yml)"
    )
    args = parser.parse_args(argv)
    days = args.days if args.days is not None else load_settings().cases.retention_days
    print(f"Deleted {CaseStore().purge(days)} cases without activity in the last {days} days")


if __name__ == "__main__":
    main()

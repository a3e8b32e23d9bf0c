"""The brake on password guessing in the agent console, kept in the database so that every web app
replica applies the same one.

Two counts, both on wrong passwords only (an answer that was refused for being too early counts
nothing and checks no password):
- per user name *and* client address: after `free_failures` in a row, each next try waits twice as
  long as the one before. Someone guessing from elsewhere slows only their own tries, so a real agent
  at their own address can always log in.
- per client address across names: `address_failures` within a window, then the address waits for
  the window's end, so one address cannot try a password against many names.

Neither the name typed nor the address is stored: a key is the SHA-256 of them (a name field
sometimes receives a password).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.database import Base, create_engine, from_stored, utc
from bot.settings import Login

MEMORY = timedelta(days=1)  # counts without a failure for this long are forgotten
MAX_NAME_LENGTH = 80


class ThrottleRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "agent_login_throttle"

    key = sa.Column(sa.String(64), primary_key=True)
    failures = sa.Column(sa.Integer, nullable=False, default=0)
    first_failure_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    last_failure_at = sa.Column(sa.DateTime(timezone=True), nullable=False, index=True)
    blocked_until = sa.Column(sa.DateTime(timezone=True))


@dataclass(frozen=True)
class Failure:
    """What one wrong password led to: until when the next try waits (None: no wait), and how many
    wrong passwords the address has had in its current window."""

    blocked_until: datetime | None
    address_failures: int


def _key(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def pair_key(username: str, address: str) -> str:
    return _key("pair", username.strip().lower()[:MAX_NAME_LENGTH], address)


def address_key(address: str) -> str:
    return _key("address", address)


class LoginThrottle:
    def __init__(self, rules: Login, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.rules = rules
        self.engine = engine or create_engine(url)

    def refused_until(self, username: str, address: str, now: datetime | None = None) -> datetime | None:
        """When this name may try again from this address; None when it may try now."""
        now = utc(now)
        keys = (pair_key(username, address), address_key(address))
        with sa.orm.Session(self.engine) as session:
            ends = session.scalars(
                sa.select(ThrottleRecord.blocked_until).where(ThrottleRecord.key.in_(keys))
            ).all()
        waits = [end for end in map(from_stored, ends) if end is not None and end > now]
        return max(waits, default=None)

    def failed(self, username: str, address: str, now: datetime | None = None) -> Failure:
        """Counts a wrong password for the name at the address, and for the address."""
        now = utc(now)
        for attempt in range(2):  # a concurrent first failure may insert the same key first
            try:
                return self._count(username, address, now)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def succeeded(self, username: str, address: str) -> None:
        """The right password: this name at this address starts afresh (the address count stays)."""
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(sa.delete(ThrottleRecord).filter_by(key=pair_key(username, address)))

    def _count(self, username: str, address: str, now: datetime) -> Failure:
        rules = self.rules
        window = timedelta(minutes=rules.address_window_minutes)
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(sa.delete(ThrottleRecord).where(ThrottleRecord.last_failure_at < now - MEMORY))
            pair = _record(session, pair_key(username, address), now, forget_before=now - MEMORY)
            pair.failures += 1
            beyond = pair.failures - rules.free_failures
            if beyond > 0:
                delay = min(rules.first_delay_seconds * 2 ** min(beyond - 1, 30), rules.longest_delay_seconds)
                pair.blocked_until = now + timedelta(seconds=delay)
            per_address = _record(session, address_key(address), now, forget_before=now - window)
            per_address.failures += 1
            if per_address.failures >= rules.address_failures:
                per_address.blocked_until = from_stored(per_address.first_failure_at) + window
            blocked = [
                end
                for end in (from_stored(pair.blocked_until), from_stored(per_address.blocked_until))
                if end is not None and end > now
            ]
            return Failure(max(blocked, default=None), per_address.failures)


def _record(session: sa.orm.Session, key: str, now: datetime, forget_before: datetime) -> ThrottleRecord:
    """The key's record, locked for this transaction; a fresh count when it began before `forget_before`."""
    record: ThrottleRecord | None = session.get(ThrottleRecord, key, with_for_update=True)
    if record is None:
        record = ThrottleRecord(key=key, failures=0, first_failure_at=now, last_failure_at=now)
        session.add(record)
        session.flush()
    elif from_stored(record.first_failure_at) <= forget_before:
        record.failures, record.first_failure_at, record.blocked_until = 0, now, None
    record.last_failure_at = now
    return record

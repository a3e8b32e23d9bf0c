"""Logged-in agents of the console: server-side sessions and the brake on password guessing.

A session is a random token in the agent's cookie; the database keeps only its SHA-256, so a copy of
the database does not log anyone in. Each session has its own CSRF token, which the console sends
back with every change. Sessions end 12 hours after login (a working day), or at logout.

Failed logins are counted per username (known or not, so the answer does not reveal which names
exist): after MAX_FAILURES in a row the name is refused for LOCK_TIME, whatever the password.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.database import Base, create_engine, from_stored, utc

SESSION_LIFETIME = timedelta(hours=12)
MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=1)
FAILURE_MEMORY = timedelta(days=1)  # failure counts older than this are forgotten
MAX_USERNAME_LENGTH = 80


class SessionRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "agent_sessions"

    token_hash = sa.Column(sa.String(64), primary_key=True)
    username = sa.Column(sa.String(40), nullable=False, index=True)
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    expires_at = sa.Column(sa.DateTime(timezone=True), nullable=False, index=True)


class LoginFailureRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "agent_login_failures"

    username = sa.Column(sa.String(MAX_USERNAME_LENGTH), primary_key=True)
    failures = sa.Column(sa.Integer, nullable=False, default=0)
    last_failure_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    locked_until = sa.Column(sa.DateTime(timezone=True))


@dataclass(frozen=True)
class AgentSession:
    token: str  # only known right after login (the cookie's value); "" when read back
    username: str
    csrf_token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _name_key(username: str) -> str:
    return username.strip().lower()[:MAX_USERNAME_LENGTH]


class SessionStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    # --- sessions ---------------------------------------------------------------------------------

    def create(self, username: str, now: datetime | None = None) -> AgentSession:
        """A new session (never a reused token, so a planted cookie cannot be logged in)."""
        now = utc(now)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + SESSION_LIFETIME
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(sa.delete(SessionRecord).where(SessionRecord.expires_at <= now))
            session.add(
                SessionRecord(
                    token_hash=_hash(token),
                    username=username,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return AgentSession(token, username, csrf, expires)

    def get(self, token: str | None, now: datetime | None = None) -> AgentSession | None:
        """The session of a cookie's token; None when unknown or expired."""
        if not token or len(token) > 200:
            return None
        with sa.orm.Session(self.engine) as session:
            record = session.get(SessionRecord, _hash(token))
            if record is None or from_stored(record.expires_at) <= utc(now):
                return None
            return AgentSession("", record.username, record.csrf_token, from_stored(record.expires_at))

    def delete(self, token: str | None) -> None:
        if not token:
            return
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(sa.delete(SessionRecord).filter_by(token_hash=_hash(token)))

    # --- failed logins ----------------------------------------------------------------------------

    def refused_until(self, username: str, now: datetime | None = None) -> datetime | None:
        """When the name may try again, while it is locked after too many failures."""
        with sa.orm.Session(self.engine) as session:
            record = session.get(LoginFailureRecord, _name_key(username))
            locked = from_stored(record.locked_until) if record else None
            return locked if locked and locked > utc(now) else None

    def login_failed(self, username: str, now: datetime | None = None) -> datetime | None:
        """Counts a failure; returns the end of the lock when this failure locked the name."""
        now, key = utc(now), _name_key(username)
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(
                sa.delete(LoginFailureRecord).where(LoginFailureRecord.last_failure_at < now - FAILURE_MEMORY)
            )
            record = session.get(LoginFailureRecord, key, with_for_update=True)
            if record is None:
                record = LoginFailureRecord(username=key, failures=0, last_failure_at=now)
                session.add(record)
            locked = from_stored(record.locked_until)
            if locked is not None and locked <= now:  # a lock that ran out starts a new count
                record.failures, record.locked_until = 0, None
            record.failures += 1
            record.last_failure_at = now
            if record.failures >= MAX_FAILURES:
                locked_until = now + LOCK_TIME
                record.failures, record.locked_until = 0, locked_until
                return locked_until
            return None

    def login_succeeded(self, username: str) -> None:
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(sa.delete(LoginFailureRecord).filter_by(username=_name_key(username)))

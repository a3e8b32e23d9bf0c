"""Logged-in agents of the console: server-side sessions.

A session is a random token in the agent's cookie; the database keeps only its SHA-256, so a copy of
the database does not log anyone in. Each session has its own CSRF token, which the console sends
back with every change, and a copy of the account's session stamp (bot/agents.py): when the
account's stamp changes (a new password, disabled) the console's guard ends the session. Sessions
end 12 hours after login (a working day), at logout, or when the account is deleted. The brake on
password guessing is bot/login_throttle.py.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.database import Base, create_engine, from_stored, utc

SESSION_LIFETIME = timedelta(hours=12)


class SessionRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "agent_sessions"

    token_hash = sa.Column(sa.String(64), primary_key=True)
    username = sa.Column(sa.String(40), nullable=False, index=True)
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    expires_at = sa.Column(sa.DateTime(timezone=True), nullable=False, index=True)
    stamp = sa.Column(sa.String(32), nullable=False, default="", server_default="")


@dataclass(frozen=True)
class AgentSession:
    token: str  # only known right after login (the cookie's value); "" when read back
    username: str
    csrf_token: str
    expires_at: datetime
    stamp: str = ""  # the account's session stamp at login


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    # --- sessions ---------------------------------------------------------------------------------

    def create(self, username: str, now: datetime | None = None, stamp: str = "") -> AgentSession:
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
                    stamp=stamp,
                )
            )
        return AgentSession(token, username, csrf, expires, stamp)

    def get(self, token: str | None, now: datetime | None = None) -> AgentSession | None:
        """The session of a cookie's token; None when unknown or expired."""
        if not token or len(token) > 200:
            return None
        with sa.orm.Session(self.engine) as session:
            record = session.get(SessionRecord, _hash(token))
            if record is None or from_stored(record.expires_at) <= utc(now):
                return None
            return AgentSession(
                "", record.username, record.csrf_token, from_stored(record.expires_at), record.stamp
            )

    def delete(self, token: str | None) -> None:
        if not token:
            return
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(sa.delete(SessionRecord).filter_by(token_hash=_hash(token)))

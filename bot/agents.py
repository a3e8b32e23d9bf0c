"""Agent accounts for the console: bcrypt-hashed passwords, roles, and who is online.

There is no default account: `python -m bot.agents add NAME` creates one (the password is asked
twice, or read from stdin with --password-stdin).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.database import Base, create_engine, utc

AGENT, TEAM_LEAD = "agent", "teamlead"
ROLES = (AGENT, TEAM_LEAD)
MIN_PASSWORD_LENGTH = 10
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


class AccountError(ValueError):
    """A username or password that cannot be used; the message says why."""


class AgentRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "agents"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(40), unique=True, nullable=False)
    display_name = sa.Column(sa.String(80), nullable=False)
    password_hash = sa.Column(sa.String(100), nullable=False)
    role = sa.Column(sa.String(20), nullable=False, default=AGENT)
    last_seen = sa.Column(sa.DateTime(timezone=True))


@dataclass(frozen=True)
class Agent:
    username: str
    display_name: str
    role: str

    @property
    def is_team_lead(self) -> bool:
        return self.role == TEAM_LEAD


def check_username(username: str) -> str:
    username = username.strip().lower()
    if not 2 <= len(username) <= 40 or not set(username) <= USERNAME_CHARS:
        raise AccountError("Een gebruikersnaam heeft 2 tot 40 tekens: letters, cijfers, punt, - of _.")
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.")
    if len(password.encode("utf-8")) > 72:
        raise AccountError("Een wachtwoord heeft hoogstens 72 bytes.")  # bcrypt's limit
    return password


class AgentStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    def add(self, username: str, password: str, display_name: str | None = None, role: str = AGENT) -> Agent:
        username, password = check_username(username), check_password(password)
        if role not in ROLES:
            raise AccountError(f"Onbekende rol {role!r}; kies uit {', '.join(ROLES)}.")
        hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")
        record = AgentRecord(
            username=username,
            display_name=(display_name or username).strip()[:80],
            password_hash=hashed,
            role=role,
        )
        try:
            with sa.orm.Session(self.engine) as session, session.begin():
                session.add(record)
                agent = Agent(record.username, record.display_name, record.role)
        except IntegrityError:
            raise AccountError(f"De gebruikersnaam {username!r} bestaat al.") from None
        return agent

    def set_password(self, username: str, password: str) -> None:
        hashed = bcrypt.hashpw(check_password(password).encode("utf-8"), bcrypt.gensalt()).decode("ascii")
        with sa.orm.Session(self.engine) as session, session.begin():
            updated = session.execute(
                sa.update(AgentRecord)
                .filter_by(username=check_username(username))
                .values(password_hash=hashed)
            ).rowcount
        if not updated:
            raise AccountError(f"Er is geen account {username!r}.")

    def authenticate(self, username: str, password: str) -> Agent | None:
        """The agent when the password is right; None otherwise (the same for unknown names)."""
        with sa.orm.Session(self.engine) as session:
            record = session.scalars(
                sa.select(AgentRecord).filter_by(username=username.strip().lower())
            ).first()
        stored = record.password_hash.encode("ascii") if record else _UNKNOWN_USER_HASH
        matches = bcrypt.checkpw(password.encode("utf-8")[:72], stored)
        return Agent(record.username, record.display_name, record.role) if record and matches else None

    def get(self, username: str) -> Agent | None:
        with sa.orm.Session(self.engine) as session:
            record = session.scalars(sa.select(AgentRecord).filter_by(username=username)).first()
            return Agent(record.username, record.display_name, record.role) if record else None

    def seen(self, username: str, now: datetime | None = None) -> None:
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(sa.update(AgentRecord).filter_by(username=username).values(last_seen=utc(now)))

    def online_count(self, within: timedelta, now: datetime | None = None) -> int:
        """Agents whose console was open within `within` before `now`."""
        since = utc(now) - within
        with sa.orm.Session(self.engine) as session:
            return int(
                session.scalar(sa.select(sa.func.count(AgentRecord.id)).where(AgentRecord.last_seen >= since))
                or 0
            )


# Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
_UNKNOWN_USER_HASH = bcrypt.hashpw(b"no such agent", bcrypt.gensalt())


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Wachtwoord: ")
    if getpass.getpass("Nog een keer: ") != first:
        raise AccountError("De wachtwoorden zijn niet gelijk.")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.agents", description="Agent accounts")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--name", help="the name customers and colleagues see")
    add.add_argument("--role", choices=ROLES, default=AGENT)
    add.add_argument("--password-stdin", action="store_true")
    password = commands.add_parser("password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)
    store = AgentStore()
    try:
        secret = _read_password(args.password_stdin)
        if args.command == "add":
            agent = store.add(args.username, secret, args.name, args.role)
            print(f"Account {agent.username} ({agent.role}) aangemaakt.")
        else:
            store.set_password(args.username, secret)
            print(f"Wachtwoord van {args.username} gewijzigd.")
    except AccountError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Agent accounts for the console: bcrypt-hashed passwords, roles, and who is online.

There is no default account: `python -m bot.agents add NAME` creates one (the password is asked
twice, or read from stdin with --password-stdin); `reset`, `role`, `disable`, `enable`, `delete`
and `list` manage them (`make agent` runs these).

Each account has a session stamp, a random value that every session copies at login. A new
password, disabling and deleting change or remove it, so the console's guard ends the sessions
opened before (bot/agent_sessions.py, webapp/auth.py). A disabled account keeps its history but
cannot log in.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import bcrypt
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.database import Base, create_engine, from_stored, utc

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
    disabled = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    session_stamp = sa.Column(sa.String(32), nullable=False, default="", server_default="")


@dataclass(frozen=True)
class Agent:
    username: str
    display_name: str
    role: str
    # What the account's sessions must carry to stay valid; not part of who the agent is.
    session_stamp: str = field(default="", compare=False, repr=False)

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


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Onbekende rol {role!r}; kies uit {', '.join(ROLES)}.")
    return role


def hash_password(password: str) -> str:
    return bcrypt.hashpw(check_password(password).encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def password_matches(password: str, password_hash: bytes) -> bool:
    """bcrypt's check (slow on purpose: the console runs it in its own small thread pool)."""
    return bool(bcrypt.checkpw(password.encode("utf-8")[:72], password_hash))


def new_stamp() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Account:
    """An account as the `list` command shows it."""

    agent: Agent
    disabled: bool
    last_seen: datetime | None


# bot/agent_sessions.py's table, named here only to delete rows: the action server's image, which
# imports this module, does without the sessions module.
_SESSIONS = sa.table("agent_sessions", sa.column("username"))


def _agent(record: AgentRecord) -> Agent:
    return Agent(record.username, record.display_name, record.role, record.session_stamp)


def _no_account(username: str) -> AccountError:
    return AccountError(f"Er is geen account {username.strip().lower()!r}.")


class AgentStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    def add(self, username: str, password: str, display_name: str | None = None, role: str = AGENT) -> Agent:
        username, role = check_username(username), check_role(role)
        record = AgentRecord(
            username=username,
            display_name=(display_name or username).strip()[:80],
            password_hash=hash_password(password),
            role=role,
            disabled=False,
            session_stamp=new_stamp(),
        )
        try:
            with sa.orm.Session(self.engine) as session, session.begin():
                session.add(record)
                agent = _agent(record)
        except IntegrityError:
            raise AccountError(f"De gebruikersnaam {username!r} bestaat al.") from None
        return agent

    def set_password(self, username: str, password: str) -> None:
        """A new password; the sessions opened with the old one end (a new stamp)."""
        self._update(username, password_hash=hash_password(password), session_stamp=new_stamp())

    def set_role(self, username: str, role: str) -> None:
        """Takes effect on the agent's next request: the console reads the role on every one."""
        self._update(username, role=check_role(role))

    def disable(self, username: str) -> None:
        """The account cannot log in and its sessions end; its history stays."""
        self._update(username, disabled=True, session_stamp=new_stamp())

    def enable(self, username: str) -> None:
        self._update(username, disabled=False)

    def delete(self, username: str) -> None:
        """Removes the account; its sessions end with it (the guard finds no account)."""
        with sa.orm.Session(self.engine) as session, session.begin():
            deleted = session.execute(sa.delete(AgentRecord).filter_by(username=_known(username))).rowcount
        if not deleted:
            raise _no_account(username)

    def end_sessions(self, username: str) -> int:
        """Deletes the account's console sessions (the guard would end them anyway); how many."""
        with sa.orm.Session(self.engine) as session, session.begin():
            return int(session.execute(sa.delete(_SESSIONS).where(_SESSIONS.c.username == username)).rowcount)

    def find(self, username: str) -> Account | None:
        """The account of that name, enabled or not."""
        with sa.orm.Session(self.engine) as session:
            record = session.scalars(sa.select(AgentRecord).filter_by(username=username)).first()
            return (
                Account(_agent(record), bool(record.disabled), from_stored(record.last_seen))
                if record
                else None
            )

    def accounts(self) -> list[Account]:
        with sa.orm.Session(self.engine) as session:
            records = session.scalars(sa.select(AgentRecord).order_by(AgentRecord.username)).all()
            return [Account(_agent(r), bool(r.disabled), from_stored(r.last_seen)) for r in records]

    def _update(self, username: str, **values: object) -> None:
        with sa.orm.Session(self.engine) as session, session.begin():
            updated = session.execute(
                sa.update(AgentRecord).filter_by(username=_known(username)).values(**values)
            ).rowcount
        if not updated:
            raise _no_account(username)

    def credentials(self, username: str) -> tuple[Agent, bytes] | None:
        """An enabled account and its password hash; None for an unknown or disabled name."""
        with sa.orm.Session(self.engine) as session:
            record = session.scalars(
                sa.select(AgentRecord).filter_by(username=username.strip().lower(), disabled=False)
            ).first()
            return (_agent(record), record.password_hash.encode("ascii")) if record else None

    def authenticate(self, username: str, password: str) -> Agent | None:
        """The agent when the password is right; None otherwise (the same for unknown names)."""
        found = self.credentials(username)
        matches = password_matches(password, found[1] if found else UNKNOWN_USER_HASH)
        return found[0] if found and matches else None

    def get(self, username: str) -> Agent | None:
        """The enabled account of that name (a disabled one is None: it may not use the console)."""
        with sa.orm.Session(self.engine) as session:
            record = session.scalars(
                sa.select(AgentRecord).filter_by(username=username, disabled=False)
            ).first()
            return _agent(record) if record else None

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


def _known(username: str) -> str:
    """The name as stored; a name that could never have been stored is simply not found."""
    try:
        return check_username(username)
    except AccountError:
        raise _no_account(username) from None


# Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
UNKNOWN_USER_HASH = bcrypt.hashpw(b"no such agent", bcrypt.gensalt())


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
    for command, help_text in (("reset", "set a new password"), ("password", "the same as reset")):
        reset = commands.add_parser(command, help=f"{help_text}; the account's sessions end")
        reset.add_argument("username")
        reset.add_argument("--password-stdin", action="store_true")
    role = commands.add_parser("role", help="change the role of an account")
    role.add_argument("username")
    role.add_argument("role", help=" or ".join(ROLES))  # checked by check_role, in Dutch
    for command, help_text in (
        ("disable", "refuse the account's logins and end its sessions"),
        ("enable", "allow a disabled account to log in again"),
        ("delete", "remove the account and end its sessions"),
    ):
        commands.add_parser(command, help=help_text).add_argument("username")
    commands.add_parser("list", help="show every account")
    args = parser.parse_args(argv)
    store = AgentStore()
    try:
        print(_run(store, args))
    except AccountError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        store.engine.dispose()
    return 0


def _run(store: AgentStore, args: argparse.Namespace) -> str:
    """Carries out one command; what it says when done."""
    if args.command == "list":
        return _listing(store.accounts())
    if args.command == "add":
        agent = store.add(args.username, _read_password(args.password_stdin), args.name, args.role)
        return f"Account {agent.username} ({agent.role}) aangemaakt."
    username = _known(args.username)
    if store.find(username) is None:
        raise _no_account(username)
    if args.command == "role":
        store.set_role(username, args.role)
        return f"De rol van {username} is nu {args.role} (vanaf de volgende klik in de console)."
    if args.command == "enable":
        store.enable(username)
        return f"Account {username} is weer ingeschakeld: inloggen kan weer."
    if args.command in ("reset", "password"):
        store.set_password(username, _read_password(args.password_stdin))
        done = f"Wachtwoord van {username} gewijzigd"
    elif args.command == "disable":
        store.disable(username)
        done = f"Account {username} uitgeschakeld: inloggen kan niet meer"
    else:
        store.delete(username)
        done = f"Account {username} verwijderd"
    ended = store.end_sessions(username)
    return f"{done}; {ended} open {'sessie' if ended == 1 else 'sessies'} beëindigd."


def _listing(accounts: list[Account]) -> str:
    if not accounts:
        return "Er zijn nog geen accounts: maak er een met `make agent NAME=...`."
    rows = [("naam", "rol", "status", "laatst gezien", "getoonde naam")]
    for account in accounts:
        seen = f"{account.last_seen:%Y-%m-%d %H:%M} UTC" if account.last_seen else "-"
        status = "uitgeschakeld" if account.disabled else "actief"
        agent = account.agent
        rows.append((agent.username, agent.role, status, seen, agent.display_name))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    padded = (" ".join(row[column].ljust(widths[column] + 1) for column in range(4)) for row in rows)
    return "\n".join(f"{start} {row[4]}" for start, row in zip(padded, rows, strict=True))


if __name__ == "__main__":
    sys.exit(main())

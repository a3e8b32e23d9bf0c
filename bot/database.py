"""The assistant's own database, for the cases and the agent queue: SQLAlchemy on SQLite by default.

KLANTENSERVICE_DB_URL selects another database, e.g. postgresql://user:password@host/klantenservice.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

ROOT = Path(__file__).resolve().parent.parent
URL_VARIABLE = "KLANTENSERVICE_DB_URL"

Base = declarative_base()


def database_url() -> str:
    return os.environ.get(URL_VARIABLE) or f"sqlite:///{ROOT / 'var' / 'klantenservice.db'}"


def create_engine(url: str | None = None) -> sa.engine.Engine:
    """An engine with the tables created; SQLite files get their folder and a busy timeout.

    Errors do not quote a statement's parameters (`hide_parameters`): they are customers' data and
    errors end up in logs."""
    url = url or database_url()
    options: dict[str, Any] = {"future": True, "pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": 30}
    engine = sa.create_engine(url, **options)
    Base.metadata.create_all(engine)
    return engine


def utc(moment: datetime | None = None) -> datetime:
    """`moment` (default: now) in UTC, as every moment is stored."""
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)


@overload
def from_stored(moment: datetime) -> datetime: ...


@overload
def from_stored(moment: None) -> None: ...


def from_stored(moment: datetime | None) -> datetime | None:
    """A stored moment, aware: SQLite hands back naive datetimes, and every stored moment is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)

"""The assistant's own database, for the cases and the agent queue: SQLAlchemy on SQLite by default.

KLANTENSERVICE_DB_URL selects another database, e.g. postgresql://user:password@host/klantenservice.
Its tables are made and changed by the Alembic migrations in migrations/ (README, "Development"):
`upgrade()` brings a database to the latest one; `make run` and the deployment run it before the
servers start. `create_engine()` runs it too: after those it finds the latest revision with one
query, and it makes a fresh database for the command-line tools and the tests.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

ROOT = Path(__file__).resolve().parent.parent
URL_VARIABLE = "KLANTENSERVICE_DB_URL"
MIGRATIONS = ROOT / "migrations"
# The modules whose classes map this database's tables: a module with a new table joins this list.
MODEL_MODULES = (
    "bot.agents",
    "bot.agent_sessions",
    "bot.cases",
    "bot.delivery",
    "bot.handoff",
    "bot.login_throttle",
    "bot.notes",
    "bot.quick_replies",
    "bot.review",
    "bot.satisfaction",
)

logger = logging.getLogger(__name__)
Base = declarative_base()


def database_url() -> str:
    return os.environ.get(URL_VARIABLE) or f"sqlite:///{ROOT / 'var' / 'klantenservice.db'}"


def metadata() -> sa.MetaData:
    """Every table of this database, as the code maps them (what the migrations must make)."""
    running = getattr(sys.modules["__main__"], "__spec__", None)
    for module in MODEL_MODULES:
        if running is None or running.name != module:  # `python -m bot.agents` has mapped its own
            importlib.import_module(module)
    return Base.metadata


def create_engine(url: str | None = None, upgrade: bool = True) -> sa.engine.Engine:
    """An engine on the database at its latest migration; SQLite files get their folder and a busy timeout.

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
    if upgrade:
        _upgrade(engine)
    return engine


def upgrade(url: str | None = None) -> None:
    """Brings the database at `url` (default: KLANTENSERVICE_DB_URL) to the latest migration."""
    engine = create_engine(url, upgrade=False)
    try:
        _upgrade(engine)
    finally:
        engine.dispose()


@cache
def _head() -> str | None:
    """The latest migration's revision."""
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin on import
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    return head


def _revision(connection: sa.engine.Connection) -> str | None:
    """The database's migration, as Alembic records it (None: none yet)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    revision: str | None = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return revision


def _upgrade(engine: sa.engine.Engine) -> None:
    """Runs the migrations not yet applied. A database made by `create_all` before there were
    migrations (tables, no alembic_version) is adopted: the first migration adds only the tables
    it lacks and records itself, and the later ones follow."""
    with engine.begin() as connection:
        if _revision(connection) == _head():
            return  # what every start after the first finds
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        tables = set(sa.inspect(connection).get_table_names())
        if "alembic_version" not in tables and tables & set(metadata().tables):
            logger.info("Adopting %s, made before migrations, at the first migration", engine.url)
        command.upgrade(config, "head")


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


if __name__ == "__main__":  # python -m bot.database upgrade: the deployment's migration step
    import argparse

    import bot.database  # the module the models use (this file runs as __main__)

    parser = argparse.ArgumentParser(description="Migrations of the assistant's own database.")
    parser.add_argument(
        "command", choices=["upgrade"], help="bring KLANTENSERVICE_DB_URL to the latest migration"
    )
    parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for name in ("alembic.runtime.migration", __name__, "bot.database"):  # what is applied or adopted
        logging.getLogger(name).setLevel(logging.INFO)
    bot.database.upgrade()
    print(f"{bot.database.URL_VARIABLE}: at the latest migration")

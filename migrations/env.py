"""Alembic's environment for the assistant's own database (KLANTENSERVICE_DB_URL, not Rasa's tracker store).

`bot.database.upgrade()` hands in an open connection; the `alembic` command line (alembic.ini at the
project root) connects to KLANTENSERVICE_DB_URL or the default SQLite file. Only the tables of
`bot.database.metadata()` are compared and migrated: Rasa's tables may share the database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context

from bot import database

# One number for every process that migrates this database at once (PostgreSQL advisory lock).
MIGRATION_LOCK = 7_316_432_001

target_metadata = database.metadata()


def include_name(name: str | None, type_: Any, parent_names: Any) -> bool:
    return type_ != "table" or name in target_metadata.tables


def run_migrations(connection: sa.engine.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=include_name,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # a second server waits, then finds nothing to do
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


connection = context.config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(
        url=database.database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    run_migrations(connection)
else:
    engine = database.create_engine(upgrade=False)
    with engine.begin() as opened:
        run_migrations(opened)
    engine.dispose()

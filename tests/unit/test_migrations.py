"""The assistant's database is made and changed by the Alembic migrations (bot.database.upgrade)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot import database

FIRST = "0001_first"


def _config(connection: sa.engine.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(database.MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _head() -> str | None:
    return ScriptDirectory(str(database.MIGRATIONS)).get_current_head()


def _revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return revision


def _differences(url: str) -> list:
    """What alembic's autogenerate finds between the database and the code's tables."""
    metadata = database.metadata()
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _: kind != "table" or name in metadata.tables,
            },
        )
        differences = compare_metadata(context, metadata)
    engine.dispose()
    return differences


def _schema(url: str) -> dict:
    """Tables, columns (name, type, nullable), keys and indexes as the database reports them."""
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    schema = {
        table: {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            "primary": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)
            ),
        }
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }
    engine.dispose()
    return schema


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases of one kind: one for the migrations, one for create_all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}", f"sqlite:///{tmp_path / 'created.db'}"
        return
    server = sa.create_engine(request.getfixturevalue("postgres_url"), isolation_level="AUTOCOMMIT")
    names = [f"migrations_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with server.connect() as connection:
        for name in names:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = sa.engine.make_url(request.getfixturevalue("postgres_url"))
    try:
        yield tuple(str(base.set(database=name)) for name in names)  # type: ignore[misc]
    finally:
        with server.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_the_migrations_make_the_tables_that_create_all_makes(urls):
    migrated, created = urls
    database.upgrade(migrated)
    engine = sa.create_engine(created)
    database.metadata().create_all(engine)
    engine.dispose()

    assert _revision(migrated) == _head()
    assert _schema(migrated) == _schema(created)
    assert {"handoff_queue", "handoff_messages", "chat_presence", "agents", "cases"} <= set(_schema(migrated))
    assert _differences(migrated) == []


def test_a_database_at_the_first_migration_upgrades_to_the_latest(urls):
    url = urls[0]
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        command.upgrade(_config(connection), FIRST)
    engine.dispose()
    assert _revision(url) == FIRST

    database.upgrade(url)

    assert _revision(url) == _head()
    assert _differences(url) == []


def test_a_database_made_by_create_all_is_adopted_with_its_rows(urls):
    """Made before there were migrations, by a process that knew only some tables: nothing is lost."""
    url = urls[0]
    engine = sa.create_engine(url)
    metadata = database.metadata()
    metadata.tables["cases"].create(engine)
    with engine.begin() as connection:
        connection.execute(
            metadata.tables["cases"].insert(),
            {
                "reference": "RET-1",
                "case_type": "retour",
                "conversation_id": "klant-1",
                "fields": {},
                "status": "open",
                "created_at": database.utc(),
            },
        )
    engine.dispose()
    assert _revision(url) is None

    database.upgrade(url)
    database.upgrade(url)  # a second start finds nothing to do

    assert _revision(url) == _head()
    assert _differences(url) == []
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT reference FROM cases")).scalars().all() == ["RET-1"]
    engine.dispose()


def test_the_stores_engine_brings_a_fresh_file_to_the_latest_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'klantenservice.db'}"
    database.create_engine(url).dispose()
    assert _revision(url) == _head()
    memory = database.create_engine("sqlite://")
    assert "cases" in sa.inspect(memory).get_table_names()
    memory.dispose()


def test_without_the_migrations_the_comparison_finds_the_missing_tables(tmp_path):
    """The checks above can fail: an empty database differs from the code's tables."""
    differences = _differences(f"sqlite:///{tmp_path / 'empty.db'}")
    added = {difference[1].name for difference in differences if difference[0] == "add_table"}
    assert added == set(database.metadata().tables)

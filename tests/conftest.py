"""Shared test set-up: the test settings in the environment and the database servers."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env_defaults() -> dict[str, str]:
    """scripts/test_env.sh's variables, so that `pytest` alone behaves like `make test`."""
    output = subprocess.run(
        ["bash", "-c", f"source '{ROOT}/scripts/test_env.sh' && env -0"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    ).stdout
    pairs = (item.split("=", 1) for item in output.decode().split("\0") if "=" in item)
    return dict(pairs)


import tests.socketio_client  # noqa: E402,F401  (the tests' socket.io client on aiohttp 3.9)

if "RASA_TOKEN" not in os.environ:
    os.environ.update(_env_defaults())


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server on loopback for the whole test session (Debian's package)."""
    from scripts.db_servers import Postgres

    server = Postgres().start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def postgres_url(postgres_server) -> str:
    return postgres_server.url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Redis server on loopback for the whole test session (Debian's package)."""
    from scripts.db_servers import Redis

    server = Redis(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def show_figure(request: pytest.FixtureRequest):
    """Prints a measured figure on the terminal, also when pytest captures output (`make test`)."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def show(line: str) -> None:
        with capture.global_and_fixture_disabled():
            print(f"\n{line}", flush=True)

    return show

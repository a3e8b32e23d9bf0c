"""The real Rasa server and action server, started once for the whole test session."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from scripts.services import Services

# A Tuesday morning: the service is staffed. Tests that need another moment use `clock_at`.
DEFAULT_NOW = "2026-11-24T10:00:00"


class Assistant:
    """The running assistant as a REST client sees it."""

    def __init__(self, services: Services, tracker_db: Path) -> None:
        self.services = services
        self.tracker_db = tracker_db
        self.url = services.rasa_url
        self.token = services.env["RASA_TOKEN"]

    def say(self, sender: str, message: str) -> list[str]:
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=30
        )
        response.raise_for_status()
        return [item["text"] for item in response.json() if "text" in item]

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            f"{self.url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def stored_event_types(self, sender: str) -> list[str]:
        with sqlite3.connect(self.tracker_db) as db:
            rows = db.execute("SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,))
            return [row[0] for row in rows]

    def clock_at(self, moment: str) -> None:
        """Restarts the action server with its clock pinned at `moment`."""
        self.services.stop("actions")
        self.services.env["KLANTENSERVICE_NOW"] = moment
        self.services.start("actions")
        self.services.wait_ready("actions")


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    workdir = tmp_path_factory.mktemp("assistant")
    env = dict(os.environ)
    env["TRACKER_STORE_URL"] = f"sqlite:///{workdir / 'tracker.db'}"
    env["KLANTENSERVICE_DB_URL"] = f"sqlite:///{workdir / 'klantenservice.db'}"
    env["KLANTENSERVICE_NOW"] = DEFAULT_NOW
    running = Services(env=env, log_dir=workdir / "log")
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="session")
def assistant(services: Services) -> Assistant:
    return Assistant(services, Path(services.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")))


@pytest.fixture
def clock(assistant: Assistant) -> Iterator[Assistant]:
    """The assistant whose action-server clock a test may move; put back afterwards."""
    yield assistant
    if assistant.services.env.get("KLANTENSERVICE_NOW") != DEFAULT_NOW:
        assistant.clock_at(DEFAULT_NOW)

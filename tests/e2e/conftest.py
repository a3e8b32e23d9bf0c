"""The real Rasa server and action server, started once for the whole test session."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Playwright, sync_playwright

from bot.review import REVIEW_FILE_VARIABLE
from scripts.services import Services

# A Tuesday morning: the service is staffed. Tests that need another moment use `clock_at`.
DEFAULT_NOW = "2026-11-24T10:00:00"
# Debian's chromium, driven by Playwright in the browser tests.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


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


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright for the browser tests, one per test module."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install_chromium.sh (make test does)")
    with sync_playwright() as running:
        yield running


@pytest.fixture
def review_file(services: Services, tmp_path: Path) -> Iterator[Path]:
    """The web app restarted to write its review file in a temporary folder; put back afterwards."""
    path = tmp_path / "review" / "nlu_reviewed.yml"

    def restart(value: str | None) -> None:
        services.stop("web")
        if value is None:
            services.env.pop(REVIEW_FILE_VARIABLE, None)
        else:
            services.env[REVIEW_FILE_VARIABLE] = value
        services.start("web")
        services.wait_ready("web")

    restart(str(path))
    try:
        yield path
    finally:
        restart(None)

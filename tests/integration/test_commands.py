"""The command-line programs in their own process, as a team lead runs them: agent accounts
(`python -m bot.agents`, `make agent`) and the purge of old cases (`python -m bot.cases purge`); the web
app as `python -m webapp` starts it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.agents import MIN_PASSWORD_LENGTH, TEAM_LEAD, Agent, AgentStore
from bot.cases import CaseStore

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-paard-batterij"


def run_cli(db_url: str, *args: str, stdin: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KLANTENSERVICE_DB_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "bot.agents", *args],
        input=stdin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_add_creates_an_account_that_authenticates(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    done = run_cli(
        db_url,
        "add",
        "Jan",
        "--name",
        "Jan de Vries",
        "--role",
        TEAM_LEAD,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert "jan" in done.stdout
    store = AgentStore(db_url)
    try:
        assert store.authenticate("jan", PASSWORD) == Agent("jan", "Jan de Vries", TEAM_LEAD)
    finally:
        store.engine.dispose()


def test_cli_refuses_a_short_password_in_dutch(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    done = run_cli(db_url, "add", "jan", "--password-stdin", stdin="kort\n")
    assert done.returncode == 1
    assert f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens." in done.stderr
    assert "Traceback" not in done.stderr
    store = AgentStore(db_url)
    try:
        assert store.get("jan") is None
    finally:
        store.engine.dispose()


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cases.db'}"


@pytest.mark.parametrize("days", ["-1", "0", "zeven"])
def test_the_purge_command_refuses_a_retention_below_one_day(url, days, monkeypatch):
    monkeypatch.setenv("KLANTENSERVICE_DB_URL", url)
    store = CaseStore(url)
    closed = store.create("retour", "a", {})
    store.close(closed.reference)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cases", "purge", "--days", days],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--days" in result.stderr and (
        "at least 1 day" in result.stderr or "whole number" in result.stderr
    )
    assert store.get(closed.reference) is not None


def test_the_web_app_refuses_to_start_without_the_widget(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "WEBCHAT_BUNDLE": str(tmp_path / "missing.js"),
        "WEB_PORT": "0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "webapp"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "make setup" in result.stderr

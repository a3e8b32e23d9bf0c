"""The retention purge and the data-rights command in their own process, as the CronJob and a team
lead run them (`python -m bot.retention purge`, `python -m bot.data_rights`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.agents import TEAM_LEAD, AgentStore
from bot.cases import CaseStore
from bot.database import create_engine
from bot.tracker_events import tracker_engine
from tests.unit.data_rights_data import KLANT, SECRET, rows_about, store_conversations

ROOT = Path(__file__).resolve().parents[2]


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        input=stdin,
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_purge_command_deletes_old_cases_and_prints_counts_only(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    store = CaseStore(db_url)
    now = datetime.now(timezone.utc)
    old = store.create("klacht", "a", {"klacht_omschrijving": SECRET}, now=now - timedelta(days=91))
    kept = store.create("klacht", "b", {}, now=now - timedelta(days=89))
    env = {"KLANTENSERVICE_DB_URL": db_url, "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}"}
    done = run(env, "bot.retention", "purge")
    assert done.returncode == 0, done.stderr
    assert "cases: 1" in done.stdout
    assert SECRET not in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert store.get(old.reference) is None and store.get(kept.reference) is not None
    assert not (tmp_path / "tracker.db").exists()  # no tracker store yet: none is made
    store.engine.dispose()


def test_a_team_lead_exports_and_erases_from_the_command_line(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    engine = create_engine(db_url)
    AgentStore(engine=engine).add("tess", "tess-wachtwoord-1", role=TEAM_LEAD)
    stored = store_conversations(tmp_path / "tracker.db", engine)
    env = {"KLANTENSERVICE_DB_URL": db_url, "TRACKER_STORE_URL": stored.tracker_url}
    out = tmp_path / "klant.json"
    done = run(env, "bot.data_rights", "export", stored.case_reference, "--by", "tess", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["conversation_id"] == KLANT
    assert SECRET not in done.stdout + done.stderr  # the log says counts
    done = run(env, "bot.data_rights", "erase", stored.queue_reference, "--by", "tess", stdin="erase\n")
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    tracker = tracker_engine(stored.tracker_url)
    assert set(rows_about(KLANT, engine, tracker).values()) == {0}
    tracker.dispose()
    engine.dispose()

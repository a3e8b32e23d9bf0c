"""Customers' data in the agent console (webapp/data_rights.py), in process: only team leads, a CSRF
token on every POST, the search by reference, the JSON export, erasure only once confirmed; and
the web app's scheduled purge (webapp/retention.py)."""

from __future__ import annotations

import asyncio
import html
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.agents import TEAM_LEAD
from bot.cases import CaseStore
from bot.database import create_engine
from bot.tracker_events import tracker_engine
from tests.console_client import (
    ANNA,
    add_agents,
    cheap_bcrypt,
    console_config,
    logged_in,
    run_console,
    widget_bundle,
)
from tests.unit.data_rights_data import ANDER, KLANT, SECRET, Stored, rows_about, store_conversations
from webapp.config import PURGE_VARIABLE, WebConfig
from webapp.csrf import CSRF_REFUSED
from webapp.data_rights import NOT_CONFIRMED, TEAM_LEADS_ONLY

TESS = ("tess", "tess-wachtwoord-1")


@dataclass
class World:
    db_url: str
    bundle: Path
    stored: Stored

    def rows(self, conversation_id: str) -> dict[str, int]:
        engine, tracker = sa.create_engine(self.db_url), tracker_engine(self.stored.tracker_url)
        try:
            return rows_about(conversation_id, engine, tracker)
        finally:
            engine.dispose()
            tracker.dispose()


@pytest.fixture
def world(tmp_path, monkeypatch):
    cheap_bcrypt(monkeypatch)
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    add_agents(db_url, (ANNA, {}), (TESS, {"role": TEAM_LEAD, "display_name": "Tess"}))
    engine = create_engine(db_url)
    stored = store_conversations(tmp_path / "tracker.db", engine)
    engine.dispose()
    monkeypatch.setenv("TRACKER_STORE_URL", stored.tracker_url)
    return World(db_url, widget_bundle(tmp_path), stored)


def run(world: World, scenario, **config) -> None:
    run_console(replace(console_config(world.db_url, world.bundle), **config), scenario)


def test_an_agent_without_the_team_lead_role_gets_403_and_nothing_is_erased(world):
    async def scenario(client):
        csrf = await logged_in(client, ANNA)
        page = await client.get("/agent/gegevens")
        assert page.status == 403 and TEAM_LEADS_ONLY in await page.text()
        for path, form in (
            ("/agent/gegevens", {"zoek": KLANT}),
            ("/agent/gegevens/export", {"gesprek": KLANT}),
            ("/agent/gegevens/wissen", {"gesprek": KLANT, "bevestiging": "wissen"}),
        ):
            response = await client.post(path, data={"csrf": csrf, **form})
            text = await response.text()
            assert response.status == 403 and TEAM_LEADS_ONLY in text and SECRET not in text, path
        assert "/agent/gegevens" not in await (await client.get("/agent")).text()

    run(world, scenario)
    assert world.rows(KLANT)["events"] > 0 and world.rows(KLANT)["cases"] == 2


def test_a_post_without_the_csrf_token_is_refused_and_nothing_is_erased(world):
    async def scenario(client):
        await logged_in(client, TESS)
        for token in ({}, {"csrf": "verkeerd"}):
            for path, form in (
                ("/agent/gegevens/wissen", {"gesprek": KLANT, "bevestiging": "wissen"}),
                ("/agent/gegevens/export", {"gesprek": KLANT}),
                ("/agent/gegevens", {"zoek": KLANT}),
            ):
                response = await client.post(path, data={**token, **form})
                text = await response.text()
                assert response.status == 403 and CSRF_REFUSED in text and SECRET not in text, path

    run(world, scenario)
    assert world.rows(KLANT)["cases"] == 2 and world.rows(KLANT)["handoff_queue"] == 1


def test_a_team_lead_finds_exports_and_after_confirming_erases_a_conversation(world):
    stored = world.stored

    async def scenario(client):
        csrf = await logged_in(client, TESS)
        assert "/agent/gegevens" in await (await client.get("/agent")).text()
        found = await client.post(
            "/agent/gegevens", data={"csrf": csrf, "zoek": stored.case_reference.lower()}
        )
        page = html.unescape(await found.text())
        assert found.status == 200 and f"Gesprek {KLANT}" in page and f'value="{KLANT}"' in page
        assert "Zaken (retouren, klachten)</dt><dd>2</dd>" in page and SECRET not in page  # counts only
        exported = await client.post("/agent/gegevens/export", data={"csrf": csrf, "gesprek": KLANT})
        assert exported.status == 200 and "attachment" in exported.headers["Content-Disposition"]
        data = json.loads(await exported.text())
        assert SECRET in [event.get("text") for event in data["tracker_events"]]
        assert data["queue_entries"][0]["reference"] == stored.queue_reference
        assert len(data["cases"]) == 2
        unconfirmed = await client.post(
            "/agent/gegevens/wissen", data={"csrf": csrf, "gesprek": KLANT, "bevestiging": "ja"}
        )
        assert unconfirmed.status == 400 and html.unescape(NOT_CONFIRMED) in html.unescape(
            await unconfirmed.text()
        )
        assert world.rows(KLANT)["cases"] == 2
        erased = await client.post(
            "/agent/gegevens/wissen", data={"csrf": csrf, "gesprek": KLANT, "bevestiging": " Wissen "}
        )
        assert erased.status == 200 and "Gewist" in await erased.text()
        gone = await client.post("/agent/gegevens", data={"csrf": csrf, "zoek": stored.case_reference})
        assert gone.status == 404 and stored.case_reference in await gone.text()
        nothing = await client.post("/agent/gegevens", data={"csrf": csrf, "zoek": KLANT})
        text = await nothing.text()
        assert nothing.status == 404 and f"niets opgeslagen over gesprek {KLANT}" in text
        assert "Wissen</button>" not in text

    other = world.rows(ANDER)
    run(world, scenario)
    assert set(world.rows(KLANT).values()) == {0}
    assert world.rows(ANDER) == other


def test_the_web_app_purges_on_its_schedule(world):
    """The purge runs at start and then every purge_minutes, on the real clock and the periods of
    klantenservice.yml (90 days for cases)."""
    cases = CaseStore(world.db_url)
    now = datetime.now(timezone.utc)
    old = cases.create("klacht", "oud", {}, now=now - timedelta(days=91))
    recent = cases.create("klacht", "nieuw", {}, now=now - timedelta(days=89))

    async def scenario(client):
        for _ in range(100):
            if cases.get(old.reference) is None:
                break
            await asyncio.sleep(0.1)
        assert cases.get(old.reference) is None
        later = cases.create("klacht", "later", {}, now=now - timedelta(days=95))  # the next run's work
        for _ in range(100):
            if cases.get(later.reference) is None:
                break
            await asyncio.sleep(0.1)
        assert cases.get(later.reference) is None

    try:
        run(world, scenario, purge_minutes=0.01)
        assert cases.get(recent.reference) is not None
    finally:
        cases.engine.dispose()


def test_without_purge_minutes_the_web_app_purges_nothing(world):
    cases = CaseStore(world.db_url)
    old = cases.create("klacht", "oud", {}, now=datetime.now(timezone.utc) - timedelta(days=91))

    async def scenario(client):
        await logged_in(client, TESS)
        await asyncio.sleep(0.5)

    try:
        run(world, scenario)
        assert cases.get(old.reference) is not None
    finally:
        cases.engine.dispose()


def test_the_purge_interval_comes_from_the_environment():
    assert WebConfig.from_env({}).purge_minutes == 60
    assert WebConfig.from_env({PURGE_VARIABLE: "0"}).purge_minutes == 0
    for wrong in ("vaak", "-5", "100000"):
        with pytest.raises(ValueError, match=PURGE_VARIABLE):
            WebConfig.from_env({PURGE_VARIABLE: wrong})

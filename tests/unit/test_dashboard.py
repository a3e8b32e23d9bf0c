"""The team lead's dashboard (webapp/dashboard.py) in process: a generated week in a temporary
tracker store and assistant database, a team lead and an agent without the role."""

from __future__ import annotations

import csv
import io
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from bot.agents import TEAM_LEAD
from bot.insight import Insight
from bot.settings import DEFAULT_CONFIG_PATH
from tests.console_client import (
    ANNA,
    Scenario,
    add_agents,
    cheap_bcrypt,
    console_config,
    login,
    run_console,
    widget_bundle,
)
from tests.insight_data import WEEK, create_tracker_schema, write_store, write_tracker
from webapp import dashboard_charts
from webapp.auth import CONSOLE_POLICY, DATABASE_DOWN
from webapp.dashboard import TEAM_LEADS_ONLY, duration, percent

LEAD, AGENT = ("lotte", "lotte-wachtwoord-1"), ANNA
WEEK_QUERY = "from=2026-11-02&to=2026-11-08"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FRIDAY = '  vrijdag:   {open: "09:00", close: "18:00"}\n'
SHORT_FRIDAY = '  vrijdag:   {open: "09:30", close: "17:15"}\n'


@dataclass
class Site:
    db_url: str
    tracker_url: str
    bundle: Path


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    cheap_bcrypt(monkeypatch)
    db_url, tracker_url = (
        f"sqlite:///{tmp_path / 'klantenservice.db'}",
        f"sqlite:///{tmp_path / 'tracker.db'}",
    )
    agents = add_agents(
        db_url,
        (LEAD, {"display_name": "Lotte", "role": TEAM_LEAD}),
        (AGENT, {"display_name": "Anna de Vries"}),
    )
    tracker = sa.create_engine(tracker_url)
    create_tracker_schema(tracker)
    write_tracker(tracker, WEEK)
    write_store(agents.engine, WEEK)
    tracker.dispose()
    agents.engine.dispose()
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    config = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    assert FRIDAY in config  # the staffed minutes below are counted for this schedule
    (tmp_path / "klantenservice.yml").write_text(config.replace(FRIDAY, SHORT_FRIDAY), encoding="utf-8")
    monkeypatch.setenv("KLANTENSERVICE_CONFIG", str(tmp_path / "klantenservice.yml"))
    return Site(db_url, tracker_url, widget_bundle(tmp_path))


def run(site: Site, scenario: Scenario) -> None:
    run_console(console_config(site.db_url, site.bundle), scenario)


async def log_in(client: TestClient, user: tuple[str, str]) -> None:
    assert (await login(client, user)).status == 303


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# --- who may see it ----------------------------------------------------------------------------------

PATHS = (
    f"/agent/dashboard?{WEEK_QUERY}",
    f"/agent/dashboard.csv?{WEEK_QUERY}",
    f"/agent/dashboard/chart/intents.png?{WEEK_QUERY}",
    f"/agent/dashboard/chart/demand.png?{WEEK_QUERY}",
)


def test_without_a_login_every_dashboard_address_goes_to_the_login(site):
    async def scenario(client):
        for path in PATHS:
            response = await client.get(path, allow_redirects=False)
            assert response.status == 303 and response.headers["Location"] == "/agent/login", path

    run(site, scenario)


def test_an_agent_without_the_team_lead_role_gets_403_in_dutch(site):
    async def scenario(client):
        await log_in(client, AGENT)
        for path in PATHS:
            response = await client.get(path)
            assert response.status == 403, path
            assert await response.text() == TEAM_LEADS_ONLY + "\n"
        console = await (await client.get("/agent")).text()
        assert "/agent/dashboard" not in console

    run(site, scenario)


def test_the_console_header_links_team_leads_to_the_dashboard(site):
    async def scenario(client):
        await log_in(client, LEAD)
        console = await (await client.get("/agent")).text()
        assert '<a class="header-link" href="/agent/dashboard">Dashboard</a>' in console

    run(site, scenario)


# --- what a team lead sees ---------------------------------------------------------------------------


def test_a_team_lead_sees_the_figures_beside_the_charts_under_a_strict_policy(site):
    async def scenario(client):
        await log_in(client, LEAD)
        response = await client.get(f"/agent/dashboard?{WEEK_QUERY}")
        html = await response.text()
        assert response.status == 200 and '<html lang="nl">' in html
        assert response.headers["Content-Security-Policy"] == CONSOLE_POLICY
        assert "<script" not in html and "style=" not in html and not re.search(r"\son[a-z]+\s*=", html)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assert "Gesprekken 14 19 berichten van klanten" in text
        assert "Zelf opgelost 28,6% 4 van 14 gesprekken: geen medewerker gevraagd, geen zaak" in text
        assert "Niet begrepen 15,8% 3 berichten" in text and "Buiten het onderwerp 5,3% 1 bericht " in text
        assert "Medewerker gevraagd 3 tijdens openingstijden" in text
        assert "Buiten openingstijden 5 keer om een medewerker gevraagd; 3 vragen achtergelaten" in text
        assert "klacht 1 · retour 1" in text
        assert (
            "Wachttijd op een medewerker 6 min 00 s gemiddeld; 90% binnen 10 min 00 s (2 gesprekken)" in text
        )
        assert "Afgehaakt in de wachtrij 1 weggegaan voordat een medewerker het gesprek oppakte" in text
        assert "Behandeltijd 10 min 00 s gemiddeld; 90% binnen 10 min 00 s (1 gesprek)" in text
        assert (
            "Medewerker gevraagd medewerker_spreken 7 36,8%" in text
            and "Factuur factuur_vraag 4 21,1%" in text
        )
        assert 'value="2026-11-02"' in html and 'value="2026-11-08"' in html
        for chart in ("intents", "demand"):
            assert f'src="/agent/dashboard/chart/{chart}.png?from=2026-11-02&amp;to=2026-11-08"' in html
        assert 'href="/agent/dashboard.csv?from=2026-11-02&amp;to=2026-11-08"' in html
        tuesday = re.search(r"<tr><th scope=\"row\">Dinsdag</th>(.*?)</tr>", html).group(1)
        cells = re.findall(r'<td class="(\w+)">(\d*)</td>', tuesday)
        assert cells[14] == ("staffed", "1") and cells[8] == ("closed", "")
        assert cells[21] == ("closed", "1")  # asked at night, left before typing a question
        friday = re.search(r"<tr><th scope=\"row\">Vrijdag</th>(.*?)</tr>", html).group(1)
        assert [staffed for staffed, _ in re.findall(r'<td class="(\w+)">(\d*)</td>', friday)[8:19]] == [
            "closed",
            "partly",
        ] + ["staffed"] * 7 + ["partly", "closed"]

    run(site, scenario)


def test_the_charts_are_png_images(site):
    async def scenario(client):
        await log_in(client, LEAD)
        for chart in ("intents", "demand"):
            response = await client.get(f"/agent/dashboard/chart/{chart}.png?{WEEK_QUERY}")
            assert response.status == 200 and response.content_type == "image/png"
            width, height = png_size(await response.read())
            assert width >= 600 and height >= 250
        assert (await client.get(f"/agent/dashboard/chart/other.png?{WEEK_QUERY}")).status == 404

    run(site, scenario)


def test_the_csv_export_holds_the_right_values(site):
    async def scenario(client):
        await log_in(client, LEAD)
        response = await client.get(f"/agent/dashboard.csv?{WEEK_QUERY}")
        assert response.status == 200 and response.content_type == "text/csv"
        assert (
            response.headers["Content-Disposition"]
            == 'attachment; filename="klantenservice-cijfers-2026-11-02-tm-2026-11-08.csv"'
        )
        rows = list(csv.reader(io.StringIO(await response.text())))
        assert rows[0] == ["sleutel", "omschrijving", "waarde"]
        values = {key: value for key, _, value in rows[1:]}
        assert (values["conversations"], values["messages"], values["contained"]) == ("14", "19", "4")
        assert (values["handoffs_live"], values["handoffs_offline"], values["offline_questions"]) == (
            "3",
            "5",
            "3",
        )
        assert values["abandoned"] == "1"
        assert (values["cases.retour"], values["cases.klacht"]) == ("1", "1")
        assert values["wait_average_seconds"] == "360.0" and values["handling_p90_seconds"] == "600.0"
        assert (
            values["demand.1.14"] == "1"
            and values["demand.2.22"] == "2"
            and values["intent.nlu_fallback"] == "3"
        )
        staffed = {
            key: values[f"staffed_minutes.{key}"]
            for key in ("0.08", "0.09", "4.09", "4.17", "5.12", "5.13", "6.10")
        }
        assert staffed == {
            "0.08": "0",
            "0.09": "60",
            "4.09": "30",
            "4.17": "15",
            "5.12": "60",
            "5.13": "0",
            "6.10": "0",
        }

    run(site, scenario)


def test_the_period_defaults_to_the_last_7_days_and_a_wrong_one_is_explained(site, monkeypatch):
    monkeypatch.setenv("KLANTENSERVICE_NOW", "2026-11-08T15:00:00+01:00")

    async def scenario(client):
        await log_in(client, LEAD)
        html = await (await client.get("/agent/dashboard")).text()
        assert 'value="2026-11-02"' in html and 'value="2026-11-08"' in html and ">14<" in html
        wrong = await client.get("/agent/dashboard?from=2026-11-08&to=2026-11-02")
        assert wrong.status == 400
        assert "De einddatum ligt voor de begindatum. Je ziet nu de laatste 7 dagen." in await wrong.text()
        for path in (
            "/agent/dashboard.csv?from=30-11-2026",
            "/agent/dashboard/chart/demand.png?to=2026-13-01",
            "/agent/dashboard.csv?from=2024-01-01&to=2026-11-08",
        ):
            response = await client.get(path)
            text = await response.text()
            assert response.status == 400 and ("2026-11-30" in text or "hoogstens 366 dagen" in text), path

    run(site, scenario)


def test_a_page_and_its_images_count_the_figures_once(site, monkeypatch):
    counted = []
    real = Insight.figures
    monkeypatch.setattr(Insight, "figures", lambda self, *args: counted.append(args) or real(self, *args))

    async def scenario(client):
        await log_in(client, LEAD)
        for path in PATHS:
            assert (await client.get(path)).status == 200
        assert (await client.get("/agent/dashboard?from=2026-11-03&to=2026-11-08")).status == 200

    run(site, scenario)
    assert len(counted) == 2


def test_without_conversations_yet_the_page_shows_dashes(site, monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'nog-leeg.db'}")

    async def scenario(client):
        await log_in(client, LEAD)
        response = await client.get("/agent/dashboard?from=2026-12-01&to=2026-12-07")
        html = await response.text()
        assert response.status == 200 and "Geen berichten in deze periode." in html and "–" in html
        chart = await client.get("/agent/dashboard/chart/intents.png?from=2026-12-01&to=2026-12-07")
        image = await chart.read()
        assert image[:8] == PNG_SIGNATURE

    run(site, scenario)


def test_an_unreachable_tracker_store_gives_the_consoles_dutch_503_and_is_not_remembered(site, monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{site.bundle.parent / 'geen-map' / 'tracker.db'}")
    tries = []
    real = Insight.figures
    monkeypatch.setattr(Insight, "figures", lambda self, *args: tries.append(args) or real(self, *args))

    async def scenario(client):
        await log_in(client, LEAD)
        for _ in range(2):
            response = await client.get(f"/agent/dashboard?{WEEK_QUERY}")
            assert response.status == 503 and await response.text() == DATABASE_DOWN + "\n"

    run(site, scenario)
    assert len(tries) == 2  # the failure was not served from the cache


# --- the pieces ---------------------------------------------------------------------------------------


def test_dutch_numbers():
    assert percent(None) == "–" and percent(4 / 11) == "36,4%"
    assert duration(None) == "–" and duration(42.4) == "42 s" and duration(365) == "6 min 05 s"
    assert duration(3 * 3600 + 120) == "3 u 02 min"


def test_staffed_hours_become_outlined_blocks_with_their_minutes():
    day = [0] * 9 + [30] + [60] * 7 + [15] + [0] * 6
    assert dashboard_charts.staffed_blocks(day) == [(9.5, 17.25)]
    assert dashboard_charts.staffed_blocks([60] * 24) == [(0, 24)]
    assert dashboard_charts.staffed_blocks([0] * 24) == []
    split = [0] * 9 + [60] * 3 + [0] + [60] * 4 + [0] * 7
    assert dashboard_charts.staffed_blocks(split) == [(9, 12), (13, 17)]


def test_every_intent_of_the_domain_has_one_dutch_label_for_the_dashboard_and_the_inbox():
    import yaml

    from webapp import dashboard, review
    from webapp.labels import INTENT_LABELS

    domain = yaml.safe_load((DEFAULT_CONFIG_PATH.parent / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["intents"]) - set(INTENT_LABELS) == set()
    assert dashboard.intent_label is review.intent_label
    assert (INTENT_LABELS["annuleren"], INTENT_LABELS["overslaan"]) == ("Stoppen", "Overslaan")


# --- satisfaction ------------------------------------------------------------------------------------


def test_the_team_lead_sees_csat_side_by_side_per_agent_and_comments_escaped(site):
    from datetime import date, datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from bot.delivery import DeliveryStore
    from bot.handoff import HandoffQueue
    from bot.insight import period_of_days
    from bot.satisfaction import SatisfactionStore

    moment = datetime(2026, 11, 4, 10, 0, tzinfo=timezone.utc)
    queue = HandoffQueue(site.db_url)
    store, deliveries = SatisfactionStore(engine=queue.engine), DeliveryStore(engine=queue.engine)
    entry = queue.enqueue("csat-klant", "socketio", "retour", {}, now=moment)
    queue.claim(entry.id, "anna", now=moment + timedelta(seconds=30))
    deliveries.add_agent_message(entry.id, "anna", "Hoi!", now=moment + timedelta(seconds=75))
    queue.close(entry.id, "anna", now=moment + timedelta(minutes=10, seconds=30))
    store.ask_after_agent(entry.id, "csat-klant", "anna", "retour", now=moment + timedelta(minutes=11))
    store.rate("csat-klant", 4, now=moment + timedelta(minutes=12))
    store.add_comment("csat-klant", "<script>alert(1)</script> prima", now=moment + timedelta(minutes=12))
    for number, score in enumerate([5, 2, None]):
        store.ask_bot_only(f"csat-bot-{number}", "telefoonnummer", None, now=moment)
        if score:
            store.rate(f"csat-bot-{number}", score, now=moment)
    from bot.satisfaction import agent_figures
    from webapp.dashboard import duration as shown

    week = period_of_days(date(2026, 11, 2), date(2026, 11, 8), ZoneInfo("Europe/Amsterdam"))
    spans = store.agent_spans(*week)
    [anna_figures] = [row for row in agent_figures([], spans) if row.agent == "anna"]
    assert anna_figures.first_response == 45  # the only chat of the week with an answer from Anna
    queue.engine.dispose()

    async def as_agent(client):
        await log_in(client, AGENT)
        assert (await client.get(f"/agent/dashboard?{WEEK_QUERY}")).status == 403

    run(site, as_agent)

    async def scenario(client):
        await log_in(client, LEAD)
        html = await (await client.get(f"/agent/dashboard?{WEEK_QUERY}")).text()
        table = html[html.index('id="csat-table"') : html.index('id="agents-table"')]
        bot_row = re.search(r"Alleen de assistent</th>(.*?)</tr>", table).group(1)
        agent_row = re.search(r"Met een medewerker</th>(.*?)</tr>", table).group(1)
        assert re.findall(r'class="num">([^<]*)<', bot_row) == ["3,5", "50,0%", "2", "66,7%"]
        assert re.findall(r'class="num">([^<]*)<', agent_row) == ["4,0", "100,0%", "1", "100,0%"]
        agents = html[html.index('id="agents-table"') : html.index('id="comments-table"')]
        anna = re.search(r"Anna de Vries</th>(.*?)</tr>", agents).group(1)
        assert re.findall(r'class="num">([^<]*)<', anna) == [
            str(anna_figures.chats),
            "1",
            "4,0",
            "45 s",
            shown(anna_figures.handling),
        ]
        assert "&lt;script&gt;alert(1)&lt;/script&gt; prima" in html and "<script>alert" not in html
        assert 'id="topics-table"' in html

    run(site, scenario)

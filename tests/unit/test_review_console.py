"""The review inbox in the agent console (webapp/review.py), in process: roles, CSRF, the page
and labelling through the JSON API, on a tracker store filled by Rasa's SQLTrackerStore."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from aiohttp.test_utils import TestClient

from bot.agents import TEAM_LEAD
from bot.masking import EMAIL, IBAN
from bot.review import ReviewDecision, ReviewInbox, ReviewSettings
from tests.conftest import ROOT
from tests.console_client import (
    ANNA,
    Scenario,
    add_agents,
    cheap_bcrypt,
    console_config,
    logged_in,
    run_console,
    widget_bundle,
)
from tests.unit.review_data import BELLEN, POEN, T0, answer, conversations, fallback, fill, start, user
from webapp.auth import CONSOLE_POLICY, NOT_LOGGED_IN
from webapp.csrf import CSRF_REFUSED
from webapp.review import NOT_FOUND, REVIEW_KEY, TEAM_LEADS_ONLY

LEA = ("lea", "lea-wachtwoord-12")


@dataclass
class World:
    db_url: str
    review_file: Path
    bundle: Path
    tracker_url: str

    def event_id(self, text: str) -> int:
        engine = sa.create_engine(self.tracker_url)
        with engine.connect() as connection:
            found = connection.execute(
                sa.text("SELECT id FROM events WHERE type_name = 'user' AND data LIKE :t"),
                {"t": f'%"text": "{text}"%'},
            ).scalar_one()
        engine.dispose()
        return found


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    cheap_bcrypt(monkeypatch)
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    add_agents(
        db_url,
        (ANNA, {"display_name": "Anna de Vries"}),
        (LEA, {"display_name": "Lea Jansen", "role": TEAM_LEAD}),
    )
    review_file = tmp_path / "nlu_reviewed.yml"
    tracker_url = fill(tmp_path / "tracker.db", conversations())
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    monkeypatch.setenv("KLANTENSERVICE_REVIEW_FILE", str(review_file))
    monkeypatch.delenv("KLANTENSERVICE_REVIEW_THRESHOLD", raising=False)
    return World(db_url, review_file, widget_bundle(tmp_path), tracker_url)


def run(world: World, scenario: Scenario) -> None:
    run_console(console_config(world.db_url, world.bundle), scenario)


async def inbox(client: TestClient) -> dict:
    response = await client.get("/agent/api/review")
    assert response.status == 200
    return await response.json()


async def decide(client: TestClient, csrf: str, event_id: int, decision: object) -> tuple[int, dict]:
    response = await client.post(
        f"/agent/api/review/{event_id}", json={"decision": decision}, headers={"X-CSRF-Token": csrf}
    )
    return response.status, await response.json()


def test_without_a_session_the_page_redirects_and_the_api_answers_401(world):
    async def scenario(client):
        page = await client.get("/agent/review", allow_redirects=False)
        assert page.status == 303 and page.headers["Location"] == "/agent/login"
        for method in ("GET", "POST"):
            path = "/agent/api/review" if method == "GET" else "/agent/api/review/1"
            response = await client.request(method, path, headers={"X-CSRF-Token": "x"})
            assert response.status == 401 and (await response.json())["error"] == NOT_LOGGED_IN

    run(world, scenario)


def test_an_agent_without_the_team_lead_role_gets_403_in_dutch(world):
    async def scenario(client):
        csrf = await logged_in(client, ANNA)
        page = await client.get("/agent/review")
        assert page.status == 403 and TEAM_LEADS_ONLY in await page.text()
        listing = await client.get("/agent/api/review")
        assert listing.status == 403 and (await listing.json())["error"] == TEAM_LEADS_ONLY
        status, body = await decide(client, csrf, 1, "terugbetaling")
        assert status == 403 and body["error"] == TEAM_LEADS_ONLY
        console = await (await client.get("/agent")).text()
        assert "/agent/review" not in console

    run(world, scenario)
    assert not world.review_file.exists()


def test_the_page_is_dutch_with_the_consoles_strict_policy_and_no_inline_script(world):
    async def scenario(client):
        await logged_in(client, LEA)
        console = await (await client.get("/agent")).text()
        assert 'href="/agent/review"' in console and "Review-inbox" in console
        assert "(teamleider)" in console and "(medewerker)" not in console
        response = await client.get("/agent/review")
        html = await response.text()
        assert response.status == 200 and '<html lang="nl">' in html and "Lea Jansen" in html
        assert "zekerheid onder 75%" in html and "nlu_reviewed.yml" in html
        assert response.headers["Content-Security-Policy"] == CONSOLE_POLICY
        assert response.headers["Cache-Control"] == "no-store"
        assert re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S) == [
            (' src="/static/console.js" defer', ""),
            (' src="/static/review.js" defer', ""),
        ]
        assert not re.search(r"\son[a-z]+\s*=", html) and "style=" not in html
        for path, kind in (
            ("/static/console.js", "javascript"),
            ("/static/review.js", "javascript"),
            ("/static/review.css", "text/css"),
        ):
            static = await client.get(path)
            assert static.status == 200 and kind in static.headers["Content-Type"]

    run(world, scenario)


def test_review_js_puts_texts_in_the_page_as_text_only():
    # What the review page loads: the shared console.js, then review.js.
    script = "".join((ROOT / "webapp" / "static" / name).read_text() for name in ("console.js", "review.js"))
    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "http://",
        "https://",
        'setAttribute("style',
        ".style.",
    ):
        assert forbidden not in script
    assert script.count("textContent") >= 3
    assert '"X-CSRF-Token"' in script and 'credentials: "same-origin"' in script


def test_the_api_lists_the_inbox_with_masked_text_beside_the_original(world):
    async def scenario(client):
        await logged_in(client, LEA)
        data = await inbox(client)
        assert [m["conversation_id"] for m in data["messages"]] == ["eva", "dirk", "bram", "anna"]
        anna = data["messages"][-1]
        assert anna["text"] == POEN and anna["masked"] is True
        assert anna["masked_text"] == f"wnr krijg ik mn poen terug, rekening {IBAN}"
        assert (anna["intent"], anna["intent_label"], anna["confidence"]) == (
            "terugbetaling",
            "Terugbetaling",
            0.41,
        )
        assert (anna["reason"], anna["reason_label"]) == ("fallback", "Niet begrepen")
        assert anna["time"] == "2026-11-24T08:00:10+00:00" and anna["answered_by"] == "action_niet_begrepen"
        assert data["messages"][2]["masked"] is False
        assert data["next_before"] is None and data["threshold"] == 0.75
        names = [intent["name"] for intent in data["intents"]]
        assert "terugbetaling" in names and "out_of_scope" not in names and "nlu_fallback" not in names
        paged = await (await client.get("/agent/api/review?limit=2")).json()
        assert [m["conversation_id"] for m in paged["messages"]] == ["eva", "dirk"]
        rest = await (await client.get(f"/agent/api/review?limit=2&before={paged['next_before']}")).json()
        assert [m["conversation_id"] for m in rest["messages"]] == ["bram", "anna"]

    run(world, scenario)


def test_a_decision_without_the_csrf_token_is_refused(world):
    async def scenario(client):
        await logged_in(client, LEA)
        anna = (await inbox(client))["messages"][-1]
        for headers in ({}, {"X-CSRF-Token": "verkeerd"}):
            response = await client.post(
                f"/agent/api/review/{anna['id']}", json={"decision": "terugbetaling"}, headers=headers
            )
            assert response.status == 403 and (await response.json())["error"] == CSRF_REFUSED
        assert len((await inbox(client))["messages"]) == 4

    run(world, scenario)
    assert not world.review_file.exists()


def test_a_team_lead_labels_through_the_api_and_sees_the_refusals(world):
    async def scenario(client):
        csrf = await logged_in(client, LEA)
        messages = {m["conversation_id"]: m for m in (await inbox(client))["messages"]}
        status, body = await decide(client, csrf, messages["anna"]["id"], "terugbetaling")
        assert status == 200 and body["written"] is True and body["reviewed"] is True
        assert body["example"] == f"wnr krijg ik mn poen terug, rekening {IBAN}"
        assert "Toegevoegd aan nlu_reviewed.yml bij ‘terugbetaling’" in body["note"]
        status, body = await decide(client, csrf, messages["bram"]["id"], "out_of_scope")
        assert status == 200 and body["written"] is True
        status, body = await decide(client, csrf, messages["dirk"]["id"], "noise")
        assert status == 200 and body["written"] is False and "ruis" in body["note"]
        assert [m["conversation_id"] for m in (await inbox(client))["messages"]] == ["eva"]
        # Decided before: refused, and it stays out of the inbox.
        status, body = await decide(client, csrf, messages["anna"]["id"], "klacht")
        assert status == 409 and body["reviewed"] is True and "al beoordeeld door lea" in body["error"]
        # "hallo" is in data/nlu.yml under begroeten: another intent is a conflict, the same a duplicate.
        hallo = world.event_id("hallo")
        status, body = await decide(client, csrf, hallo, "afscheid")
        assert status == 409 and body["reviewed"] is False and "‘begroeten’" in body["error"]
        status, body = await decide(client, csrf, hallo, "begroeten")
        assert status == 409 and body["reviewed"] is True and "Niet nog een keer toegevoegd" in body["error"]
        # Wrong requests.
        status, body = await decide(client, csrf, messages["eva"]["id"], "geld_terug")
        assert status == 400 and "geen intent" in body["error"]
        for wrong in ("", None, 3):
            status, body = await decide(client, csrf, messages["eva"]["id"], wrong)
            assert status == 400 and body["error"].startswith("Kies een intent")
        status, body = await decide(client, csrf, 999999, "klacht")
        assert status == 404 and "bestaat niet" in body["error"]
        response = await client.post(
            f"/agent/api/review/{messages['eva']['id']}", data="geen json", headers={"X-CSRF-Token": csrf}
        )
        assert response.status == 400
        assert [m["text"] for m in (await inbox(client))["messages"]] == [BELLEN]

    run(world, scenario)
    written = yaml.safe_load(world.review_file.read_text())
    assert written["nlu"] == [
        {"intent": "out_of_scope", "examples": "- wie wint het wk voetbal\n"},
        {"intent": "terugbetaling", "examples": f"- wnr krijg ik mn poen terug, rekening {IBAN}\n"},
    ]
    assert "NL91ABNA0417164300" not in world.review_file.read_text()
    engine = sa.create_engine(world.db_url)
    with sa.orm.Session(engine) as session:
        decisions = session.scalars(sa.select(ReviewDecision).order_by(ReviewDecision.id)).all()
    engine.dispose()
    assert [(d.conversation_id, d.decision, d.written, d.reviewer) for d in decisions] == [
        ("anna", "terugbetaling", True, "lea"),
        ("bram", "out_of_scope", True, "lea"),
        ("dirk", "noise", False, "lea"),
        ("anna", "begroeten", False, "lea"),
    ]


def test_the_inbox_uses_the_consoles_database_for_its_decisions(world):
    async def scenario(client):
        settings = client.server.app[REVIEW_KEY].settings
        assert settings.db_url == world.db_url and settings.review_file == world.review_file

    run(world, scenario)


# --- the conversation around a message ---------------------------------------------------------------

MARKUP = "ik heb <b>betaald</b> <script>alert(1)</script>"
WHAT_NOW = "en nu? mail me op fien@example.nl"


def fien() -> list:
    """A customer with an earlier session, a message with markup, an answer that repeats an IBAN, a
    misunderstood message and one after it."""
    return [
        (
            "fien",
            start(T0 + 100)
            + [user("een vraag van vorige week", "factuur_vraag", 0.9, T0 + 101)]
            + answer("utter_factuur_vraag", T0 + 101, "Oude sessie"),
        ),
        (
            "fien",
            start(T0 + 200)
            + [user(MARKUP, "betaling_status", 0.95, T0 + 201)]
            + answer("action_betaling_status", T0 + 201, "Je betaling op NL91ABNA0417164300 is binnen."),
        ),
        (
            "fien",
            [fallback(WHAT_NOW, T0 + 210, "terugbetaling", 0.4)]
            + answer("action_niet_begrepen", T0 + 210, "Sorry, dat begreep ik niet."),
        ),
        (
            "fien",
            [user("laat maar", "afscheid", 0.97, T0 + 220)] + answer("utter_afscheid", T0 + 220, "Tot ziens"),
        ),
    ]


@pytest.fixture
def fien_world(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    world.tracker_url = fill(tmp_path / "tracker-fien.db", conversations() + fien())
    monkeypatch.setenv("TRACKER_STORE_URL", world.tracker_url)
    return world


async def conversation(client: TestClient, event_id: int) -> tuple[int, dict]:
    response = await client.get(f"/agent/api/review/{event_id}/conversation")
    return response.status, await response.json()


def test_only_a_team_lead_reads_the_conversation_of_a_message(world):
    anna = world.event_id("hallo")

    async def scenario(client):
        status, body = await conversation(client, anna)
        assert status == 401 and body["error"] == NOT_LOGGED_IN
        await logged_in(client, ANNA)
        status, body = await conversation(client, anna)
        assert status == 403 and body["error"] == TEAM_LEADS_ONLY and "turns" not in body

    run(world, scenario)


def test_the_conversation_shows_the_session_up_to_the_message_and_its_answer_masked(fien_world):
    asked = fien_world.event_id(WHAT_NOW)

    async def scenario(client):
        await logged_in(client, LEA)
        [listed] = [m for m in (await inbox(client))["messages"] if m["conversation_id"] == "fien"]
        assert listed["id"] == asked
        response = await client.get(f"/agent/api/review/{asked}/conversation")
        assert response.status == 200 and response.content_type == "application/json"
        body = await response.json()
        assert body["id"] == asked
        turns = [(t["speaker"], t["speaker_label"], t["text"], t["current"]) for t in body["turns"]]
        # Not the earlier session, not the customer's next message; the markup as text, for review.js
        # to put into the page with textContent.
        assert turns == [
            ("user", "Klant", MARKUP, False),
            ("bot", "Assistent", f"Je betaling op {IBAN} is binnen.", False),
            ("user", "Klant", f"en nu? mail me op {EMAIL}", True),
            ("bot", "Assistent", "Sorry, dat begreep ik niet.", False),
        ]
        assert body["turns"][2]["id"] == asked and body["turns"][2]["time"] == "2026-11-24T08:03:30+00:00"
        raw = await response.text()
        assert "fien@example.nl" not in raw and "NL91ABNA0417164300" not in raw

    run(fien_world, scenario)


def test_the_conversation_of_something_that_is_no_customer_message_is_404(fien_world):
    engine = sa.create_engine(fien_world.tracker_url)
    with engine.connect() as connection:
        bot_event = connection.execute(
            sa.text("SELECT min(id) FROM events WHERE type_name = 'bot'")
        ).scalar_one()
    engine.dispose()

    async def scenario(client):
        await logged_in(client, LEA)
        for event_id in (bot_event, 999999):
            status, body = await conversation(client, event_id)
            assert status == 404 and body["error"] == NOT_FOUND
        response = await client.get("/agent/api/review/abc/conversation")
        assert response.status == 404

    run(fien_world, scenario)


def test_the_conversation_is_cut_to_the_last_texts_before_the_message(fien_world):
    settings = replace(ReviewSettings.from_env(), db_url=fien_world.db_url)
    inbox_ = ReviewInbox(settings)
    try:
        asked = fien_world.event_id(WHAT_NOW)
        short = inbox_.conversation(asked, before=2, after=0)
        assert [(turn.speaker, turn.text) for turn in short] == [
            ("bot", f"Je betaling op {IBAN} is binnen."),
            ("user", f"en nu? mail me op {EMAIL}"),
        ]
        first = inbox_.conversation(fien_world.event_id("hallo"))
        assert [(turn.speaker, turn.text) for turn in first] == [("user", "hallo"), ("bot", "…")]
    finally:
        inbox_.close()

"""The agent console (webapp/auth.py, queue_api.py, cases.py) in process, with a temporary SQLite
database and a small real HTTP server standing in for the Rasa server's HTTP API, which records what
the console asks."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from bot.agent_sessions import SessionRecord, SessionStore
from bot.agents import AgentStore
from bot.cases import CaseStore
from bot.delivery import DeliveryStore
from bot.handoff import MAX_MESSAGE_LENGTH, OFFLINE, HandoffQueue
from bot.login_throttle import LoginThrottle
from bot.settings import Login
from tests.conftest import ROOT
from tests.console_client import (
    ANNA,
    add_agents,
    cheap_bcrypt,
    closed_port_url,
    console_client,
    console_config,
    logged_in,
    login,
    post_json,
    second_browser,
    use_login_rules,
    widget_bundle,
)
from webapp.auth import CONSOLE_POLICY, NOT_LOGGED_IN, WRONG_LOGIN
from webapp.config import WebConfig
from webapp.csrf import CSRF_REFUSED
from webapp.keys import CONSOLE_KEY
from webapp.labels import intent_label
from webapp.queue_api import TRANSCRIPT_UNAVAILABLE, entry_json, transcript

TOKEN = "test-rasa-token"
BRAM = ("bram", "bram-wachtwoord-1")
CID = "3f2a9c1e5b7d4e0f8a6b"


# --- the stand-in for Rasa's HTTP API ---------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class FakeRasa:
    """Answers like `rasa run --enable-api --auth-token TOKEN` for the three calls the console makes."""

    calls: list[Call] = field(default_factory=list)
    events: dict[str, list[dict]] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)  # what an executed action utters

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/conversations/{cid}/tracker", self.tracker)
        app.router.add_post("/conversations/{cid}/tracker/events", self.append)
        app.router.add_post("/conversations/{cid}/execute", self.execute)
        app.router.add_post("/webhooks/socketio/deliver", self.deliver)
        return app

    async def _record(self, request: web.Request) -> web.Response | None:
        """Records the call; the 401 response when the token is wrong. (A Response is falsy, being an
        empty mapping, hence the `is not None` below.)"""
        body = await request.json() if request.can_read_body else None
        self.calls.append(Call(request.method, request.path, dict(request.query), body))
        if request.query.get("token") != TOKEN:
            return web.json_response({"message": "User is not authenticated."}, status=401)
        return None

    async def tracker(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request)) is not None:
            return refused
        cid = request.match_info["cid"]
        return web.json_response({"sender_id": cid, "events": self.events.get(cid, [])})

    async def append(self, request: web.Request) -> web.Response:
        if (refused := await self._record(request)) is not None:
            return refused
        return web.json_response({"sender_id": request.match_info["cid"], "events": []})

    async def deliver(self, request: web.Request) -> web.Response:
        """Like channels/socketio.py: offers the waiting messages; the window acknowledges them."""
        if (refused := await self._record(request)) is not None:
            return refused
        return web.json_response({"offered": 1})

    async def execute(self, request: web.Request) -> web.Response:
        """Like Rasa: what the action said goes to the output channel if one is named, else back."""
        if (refused := await self._record(request)) is not None:
            return refused
        if request.query.get("output_channel"):
            return web.json_response({"tracker": {}})
        cid = request.match_info["cid"]
        return web.json_response(
            {"tracker": {}, "messages": [{"recipient_id": cid, "text": text} for text in self.said]}
        )

    def posts(self) -> list[Call]:
        return [call for call in self.calls if call.method == "POST"]


# --- the set-up -------------------------------------------------------------------------------------


@dataclass
class World:
    db_url: str
    queue: HandoffQueue
    agents: AgentStore
    bundle: Path

    @property
    def deliveries(self) -> DeliveryStore:
        return DeliveryStore(engine=self.queue.engine)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    cheap_bcrypt(monkeypatch)
    db_url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    agents = add_agents(db_url, (ANNA, {"display_name": "Anna de Vries"}), (BRAM, {"display_name": "Bram"}))
    return World(db_url, HandoffQueue(db_url), agents, widget_bundle(tmp_path))


Scenario = Callable[[TestClient, FakeRasa], Awaitable[None]]


def run(world: World, scenario: Scenario, rasa_down: bool = False) -> FakeRasa:
    """The web app and the fake Rasa server on one event loop for one scenario."""
    fake = FakeRasa()

    async def main() -> None:
        rasa = TestServer(fake.app())
        await rasa.start_server()
        try:
            url = closed_port_url() if rasa_down else str(rasa.make_url("")).rstrip("/")
            async with console_client(console_config(world.db_url, world.bundle, url, TOKEN)) as client:
                await scenario(client, fake)
        finally:
            await rasa.close()

    asyncio.run(main())
    return fake


def live_entry(world: World, channel: str = "socketio", cid: str = CID):
    return world.queue.enqueue(cid, channel, "retour", {"bestelnummer": "123456"})


# --- login and sessions -----------------------------------------------------------------------------


def test_without_a_session_pages_redirect_to_the_login_and_the_api_answers_401(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        for path in ("/agent", "/agent/"):
            response = await client.get(path, allow_redirects=False)
            assert response.status == 303
        assert (await client.get("/agent", allow_redirects=False)).headers["Location"] == "/agent/login"
        for method, path in (
            ("GET", "/agent/api/queue"),
            ("GET", f"/agent/api/entries/{entry.id}"),
            ("POST", f"/agent/api/entries/{entry.id}/claim"),
            ("POST", f"/agent/api/entries/{entry.id}/messages"),
            ("POST", f"/agent/api/entries/{entry.id}/close"),
        ):
            response = await client.request(method, path, headers={"X-CSRF-Token": "x"})
            assert response.status == 401, path
            assert (await response.json())["error"] == NOT_LOGGED_IN
        client.session.cookie_jar.update_cookies(
            {"agent_session": "made-up"}, URL(str(client.make_url("/agent")))
        )
        assert (await client.get("/agent/api/queue")).status == 401

    run(world, scenario)
    assert world.queue.get(entry.id).status == "waiting"


def test_the_login_page_is_dutch_and_a_login_sets_a_strict_session_cookie(world):
    async def scenario(client, fake):
        form = await client.get("/agent/login")
        html = await form.text()
        assert form.status == 200 and '<html lang="nl">' in html and "Gebruikersnaam" in html
        assert form.headers["Content-Security-Policy"] == CONSOLE_POLICY
        assert "<script" not in html
        response = await login(client, ANNA)
        assert response.status == 303 and response.headers["Location"] == "/agent"
        cookie = next(
            value for value in response.headers.getall("Set-Cookie") if value.startswith("agent_session=")
        )
        token = cookie.split(";")[0].split("=", 1)[1]
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path=/agent", "samesite=strict"} <= attributes
        assert len(token) >= 40
        with sa.orm.Session(world.agents.engine) as session:  # only the token's hash is stored
            stored = session.scalars(sa.select(SessionRecord.token_hash)).all()
        assert len(stored) == 1 and token not in stored[0]
        page = await client.get("/agent")
        assert page.status == 200 and "Anna de Vries" in await page.text()
        again = await client.get("/agent/login", allow_redirects=False)  # logged in already
        assert again.status == 303 and again.headers["Location"] == "/agent"

    run(world, scenario)


def test_a_wrong_password_and_an_unknown_user_get_the_same_dutch_message(world):
    async def scenario(client, fake):
        for user in (("anna", "niet-het-wachtwoord"), ("onbekend", "anna-wachtwoord-1")):
            response = await login(client, user)
            assert response.status == 401
            html = await response.text()
            assert WRONG_LOGIN in html
            assert not any(
                value.startswith("agent_session=") for value in response.headers.getall("Set-Cookie")
            )
        assert (await client.get("/agent/api/queue")).status == 401

    run(world, scenario)


def test_after_three_failures_the_name_waits_with_a_dutch_429_and_other_names_do_not(
    world, tmp_path, monkeypatch
):
    use_login_rules(monkeypatch, tmp_path, free_failures=3, first_delay_seconds=60)

    async def scenario(client, fake):
        statuses = [(await login(client, ("anna", f"fout-{n}"))).status for n in range(4)]
        assert statuses == [401, 401, 401, 429]
        waiting = await login(client, ANNA)  # the right password waits too, and is not checked
        text = await waiting.text()
        assert waiting.status == 429 and "je kunt het over" in text and "seconden opnieuw proberen" in text
        assert 50 <= int(waiting.headers["Retry-After"]) <= 60
        assert (await login(client, BRAM)).status == 303  # other names are not affected

    run(world, scenario)
    store = LoginThrottle(Login(), world.db_url)
    later = datetime.now(timezone.utc) + timedelta(seconds=61)
    assert store.refused_until("anna", "127.0.0.1") is not None
    assert store.refused_until("anna", "127.0.0.1", now=later) is None
    assert store.refused_until("anna", "127.0.0.9") is None  # only from the address that guessed


def test_the_login_form_needs_its_csrf_token(world):
    async def scenario(client, fake):
        await client.get("/agent/login")  # the cookie half, without the form's half
        response = await client.post(
            "/agent/login", data={"username": ANNA[0], "password": ANNA[1]}, allow_redirects=False
        )
        assert response.status == 403
        forged = await client.post(
            "/agent/login",
            data={"csrf": "forged", "username": ANNA[0], "password": ANNA[1]},
            allow_redirects=False,
        )
        assert forged.status == 403
        assert (await client.get("/agent/api/queue")).status == 401

    run(world, scenario)


def test_a_post_without_the_csrf_token_is_refused_with_403(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        claim = f"/agent/api/entries/{entry.id}/claim"
        for headers in ({}, {"X-CSRF-Token": "wrong"}):
            response = await client.post(claim, headers=headers)
            assert response.status == 403
            assert (await response.json())["error"] == CSRF_REFUSED
        assert (await client.post("/agent/logout", data={}, allow_redirects=False)).status == 403
        assert (await client.get("/agent/api/queue")).status == 200  # still logged in
        response = await client.post("/agent/logout", data={"csrf": csrf}, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/agent/login"
        assert (await client.get("/agent/api/queue")).status == 401

    run(world, scenario)
    assert world.queue.get(entry.id).status == "waiting"


def test_sessions_end_after_12_hours():
    store = SessionStore("sqlite://")
    start = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
    session = store.create("anna", now=start)
    assert store.get(session.token, now=start + timedelta(hours=11, minutes=59)).username == "anna"
    assert store.get(session.token, now=start + timedelta(hours=12)) is None
    assert store.get("made-up") is None and store.get(None) is None
    store.delete(session.token)
    assert store.get(session.token, now=start) is None


# --- the page and the queue -------------------------------------------------------------------------


def test_the_console_page_is_dutch_with_a_strict_policy_and_no_inline_script(world):
    async def scenario(client, fake):
        await logged_in(client, ANNA)
        response = await client.get("/agent")
        html = await response.text()
        assert (
            '<html lang="nl">' in html and "Wachtrij" in html and "Oppakken" in html and "Afsluiten" in html
        )
        assert "(medewerker)" in html and "(teamleider)" not in html
        assert response.headers["Cache-Control"] == "no-store"
        policy = response.headers["Content-Security-Policy"]
        assert (
            "script-src 'self';" in policy and "unsafe-eval" not in policy and "unsafe-inline" not in policy
        )
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
        assert [attributes for attributes, _ in scripts] == [
            f' src="/static/{name}.js" defer'
            for name in ("console", "alerts", "quick_replies", "transfer", "agent")
        ]
        assert all(not body for _, body in scripts)
        assert not re.search(r"\son[a-z]+\s*=", html)
        for path, kind in (
            ("/static/console.js", "javascript"),
            ("/static/agent.js", "javascript"),
            ("/static/alerts.js", "javascript"),
            ("/static/quick_replies.js", "javascript"),
            ("/static/agent.css", "text/css"),
        ):
            static = await client.get(path)
            assert static.status == 200 and kind in static.headers["Content-Type"]

    run(world, scenario)


def test_the_queue_lists_open_entries_and_marks_the_agent_online(world):
    live = live_entry(world)
    offline = world.queue.enqueue(
        "other", "rest", "factuur_vraag", {"vraag": "Waar blijft mijn factuur?"}, OFFLINE
    )

    async def scenario(client, fake):
        await logged_in(client, ANNA)
        assert world.agents.online_count(timedelta(minutes=1)) == 0
        response = await client.get("/agent/api/queue")
        data = await response.json()
        assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
        assert data["agent"] == {"username": "anna", "display_name": "Anna de Vries", "role": "agent"}
        by_id = {item["id"]: item for item in data["entries"]}
        assert list(by_id) == [live.id, offline.id]
        assert by_id[live.id]["mode"] == "live" and by_id[live.id]["mode_label"] == "live"
        assert by_id[offline.id]["mode_label"] == "buiten openingstijden"
        assert by_id[live.id]["reference"] == live.reference and by_id[live.id]["reason"] == "retour"
        assert by_id[live.id]["status"] == "waiting" and by_id[live.id]["agent"] is None
        assert by_id[live.id]["waiting_seconds"] >= 0 and by_id[live.id]["queued_at"].endswith("+00:00")
        assert world.agents.online_count(timedelta(minutes=1)) == 1

    run(world, scenario)


def test_the_queue_names_a_reason_as_the_dashboard_and_the_review_inbox_name_the_intent(world):
    reasons = ("klacht_escaleren", "email_contact", "out_of_scope", "nieuwe_reden")
    for n, reason in enumerate(reasons):
        world.queue.enqueue(f"klant-{n}", "rest", reason, {}, OFFLINE)

    async def scenario(client, fake):
        await logged_in(client, ANNA)
        entries = (await (await client.get("/agent/api/queue")).json())["entries"]
        assert [entry["reason_label"] for entry in entries] == [
            "Klacht escaleren",
            "E-mail of contactformulier",
            "Buiten het onderwerp",
            "Nieuwe reden",
        ]
        assert [entry["reason_label"] for entry in entries] == [intent_label(reason) for reason in reasons]

    run(world, scenario)


def test_the_entry_shows_details_cases_and_the_transcript_as_plain_text(world):
    entry = world.queue.enqueue(CID, "socketio", "retour", {"vraag": "<b>Waar</b> is mijn pakket?"}, OFFLINE)
    CaseStore(world.db_url).create("retour", CID, {"webshop": "Zalando", "bestelnummer": "123456"})
    script = "<script>alert('hoi')</script>"

    async def scenario(client, fake):
        fake.events[CID] = [
            {"event": "action", "name": "action_session_start", "timestamp": 1764000000.0},
            {"event": "user", "text": script, "timestamp": 1764000001.0, "parse_data": {}},
            {"event": "bot", "text": "Ik verbind je door.", "timestamp": 1764000002.0, "metadata": {}},
            {
                "event": "bot",
                "text": "Hoi, met Bram.",
                "timestamp": 1764000003.0,
                "metadata": {"medewerker": "Bram", "bericht_id": 7},
            },
            {"event": "slot", "name": "x", "value": 1, "timestamp": 1764000004.0},
        ]
        await logged_in(client, ANNA)
        response = await client.get(f"/agent/api/entries/{entry.id}")
        data = await response.json()
        assert response.status == 200
        assert data["entry"]["details"] == [
            {"name": "vraag", "label": "Vraag van de klant", "value": "<b>Waar</b> is mijn pakket?"}
        ]
        assert [case["type"] for case in data["cases"]] == ["retour"]
        assert {"name": "webshop", "label": "Webshop", "value": "Zalando"} in data["cases"][0]["fields"]
        assert data["cases"][0]["reference"].startswith("RET-")
        assert data["transcript_error"] is None
        assert [(line["who"], line["text"]) for line in data["transcript"]] == [
            ("klant", script),
            ("assistent", "Ik verbind je door."),
            ("medewerker", "Hoi, met Bram."),
        ]
        assert data["transcript"][0]["time"] == "2025-11-24T16:00:01+00:00"
        assert data["transcript"][2]["name"] == "Bram"
        assert data["transcript"][2]["message_id"] == 7  # its delivery is in data["messages"]
        assert "message_id" not in data["transcript"][1]
        assert (await client.get("/agent/api/entries/999999")).status == 404

    fake = run(world, scenario)
    assert fake.calls[0].path == f"/conversations/{CID}/tracker"
    assert fake.calls[0].query == {"token": TOKEN}


def test_agent_js_puts_texts_in_the_page_as_text_only():
    # What the console page loads: console.js, the alerts, quick replies, transfer, then agent.js.
    names = ("console.js", "alerts.js", "quick_replies.js", "transfer.js", "agent.js")
    script = "".join((ROOT / "webapp" / "static" / name).read_text() for name in names)
    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "http://",
        "https://",
    ):
        assert forbidden not in script
    assert script.count("textContent") >= 3
    assert '"X-CSRF-Token"' in script and 'credentials: "same-origin"' in script
    assert "POLL_MS = 2500" in script


# --- claiming and answering -------------------------------------------------------------------------


def test_when_two_agents_claim_at_once_one_gets_it_and_the_other_409(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        anna_csrf = await logged_in(client, ANNA)
        async with second_browser(client) as bram:
            bram_csrf = await logged_in(bram, BRAM)
            path = f"/agent/api/entries/{entry.id}/claim"
            results = await asyncio.gather(
                post_json(client, path, anna_csrf), post_json(bram, path, bram_csrf)
            )
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 409]
        winner = next(data for status, data in results if status == 200)
        loser = next(data for status, data in results if status == 409)
        assert winner["entry"]["status"] == "with_agent" and winner["entry"]["mine"] is True
        assert loser["error"] == f"Dit gesprek is al opgepakt door {winner['entry']['agent']}."

    run(world, scenario)
    assert world.queue.get(entry.id).agent in ("anna", "bram")


def test_empty_or_too_long_messages_are_refused(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        path = f"/agent/api/entries/{entry.id}/messages"
        status, data = await post_json(client, path, csrf, {"text": "Hallo"})
        assert status == 409 and data["error"] == "Pak het gesprek eerst op."
        await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        for body in (
            {"text": "   "},
            {"text": "x" * (MAX_MESSAGE_LENGTH + 1)},
            {"tekst": "Hallo"},
            ["Hallo"],
        ):
            status, data = await post_json(client, path, csrf, body)
            assert status == 400 and data["error"], body
        assert (
            "hoogstens 4000 tekens" in (await post_json(client, path, csrf, {"text": "x" * 4001}))[1]["error"]
        )
        response = await client.post(path, data="geen json", headers={"X-CSRF-Token": csrf})
        assert response.status == 400

    fake = run(world, scenario)
    assert world.deliveries.messages(CID) == []
    assert [call.path for call in fake.posts()] == [f"/conversations/{CID}/execute"]  # the join action


def test_a_message_is_recorded_then_offered_to_the_chat_window_and_waits_for_its_acknowledgement(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        status, data = await post_json(
            client, f"/agent/api/entries/{entry.id}/messages", csrf, {"text": "  Hoi, ik kijk even mee.  "}
        )
        assert status == 200
        assert data["delivered"] is False and data["message"]["text"] == "Hoi, ik kijk even mee."
        assert data["message"]["delivery_label"] == "wacht op de klant"
        assert "zodra de chat van de klant het heeft getoond" in data["note"]
        world.deliveries.acknowledge(CID, [data["message"]["id"]])  # what the chat window does
        data = await (await client.get(f"/agent/api/entries/{entry.id}")).json()
        assert [(m["text"], m["delivery_label"]) for m in data["messages"]] == [
            ("Hoi, ik kijk even mee.", "afgeleverd")
        ]

    fake = run(world, scenario)
    join, record, offer = fake.posts()
    [message] = world.deliveries.messages(CID)
    assert join.body == {"name": "action_handoff_overgenomen"}
    assert record.path == f"/conversations/{CID}/tracker/events"
    assert record.query == {"token": TOKEN}  # recorded, not pushed: the channel delivers it
    assert record.body == {
        "event": "bot",
        "text": "Hoi, ik kijk even mee.",
        "metadata": {"medewerker": "Anna de Vries", "bericht_id": message.id},
    }
    assert (offer.path, offer.query, offer.body) == (
        "/webhooks/socketio/deliver",
        {"token": TOKEN},
        {"conversation_id": CID},
    )
    assert (message.author, message.author_name) == ("anna", "Anna de Vries") and message.delivered_at


def test_a_rest_customers_message_is_only_recorded_and_waits_for_their_next_answer(world):
    entry = live_entry(world, "rest")

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        status, data = await post_json(
            client, f"/agent/api/entries/{entry.id}/messages", csrf, {"text": "Hallo"}
        )
        assert status == 200 and data["delivered"] is False and data["recorded"] is True

    fake = run(world, scenario)
    assert [call.path for call in fake.posts()][1:] == [f"/conversations/{CID}/tracker/events"]
    [message] = world.deliveries.messages(CID)
    assert message.delivered_at is None  # the REST channel hands it over with the next answer


def test_claiming_a_live_entry_delivers_the_join_message_in_the_agents_name(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        fake.said = ["Je chat nu met Anna de Vries van de klantenservice."]
        csrf = await logged_in(client, ANNA)
        status, data = await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        assert status == 200 and [m["text"] for m in data["joined"]] == fake.said

    fake = run(world, scenario)
    execute, offer = fake.posts()
    assert execute.query == {"token": TOKEN, "include_events": "NONE"}  # no output channel
    assert offer.path == "/webhooks/socketio/deliver"
    [joined] = world.deliveries.messages(CID)
    assert (joined.kind, joined.author, joined.author_name) == ("overgenomen", "assistent", "Anna de Vries")


VOORBIJ = "Het gesprek met de medewerker is afgelopen. Je chat weer met mij, de digitale assistent."


def test_closing_a_live_entry_delivers_the_goodbye_exactly_like_an_answer(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        close = f"/agent/api/entries/{entry.id}/close"
        status, data = await post_json(client, close, csrf)
        assert status == 409 and data["error"] == "Pak het gesprek eerst op."
        await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        async with second_browser(client) as bram:
            bram_csrf = await logged_in(bram, BRAM)
            status, data = await post_json(bram, close, bram_csrf)
            assert status == 409 and data["error"] == "Dit gesprek is opgepakt door anna."
        fake.said = [VOORBIJ]
        status, data = await post_json(client, close, csrf)
        assert status == 200 and data["entry"]["status"] == "closed" and data["recorded"] is True
        assert "zodra de chat van de klant het heeft getoond" in data["note"]
        status, data = await post_json(client, close, csrf)
        assert status == 409 and data["error"] == "Dit gesprek is al afgesloten."

    fake = run(world, scenario)
    *_, execute, offer = fake.posts()
    assert execute.path == f"/conversations/{CID}/execute"
    assert execute.query == {"token": TOKEN, "include_events": "NONE"}
    assert execute.body == {"name": "action_handoff_beeindigen"}
    assert offer.path == "/webhooks/socketio/deliver"
    assert world.queue.get(entry.id).closed_by == "medewerker"
    [goodbye] = world.deliveries.messages(CID)
    assert (goodbye.author, goodbye.kind, goodbye.text, goodbye.delivered_at) == (
        "assistent",
        "afgelopen",
        VOORBIJ,
        None,
    )


def test_a_customer_who_went_away_shows_as_weg_and_is_taken_off_without_a_message(world):
    long_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    entry = world.queue.enqueue(CID, "socketio", "retour", {"vraag": "Waar blijft mijn geld?"}, now=long_ago)
    there = live_entry(world, cid="nog-hier")

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        entries = {e["id"]: e for e in (await (await client.get("/agent/api/queue")).json())["entries"]}
        assert (entries[entry.id]["gone"], entries[entry.id]["status_label"]) == (True, "weg")
        assert (entries[there.id]["gone"], entries[there.id]["status_label"]) == (False, "wacht")
        status, data = await post_json(client, f"/agent/api/entries/{there.id}/weg", csrf)
        assert status == 409 and "er nog" in data["error"]
        status, data = await post_json(client, f"/agent/api/entries/{entry.id}/weg", csrf)
        assert status == 200 and data["entry"]["status"] == "closed" and "geen bericht" in data["note"]

    fake = run(world, scenario)
    assert fake.posts() == []  # nothing said to the customer
    closed = world.queue.get(entry.id)
    assert (closed.closed_by, closed.details) == ("weg", {"vraag": "Waar blijft mijn geld?"})
    assert world.deliveries.messages(CID) == []


def test_closing_an_answered_offline_question_leaves_a_newer_live_handoff_alone(world):
    offline = world.queue.enqueue(CID, "socketio", "factuur_vraag", {"vraag": "Klopt mijn factuur?"}, OFFLINE)
    world.queue.claim(offline.id, "anna")
    world.deliveries.add_agent_message(offline.id, "anna", "Ja, die klopt.")
    live = live_entry(world)  # the customer asks for a person again, now live

    async def scenario(client, fake):
        fake.said = [VOORBIJ]
        csrf = await logged_in(client, ANNA)
        status, data = await post_json(client, f"/agent/api/entries/{offline.id}/close", csrf)
        assert status == 200 and data["entry"]["status"] == "closed"
        assert (data["recorded"], data["delivered"]) == (False, False)
        assert "geen bericht" in data["note"]

    fake = run(world, scenario)
    assert fake.posts() == []  # no end action, no goodbye: the live handoff goes on
    assert world.queue.get(live.id).status == "waiting"
    assert world.queue.live_entry(CID).id == live.id
    assert [m.text for m in world.deliveries.messages(CID)] == ["Ja, die klopt."]


def test_closing_without_handled_cases_leaves_every_case_open(world):
    cases = CaseStore(world.db_url)
    retour = cases.create("retour", CID, {"webshop": "Zalando"})
    entry = world.queue.enqueue(CID, "socketio", "retour", {}, OFFLINE)

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        status, data = await post_json(client, f"/agent/api/entries/{entry.id}/close", csrf)
        assert status == 200 and data["cases_closed"] == []

    fake = run(world, scenario)
    assert cases.get(retour.reference).status == "open"  # the agent never handled the return
    # The closed question is the conversation's latest: its reactions end, the bot has the chat again.
    [slot] = [call.body for call in fake.posts() if call.path.endswith("/tracker/events")]
    assert slot == {"event": "slot", "name": "handoff_vervolg", "value": False}


def test_closing_closes_only_the_cases_the_agent_marked_as_handled(world):
    cases = CaseStore(world.db_url)
    start = datetime.now(timezone.utc) - timedelta(minutes=10)
    handled = cases.create("retour", CID, {"webshop": "Zalando"}, now=start)
    untouched = cases.create("klacht", CID, {"klacht_betreft": "factuur"}, now=start)
    elsewhere = cases.create("retour", "iemand-anders", {"webshop": "bol.com"}, now=start)
    entry = world.queue.enqueue(CID, "socketio", "retour", {}, OFFLINE, now=start + timedelta(minutes=1))

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        for wrong in ({"cases": [elsewhere.reference]}, {"cases": "RET-ALLES"}, [handled.reference]):
            status, data = await post_json(client, f"/agent/api/entries/{entry.id}/close", csrf, wrong)
            assert status == 400 and ("zaak" in data["error"] or "zaken" in data["error"]), wrong
        assert world.queue.get(entry.id).status == "with_agent"  # refused: nothing closed
        status, data = await post_json(
            client, f"/agent/api/entries/{entry.id}/close", csrf, {"cases": [handled.reference.lower()]}
        )
        assert status == 200 and data["cases_closed"] == [handled.reference]

    run(world, scenario)
    closed = cases.get(handled.reference)
    assert closed.status == "closed" and closed.closed_at is not None
    assert cases.get(untouched.reference).status == "open"
    assert cases.get(elsewhere.reference).status == "open"


def test_the_transcript_leaves_out_the_widgets_start_message_and_buttons():
    events = [
        {"event": "user", "text": "/begroeten", "timestamp": 1.0},
        {"event": "bot", "text": "Hoi!", "timestamp": 1.1},
        {"event": "user", "text": "/gesprek_beeindigen", "timestamp": 2.0},
        {"event": "user", "text": "/ ik typ zelf een schuine streep", "timestamp": 3.0},
    ]
    assert [(line["who"], line["text"]) for line in transcript({"events": events})] == [
        ("assistent", "Hoi!"),
        ("klant", "/ ik typ zelf een schuine streep"),
    ]


def test_an_entry_left_by_the_customer_or_with_a_new_reaction_says_so(world):
    entry = live_entry(world)
    world.queue.claim(entry.id, "anna")
    left = world.queue.leave(CID)
    assert entry_json(left, "anna", datetime.now(timezone.utc))["status_label"] == "klant is weggegaan"
    offline = world.queue.enqueue("klant-2", "rest", "factuur_vraag", {}, OFFLINE)
    world.queue.claim(offline.id, "anna")
    world.deliveries.add_agent_message(offline.id, "anna", "Opgelost.")
    again = world.queue.add_reaction(
        "klant-2", offline.reference, "Nee hoor", timedelta(days=7), lambda n: True
    )
    shown = entry_json(again, "anna", datetime.now(timezone.utc))
    assert (shown["status_label"], shown["alert"], shown["mine"]) == ("nieuwe reactie", True, True)


# --- the case lookup --------------------------------------------------------------------------------


def test_the_case_lookup_needs_a_login(world):
    case = CaseStore(world.db_url).create("retour", CID, {"webshop": "Zalando"})

    async def scenario(client, fake):
        response = await client.get(f"/agent/zaken?referentie={case.reference}", allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/agent/login"
        assert "Zalando" not in await response.text()

    run(world, scenario)


def test_the_case_lookup_shows_a_case_by_its_reference(world):
    filed = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
    case = CaseStore(world.db_url).create(
        "retour",
        CID,
        {"webshop": "Zalando", "bestelnummer": "123456", "trackingnummer": "3SABCD1234567"},
        now=filed,
    )

    async def scenario(client, fake):
        await logged_in(client, ANNA)
        assert 'href="/agent/zaken"' in await (await client.get("/agent")).text()
        response = await client.get("/agent/zaken", params={"referentie": f"  {case.reference.lower()} "})
        html = await response.text()
        assert response.status == 200
        assert response.headers["Content-Security-Policy"] == CONSOLE_POLICY
        assert f"{case.reference} · Retour" in html
        for shown in (
            "<dd>open</dd>",
            "<dd>24-11-2026 10:30</dd>",
            f"<dd>{CID}</dd>",
            "<dt>Webshop</dt><dd>Zalando</dd>",
            "<dt>Bestelnummer</dt><dd>123456</dd>",
            "<dt>Trackingnummer</dt><dd>3SABCD1234567</dd>",
        ):
            assert shown in html, shown
        empty = await client.get("/agent/zaken")
        assert empty.status == 200 and 'id="case"' not in await empty.text()

    run(world, scenario)


@pytest.mark.parametrize(
    "typed, status, message",
    [
        ("RET-2345AB", 404, "Er is geen zaak met nummer RET-2345AB."),
        ("KL-ZZZZZZ", 404, "Er is geen zaak met nummer KL-ZZZZZZ."),
        ("MW-2345AB", 400, "Dat is geen zaaknummer."),
        ("RET-23", 400, "Dat is geen zaaknummer."),
        ("<script>alert(1)</script>", 400, "Dat is geen zaaknummer."),
    ],
)
def test_an_unknown_or_malformed_reference_gets_a_dutch_answer(world, typed, status, message):
    async def scenario(client, fake):
        await logged_in(client, ANNA)
        response = await client.get("/agent/zaken", params={"referentie": typed})
        html = await response.text()
        assert response.status == status
        assert message in html and 'id="case"' not in html
        assert "<script>alert" not in html

    run(world, scenario)


def test_the_case_lookup_escapes_what_the_customer_typed(world):
    script = "<script>alert('hoi')</script>"
    case = CaseStore(world.db_url).create(
        "klacht",
        f"{CID}<b>",
        {"klacht_betreft": script, "klacht_omschrijving": "<img src=x onerror=alert(document.domain)>"},
    )

    async def scenario(client, fake):
        await logged_in(client, ANNA)
        response = await client.get("/agent/zaken", params={"referentie": case.reference})
        html = await response.text()
        assert response.status == 200 and f"{case.reference} · Klacht" in html
        assert "&lt;script&gt;alert(&#39;hoi&#39;)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(document.domain)&gt;" in html and f"{CID}&lt;b&gt;" in html
        assert "<script>" not in html and "<img" not in html and "<b>" not in html

    run(world, scenario)


# --- Rasa down --------------------------------------------------------------------------------------


def test_without_rasa_the_entry_shows_a_note_and_messages_wait_in_the_queue(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        csrf = await logged_in(client, ANNA)
        response = await client.get(f"/agent/api/entries/{entry.id}")
        data = await response.json()
        assert response.status == 200
        assert data["entry"]["reference"] == entry.reference
        assert data["transcript"] is None and data["transcript_error"] == TRANSCRIPT_UNAVAILABLE
        assert "kan nu niet worden geladen" in data["transcript_error"]

        await post_json(client, f"/agent/api/entries/{entry.id}/claim", csrf)
        response = await client.post(
            f"/agent/api/entries/{entry.id}/messages", json={"text": "Hallo"}, headers={"X-CSRF-Token": csrf}
        )
        data = await response.json()
        assert response.status == 502 and response.content_type == "application/json"
        assert data["stored"] is True and "niet bereikbaar" in data["error"]
        assert "Traceback" not in data["error"] and TOKEN not in data["error"]

        data = await (await client.get(f"/agent/api/entries/{entry.id}")).json()
        assert [(m["text"], m["delivered"]) for m in data["messages"]] == [("Hallo", False)]

        # Closed all the same: with the entry closed, the handoff ends on the customer's next message.
        status, data = await post_json(client, f"/agent/api/entries/{entry.id}/close", csrf)
        assert status == 200 and data["entry"]["status"] == "closed" and data["recorded"] is False
        assert "niet bereikbaar" in data["note"] and "volgende bericht" in data["note"]

    run(world, scenario, rasa_down=True)
    [message] = world.deliveries.messages(CID)
    assert message.text == "Hallo" and message.delivered_at is None
    assert world.queue.live_entry(CID) is None


def test_a_wrong_rasa_token_counts_as_rasa_unavailable(world):
    entry = live_entry(world)

    async def scenario(client, fake):
        client.app[CONSOLE_KEY].rasa.token = "wrong"
        await logged_in(client, ANNA)
        data = await (await client.get(f"/agent/api/entries/{entry.id}")).json()
        assert data["transcript"] is None and data["transcript_error"] == TRANSCRIPT_UNAVAILABLE

    fake = run(world, scenario)
    assert fake.calls[0].query == {"token": "wrong"}


def test_the_web_config_reads_the_console_settings_from_the_environment():
    config = WebConfig.from_env(
        {
            "RASA_URL": "http://rasa:5005/",
            "RASA_TOKEN": "geheim",
            "KLANTENSERVICE_DB_URL": "sqlite:////tmp/x.db",
        }
    )
    assert (config.rasa_url, config.rasa_token, config.db_url) == (
        "http://rasa:5005",
        "geheim",
        "sqlite:////tmp/x.db",
    )
    defaults = WebConfig.from_env({"RASA_PORT": "15005"})
    assert (defaults.rasa_url, defaults.rasa_token, defaults.db_url) == ("http://localhost:15005", "", None)
    with pytest.raises(ValueError):
        WebConfig.from_env({"RASA_URL": "rasa:5005"})

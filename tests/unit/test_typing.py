"""Typing indicators, both ways: the throttle (bot/throttle.py), the customer's signal recorded by the
socket.io channel for the agent who has the chat, the agent's signal sent by the channel to the
customer's window, and the console's route (webapp/typing_indicator.py) with a stand-in for the Rasa
server. In the browser, with the real servers: tests/e2e/test_typing.py."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.database import URL_VARIABLE
from bot.delivery import DeliveryStore
from bot.handoff import OFFLINE, HandoffQueue, customer_is_typing
from bot.throttle import Throttle
from channels import delivery
from channels.socketio import AGENT_TYPING_EVENT, CUSTOMER_TYPING_EVENT, SocketIOInput
from tests.console_client import (
    ANNA,
    add_agents,
    cheap_bcrypt,
    closed_port_url,
    console_client,
    console_config,
    logged_in,
    post_json,
    widget_bundle,
)
from webapp.typing_indicator import CUSTOMER_TYPING_FRESH

CID = "5c1d2e3f4a5b6c7d8e9f"
OTHER = "0a1b2c3d4e5f60718293"
TOKEN = "typing-test-token"
BRAM = ("bram", "bram-wachtwoord-1")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the throttle ------------------------------------------------------------------------------------


def test_a_throttle_lets_one_signal_per_key_through_each_interval():
    clock = Clock()
    throttle = Throttle(2.0, clock=clock)
    assert throttle.allow("a") and throttle.allow("b")
    assert [throttle.allow("a") for _ in range(1000)] == [False] * 1000
    clock.now += 1.999
    assert not throttle.allow("a")
    clock.now += 0.001
    assert throttle.allow("a") and not throttle.allow("a")


def test_a_throttle_forgets_passed_keys_and_refuses_new_ones_when_full():
    clock = Clock()
    throttle = Throttle(2.0, max_keys=3, clock=clock)
    assert all(throttle.allow(key) for key in ("a", "b", "c"))
    assert not throttle.allow("d")  # full, and each key still within its interval
    clock.now += 2.0
    assert throttle.allow("d") and len(throttle) == 1  # the others were forgotten
    throttle.forget("d")
    assert throttle.allow("d")


@pytest.mark.parametrize(("interval", "max_keys"), [(0, 10), (-1, 10), (1, 0)])
def test_a_throttle_needs_a_positive_interval_and_room(interval, max_keys):
    with pytest.raises(ValueError):
        Throttle(interval, max_keys=max_keys)


# --- the customer's signal in the database -----------------------------------------------------------


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    cheap_bcrypt(monkeypatch)
    url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    add_agents(url, (ANNA, {"display_name": "Anna de Vries"}), (BRAM, {"display_name": "Bram"}))
    monkeypatch.setenv(URL_VARIABLE, url)
    delivery._store.cache_clear()
    yield url
    delivery._store.cache_clear()


def test_only_a_chat_with_an_agent_is_stamped(db_url):
    queue, store = HandoffQueue(db_url), DeliveryStore(db_url)
    entry = queue.enqueue(CID, "socketio", "retour", {})
    assert store.customer_typing(CID) is False  # waiting: nobody to see it
    assert queue.get(entry.id).customer_typing_at is None
    queue.claim(entry.id, "anna")
    other = queue.enqueue(OTHER, "socketio", "retour", {})
    queue.claim(other.id, "bram")
    assert store.customer_typing(CID) is True
    assert queue.get(entry.id).customer_typing_at is not None
    assert queue.get(other.id).customer_typing_at is None  # another conversation's entry stays as it is
    queue.close(entry.id, "anna")
    assert store.customer_typing(CID) is False


def test_the_console_says_the_customer_types_while_the_signal_is_fresh_and_no_message_followed(db_url):
    queue, store = HandoffQueue(db_url), DeliveryStore(db_url)
    entry = queue.enqueue(CID, "socketio", "retour", {})
    queue.claim(entry.id, "anna")
    start = datetime(2026, 12, 3, 14, 0, tzinfo=timezone.utc)
    store.customer_typing(CID, now=start)
    typed = queue.get(entry.id)
    fresh = timedelta(seconds=6)
    assert customer_is_typing(typed, fresh, start + timedelta(seconds=5))
    assert not customer_is_typing(typed, fresh, start + timedelta(seconds=6))  # stale
    queue.customer_wrote(entry.id, now=start + timedelta(seconds=1))  # the message arrived
    assert not customer_is_typing(queue.get(entry.id), fresh, start + timedelta(seconds=2))
    store.customer_typing(CID, now=start + timedelta(seconds=3))  # and the next one is being typed
    assert customer_is_typing(queue.get(entry.id), fresh, start + timedelta(seconds=4))
    queue.close(entry.id, "anna")
    assert not customer_is_typing(queue.get(entry.id), fresh, start + timedelta(seconds=4))


# --- the socket.io channel ---------------------------------------------------------------------------


def count_writes(engine: sa.engine.Engine) -> list[str]:
    writes: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE"):
            writes.append(statement)

    return writes


def channel_with_window(sid: str, conversation: str) -> SocketIOInput:
    channel = SocketIOInput.from_credentials({"session_persistence": True})
    channel.blueprint(lambda message: None)
    channel.windows[sid] = conversation
    return channel


def test_the_channel_records_the_customer_typing_once_per_interval_for_its_own_session(db_url):
    queue = HandoffQueue(db_url)
    mine, other = queue.enqueue(CID, "socketio", "retour", {}), queue.enqueue(OTHER, "socketio", "retour", {})
    queue.claim(mine.id, "anna")
    queue.claim(other.id, "bram")
    channel = channel_with_window("sid-1", CID)
    clock = Clock()
    channel.customer_typing = Throttle(2.0, clock=clock)
    writes = count_writes(delivery._store().engine)
    handler = channel.sio.handlers["/"][CUSTOMER_TYPING_EVENT]

    async def flood() -> None:
        # A window that names another session, sends text or junk: only its own session counts.
        for data in [None, {"session_id": OTHER}, {"text": "mijn pincode is 1234"}, "x" * 1000, [1, 2]] * 200:
            await handler("sid-1", data)

    asyncio.run(flood())
    assert len(writes) == 1
    assert queue.get(mine.id).customer_typing_at is not None
    assert queue.get(other.id).customer_typing_at is None
    clock.now += 2.0
    asyncio.run(handler("sid-1", None))
    assert len(writes) == 2


def test_a_socket_without_a_session_is_ignored(db_url):
    queue = HandoffQueue(db_url)
    entry = queue.enqueue(CID, "socketio", "retour", {})
    queue.claim(entry.id, "anna")
    channel = channel_with_window("sid-1", CID)
    writes = count_writes(delivery._store().engine)
    asyncio.run(channel.sio.handlers["/"][CUSTOMER_TYPING_EVENT]("sid-unknown", {"session_id": CID}))
    assert writes == [] and queue.get(entry.id).customer_typing_at is None


def test_a_database_that_is_down_leaves_the_chat_alone(monkeypatch):
    monkeypatch.setenv(
        URL_VARIABLE, "postgresql://klantenservice@127.0.0.1:9/klantenservice?connect_timeout=2"
    )
    delivery._store.cache_clear()
    try:
        channel = channel_with_window("sid-1", CID)
        asyncio.run(channel.sio.handlers["/"][CUSTOMER_TYPING_EVENT]("sid-1", None))  # logged, not raised
        assert asyncio.run(channel.tell_agent_typing(CID)) is False
    finally:
        delivery._store.cache_clear()


@dataclass
class Emits:
    sent: list[tuple[str, Any, dict]] = field(default_factory=list)
    fail: bool = False

    async def __call__(self, event: str, data: Any = None, **kwargs: Any) -> None:
        if self.fail:
            raise ConnectionError("redis is down")
        self.sent.append((event, data, kwargs))


def test_the_agent_typing_goes_to_the_conversations_window_with_the_agents_name(db_url):
    queue = HandoffQueue(db_url)
    entry = queue.enqueue(CID, "socketio", "retour", {})
    channel = channel_with_window("sid-1", CID)
    clock = Clock()
    channel.agent_typing = Throttle(1.0, clock=clock)
    emits = Emits()
    channel.sio.emit = emits
    assert asyncio.run(channel.tell_agent_typing(CID)) is False  # nobody has the chat yet
    queue.claim(entry.id, "anna")
    clock.now += 1.0

    async def flood() -> list[bool]:
        return list(await asyncio.gather(*(channel.tell_agent_typing(CID) for _ in range(100))))

    results = asyncio.run(flood())
    assert results.count(True) == 1
    assert emits.sent == [
        (AGENT_TYPING_EVENT, {"name": "Anna de Vries"}, {"room": CID, "namespace": channel.namespace})
    ]
    clock.now += 1.0
    emits.fail = True
    assert asyncio.run(channel.tell_agent_typing(CID)) is False  # Redis down: dropped, not raised


def typing_route(channel: SocketIOInput):
    """The channel's `POST /webhooks/socketio/typing` handler, called as Sanic would."""
    blueprint = channel.blueprint(lambda message: None)
    [route] = [route for route in blueprint._future_routes if route.uri == "/typing"]
    return route.handler


def test_the_typing_route_needs_the_api_token_and_a_usable_conversation(db_url, monkeypatch):
    monkeypatch.setenv("RASA_TOKEN", TOKEN)
    queue = HandoffQueue(db_url)
    queue.claim(queue.enqueue(CID, "socketio", "retour", {}).id, "anna")
    channel = SocketIOInput.from_credentials({"session_persistence": True})
    handler = typing_route(channel)
    emits = Emits()
    channel.sio.emit = emits

    def call(token: str, body: Any) -> tuple[int, bytes]:
        answer = asyncio.run(handler(SimpleNamespace(args={"token": token}, json=body)))
        return answer.status, answer.body

    assert call("", {"conversation_id": CID})[0] == 401
    assert call("wrong", {"conversation_id": CID})[0] == 401
    for body in (
        None,
        {},
        {"conversation_id": 5},
        {"conversation_id": " " + CID},
        {"conversation_id": "x" * 300},
    ):
        assert call(TOKEN, body)[0] == 400
    assert emits.sent == []
    assert call(TOKEN, {"conversation_id": CID}) == (200, b'{"sent":true}')
    assert call(TOKEN, {"conversation_id": CID}) == (200, b'{"sent":false}')  # within the second
    assert len(emits.sent) == 1


# --- the console's route -----------------------------------------------------------------------------


@dataclass
class FakeTyping:
    """The Rasa server's `/webhooks/socketio/typing`, recording what reaches it."""

    calls: list[dict] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/socketio/typing", self.typing)
        return app

    async def typing(self, request: web.Request) -> web.Response:
        if request.query.get("token") != TOKEN:
            return web.json_response({"error": "not authorised"}, status=401)
        self.calls.append(await request.json())
        return web.json_response({"sent": True})


def run(db_url: str, tmp_path: Path, scenario, rasa_down: bool = False) -> FakeTyping:
    fake = FakeTyping()

    async def main() -> None:
        rasa = TestServer(fake.app())
        await rasa.start_server()
        try:
            url = closed_port_url() if rasa_down else str(rasa.make_url("")).rstrip("/")
            async with console_client(console_config(db_url, widget_bundle(tmp_path), url, TOKEN)) as client:
                await scenario(client)
        finally:
            await rasa.close()

    asyncio.run(main())
    return fake


def test_the_agent_typing_in_their_own_chat_reaches_the_rasa_server_once_per_interval(db_url, tmp_path):
    queue = HandoffQueue(db_url)
    entry = queue.enqueue(CID, "socketio", "retour", {})
    queue.claim(entry.id, "anna")
    path = f"/agent/api/entries/{entry.id}/typing"

    async def scenario(client):
        csrf = await logged_in(client, ANNA)
        assert await post_json(client, path, csrf) == (200, {"sent": True})
        statuses = [(await post_json(client, path, csrf))[0] for _ in range(30)]
        assert statuses == [429] * 30

    fake = run(db_url, tmp_path, scenario)
    assert fake.calls == [{"conversation_id": CID}]


def test_typing_needs_a_login_the_csrf_token_and_the_agents_own_live_chat(db_url, tmp_path):
    queue = HandoffQueue(db_url)
    waiting = queue.enqueue(CID, "socketio", "retour", {})
    brams = queue.enqueue(OTHER, "socketio", "retour", {})
    queue.claim(brams.id, "bram")
    offline = queue.enqueue("a9b8c7d6e5f4a3b2c1d0", "socketio", "retour", {}, OFFLINE)
    queue.claim(offline.id, "anna")

    async def scenario(client):
        path = f"/agent/api/entries/{waiting.id}/typing"
        assert (await client.post(path, headers={"X-CSRF-Token": "x"})).status == 401
        csrf = await logged_in(client, ANNA)
        assert (await client.post(path)).status == 403  # no CSRF token
        assert (await client.post(path, headers={"X-CSRF-Token": "wrong"})).status == 403
        for entry in (waiting, brams, offline):
            status, answer = await post_json(client, f"/agent/api/entries/{entry.id}/typing", csrf)
            assert status == 409 and answer["sent"] is False
        assert (await post_json(client, "/agent/api/entries/999999/typing", csrf))[0] == 404

    fake = run(db_url, tmp_path, scenario)
    assert fake.calls == []


def test_a_rest_customer_gets_no_typing_signal(db_url, tmp_path):
    queue = HandoffQueue(db_url)
    entry = queue.enqueue(CID, "rest", "retour", {})
    queue.claim(entry.id, "anna")

    async def scenario(client):
        csrf = await logged_in(client, ANNA)
        assert await post_json(client, f"/agent/api/entries/{entry.id}/typing", csrf) == (
            200,
            {"sent": False},
        )

    assert run(db_url, tmp_path, scenario).calls == []


def test_a_rasa_server_that_is_down_makes_typing_quietly_not_sent(db_url, tmp_path):
    queue = HandoffQueue(db_url)
    entry = queue.enqueue(CID, "socketio", "retour", {})
    queue.claim(entry.id, "anna")

    async def scenario(client):
        csrf = await logged_in(client, ANNA)
        status, answer = await post_json(client, f"/agent/api/entries/{entry.id}/typing", csrf)
        assert (status, answer) == (200, {"sent": False})

    run(db_url, tmp_path, scenario, rasa_down=True)


def test_the_entry_says_whether_the_customer_is_typing(db_url, tmp_path):
    queue = HandoffQueue(db_url)
    entry = queue.enqueue(CID, "socketio", "retour", {})
    queue.claim(entry.id, "anna")
    store = DeliveryStore(db_url)

    async def scenario(client):
        await logged_in(client, ANNA)
        queue_path, entry_path = "/agent/api/queue", f"/agent/api/entries/{entry.id}"
        [listed] = (await (await client.get(queue_path)).json())["entries"]
        assert listed["customer_typing"] is False
        store.customer_typing(CID)
        [listed] = (await (await client.get(queue_path)).json())["entries"]
        assert listed["customer_typing"] is True
        assert (await (await client.get(entry_path)).json())["entry"]["customer_typing"] is True
        store.customer_typing(CID, now=datetime.now(timezone.utc) - CUSTOMER_TYPING_FRESH)
        assert (await (await client.get(entry_path)).json())["entry"]["customer_typing"] is False

    run(db_url, tmp_path, scenario)

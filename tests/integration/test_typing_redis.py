"""The agent's typing signal on a real Redis: like an agent's message, it goes through the socket.io
message queue, so the Rasa server holding the customer's window shows it whichever server was asked."""

from __future__ import annotations

import asyncio
import json

from redis import asyncio as aioredis

from bot.database import URL_VARIABLE
from bot.handoff import HandoffQueue
from channels import delivery
from channels.socketio import AGENT_TYPING_EVENT, SocketIOInput
from tests.console_client import ANNA, add_agents

CID = "7e6d5c4b3a2910f8e7d6"


def test_the_agents_typing_is_published_through_redis_for_the_windows_server(
    monkeypatch, redis_url, tmp_path
):
    url = f"sqlite:///{tmp_path / 'klantenservice.db'}"
    add_agents(url, (ANNA, {"display_name": "Anna de Vries"}))
    queue = HandoffQueue(url)
    queue.claim(queue.enqueue(CID, "socketio", "retour", {}).id, "anna")
    monkeypatch.setenv(URL_VARIABLE, url)
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", redis_url)
    delivery._store.cache_clear()
    channel = SocketIOInput.from_credentials({"session_persistence": True})
    channel.blueprint(lambda message: None)

    async def signal_and_listen() -> tuple[bool, dict]:
        listener = aioredis.Redis.from_url(redis_url)
        subscription = listener.pubsub(ignore_subscribe_messages=True)
        await subscription.subscribe("socketio")
        try:
            sent = await channel.tell_agent_typing(CID)
            message = await subscription.get_message(timeout=10)
            while message is None:
                message = await subscription.get_message(timeout=10)
            return sent, json.loads(message["data"])
        finally:
            await subscription.unsubscribe("socketio")
            await listener.close()
            await channel.sio.manager.redis.close()

    try:
        sent, published = asyncio.run(signal_and_listen())
    finally:
        delivery._store.cache_clear()
    assert sent is True
    assert published["method"] == "emit" and published["event"] == AGENT_TYPING_EVENT
    assert published["room"] == CID
    assert published["data"] == [{"name": "Anna de Vries"}]  # a name, never any text

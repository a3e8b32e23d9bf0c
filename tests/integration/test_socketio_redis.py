"""The socket.io channel's message queue on a real Redis: what one Rasa server emits reaches the others."""

from __future__ import annotations

import asyncio
import json

from redis import asyncio as aioredis
from socketio import AsyncRedisManager

from channels.socketio import SocketIOInput


def test_an_emit_on_one_server_is_published_through_redis_for_the_others(monkeypatch, redis_url):
    """What the HTTP API's output_channel=socketio does on a server without the customer's window:
    python-socketio's Redis manager (on redis-py's asyncio client) publishes it for all servers."""
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", redis_url)
    channel = SocketIOInput.from_credentials({"session_persistence": True})
    channel.blueprint(lambda message: None)
    assert isinstance(channel.sio.manager, AsyncRedisManager) and channel.sio.manager.server is channel.sio

    async def emit_and_listen() -> dict:
        listener = aioredis.Redis.from_url(redis_url)
        subscription = listener.pubsub(ignore_subscribe_messages=True)
        await subscription.subscribe("socketio")
        try:
            output = channel.get_output_channel()
            await output.send_text_message("sessie-123", "Goedemiddag, je spreekt met Anna.")
            message = await subscription.get_message(timeout=10)
            while message is None:  # get_message returns None for the subscription's own notices
                message = await subscription.get_message(timeout=10)
            return json.loads(message["data"])  # JSON: python-socketio 5.14+ never unpickles
        finally:
            await subscription.unsubscribe("socketio")
            await listener.close()
            await channel.sio.manager.redis.close()

    published = asyncio.run(emit_and_listen())
    assert published["method"] == "emit" and published["event"] == "bot_uttered"
    assert published["room"] == "sessie-123"
    assert published["data"] == [{"text": "Goedemiddag, je spreekt met Anna."}]  # the emit's arguments

"""The socket.io channel that the web widget uses, with session persistence.

Guards against RasaHQ/rasa#13027: with python-socketio 5.10+ Rasa 3.6.21's un-awaited
`enter_room` leaves a persistent session without any bot message.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import requests
import socketio

pytestmark = pytest.mark.e2e


async def _converse(url: str, token: str, session_id: str) -> tuple[list[str], list[str]]:
    client = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue[str] = asyncio.Queue()
    confirmed = asyncio.Event()

    @client.on("session_confirm")
    async def on_confirm(*_: object) -> None:
        confirmed.set()

    @client.on("bot_uttered")
    async def on_bot(message: dict) -> None:
        await replies.put(message.get("text", ""))

    await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        await client.emit(
            "user_uttered", {"message": "wat is jullie telefoonnummer", "session_id": session_id}
        )
        answered = [await asyncio.wait_for(replies.get(), 30)]

        pushed = requests.post(
            f"{url}/conversations/{session_id}/tracker/events",
            params={"token": token, "output_channel": "socketio", "execute_side_effects": "true"},
            json={"event": "bot", "text": "Bericht van een medewerker"},
            timeout=10,
        )
        pushed.raise_for_status()
        received = [await asyncio.wait_for(replies.get(), 10)]
        return answered, received
    finally:
        await client.disconnect()


def test_widget_session_gets_answers_and_pushed_messages(assistant):
    session_id = uuid.uuid4().hex
    answered, received = asyncio.run(_converse(assistant.url, assistant.token, session_id))
    assert "020 - 808 28 52" in answered[0]
    assert received == ["Bericht van een medewerker"]


def test_only_the_console_with_the_token_may_ask_for_a_delivery(assistant):
    url = f"{assistant.url}/webhooks/socketio/deliver"
    body = {"conversation_id": uuid.uuid4().hex}
    assert requests.post(url, json=body, timeout=10).status_code == 401
    assert requests.post(url, params={"token": "fout"}, json=body, timeout=10).status_code == 401
    refused = requests.post(url, params={"token": assistant.token}, json={"conversation_id": ""}, timeout=10)
    assert refused.status_code == 400
    answer = requests.post(url, params={"token": assistant.token}, json=body, timeout=10)
    assert answer.status_code == 200 and answer.json() == {"offered": 0}

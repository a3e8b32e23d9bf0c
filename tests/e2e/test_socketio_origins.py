"""The socket.io channel accepts browsers only from the chat page's origins (CORS_ORIGINS)."""

from __future__ import annotations

import asyncio

import pytest
import requests
import socketio

pytestmark = pytest.mark.e2e

FOREIGN = "http://kwaadaardig.example"


def handshake(assistant, origin: str | None) -> requests.Response:
    headers = {"Origin": origin} if origin else {}
    return requests.get(
        f"{assistant.url}/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers=headers,
        timeout=10,
    )


def page_origins(services) -> list[str]:
    return services.env["CORS_ORIGINS"].split()


def test_the_chat_page_origin_may_connect_with_one_cors_header(assistant, services):
    for origin in page_origins(services):
        response = handshake(assistant, origin)
        assert response.status_code == 200
        assert response.text.startswith("0{")
        # Two Access-Control-Allow-Origin headers would make browsers refuse the answer.
        values = [v for k, v in response.raw.headers.items() if k.lower() == "access-control-allow-origin"]
        assert values == [origin]


def test_a_foreign_origin_is_refused(assistant):
    response = handshake(assistant, FOREIGN)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in {k.lower() for k in response.headers}


async def _websocket_connects(url: str, origin: str) -> bool:
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(
            url,
            socketio_path="/socket.io",
            transports=["websocket"],
            headers={"Origin": origin},
            wait_timeout=10,
        )
    except socketio.exceptions.ConnectionError:
        return False
    await client.disconnect()
    return True


def test_a_foreign_origin_cannot_open_a_websocket(assistant, services):
    """A WebSocket is not bound by CORS in the browser: the server itself must refuse it."""
    assert asyncio.run(_websocket_connects(assistant.url, page_origins(services)[0])) is True
    assert asyncio.run(_websocket_connects(assistant.url, FOREIGN)) is False

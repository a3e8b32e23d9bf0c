"""python-socketio's asyncio client (the tests' chat windows) on the aiohttp that Rasa 3.6 pins.

python-engineio 4.13+ opens its WebSocket with `timeout=aiohttp.ClientWSTimeout(ws_close=...)`, a
class that aiohttp has from 3.10 on; aiohttp 3.9 takes the same close timeout as a number. Only the
client is affected: the Rasa server runs engine.io on sanic. Imported by tests/conftest.py.
"""

from __future__ import annotations

import aiohttp


def _close_timeout(ws_receive: float | None = None, ws_close: float = 10.0) -> float:
    return ws_close


if not hasattr(aiohttp, "ClientWSTimeout"):
    aiohttp.ClientWSTimeout = _close_timeout  # type: ignore[attr-defined]

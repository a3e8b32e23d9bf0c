"""Rasa's socket.io channel with its browser origins restricted.

Rasa 3.6's `SocketIOInput` creates `AsyncServer(async_mode="sanic", cors_allowed_origins=[])`,
and an empty list makes python-engineio skip the origin check: any web page could open a
socket.io connection (a WebSocket is not bound by CORS) and talk to the assistant in its
visitor's name. This subclass gives engine.io the allowed origins instead, so a connection whose
`Origin` header is not one of them is refused with 400 before any session exists. Clients that
send no Origin header (servers, scripts, the tests' python-socketio client) are not browsers and
are let through, as engine.io does. The CORS response headers come from Rasa's `--cors` (the same
CORS_ORIGINS, see scripts/services.py).

It also tells the agent queue which chat windows are connected and hands a window that connects
again the agents' answers it missed (channels/delivery.py).

The channel's name stays "socketio", so the widget's path (/socket.io) and the HTTP API's
`output_channel=socketio` keep working.
"""

from __future__ import annotations

import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

from channels import delivery

ORIGINS_KEY = "cors_allowed_origins"


def parse_origins(value: Any) -> List[str]:
    """Origins from a space/comma separated string or a list; trailing slashes dropped."""
    if value is None:
        return []
    items = value.replace(",", " ").split() if isinstance(value, str) else [str(v) for v in value]
    return [item.strip().rstrip("/") for item in items if item.strip()]


class SocketIOInput(RasaSocketIOInput):
    """socket.io for the web widget; only the configured page origins may connect."""

    allowed_origins: List[str] = []

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = dict(credentials or {})
        configured = credentials.pop(ORIGINS_KEY, None)
        channel = super().from_credentials(credentials)
        origins = configured if configured is not None else os.environ.get("CORS_ORIGINS", "")
        channel.allowed_origins = parse_origins(origins)
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        engine = self.sio.eio
        # None (no origins configured) is engine.io's "same origin only"; never [] ("anyone").
        engine.cors_allowed_origins = list(self.allowed_origins) or None
        # engine.io now checks the origin, but its CORS headers must stay off: Rasa's --cors
        # (sanic-cors) already adds them to every response of the server, and a second
        # Access-Control-Allow-Origin header makes browsers reject the socket.io polling requests.
        engine._cors_headers = _no_cors_headers
        self._track_chat_windows()
        return socketio_webhook

    def _track_chat_windows(self) -> None:
        """Wraps Rasa's session_request and disconnect handlers: a window that (re)connects with
        its session gets the agents' answers it missed, and the queue knows it is online."""
        handlers = self.sio.handlers[self.namespace or "/"]
        confirm_session, forget_socket = handlers["session_request"], handlers["disconnect"]
        sio, event = self.sio, self.bot_message_evt

        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            await confirm_session(sid, data)  # fills in a new session_id when there is none
            session_id = data.get("session_id")
            if not session_id or not self.session_persistence:
                return
            await delivery.chat_opened(session_id, sid)
            for text in await delivery.take_undelivered(session_id):
                await sio.emit(event, {"text": text}, room=sid)

        async def disconnect(sid: Text) -> None:
            await forget_socket(sid)
            await delivery.chat_closed(sid)

        handlers["session_request"], handlers["disconnect"] = session_request, disconnect


def _no_cors_headers(environ: Dict[str, Any]) -> List[Tuple[str, str]]:
    return []

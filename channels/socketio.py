"""Rasa's socket.io channel with its browser origins restricted.

Rasa 3.6's `SocketIOInput` creates `AsyncServer(async_mode="sanic", cors_allowed_origins=[])`,
and an empty list makes python-engineio skip the origin check: any web page could open a
socket.io connection (a WebSocket is not bound by CORS) and talk to the assistant in its
visitor's name. This subclass gives engine.io the allowed origins instead, so a connection whose
`Origin` header is not one of them is refused with 400 before any session exists. Clients that
send no Origin header (servers, scripts, the tests' python-socketio client) are not browsers and
are let through, as engine.io does. The CORS response headers come from Rasa's `--cors` (the same
CORS_ORIGINS, see scripts/services.py).

Messages are checked as the REST webhook checks them (channels/rest.py): an empty, too long or
malformed message, or one without a usable session id, gets a Dutch answer instead of reaching
the model; engine.io closes a connection that sends a packet over 64 kB.

It also tells the agent queue which chat windows are connected and hands a window that connects
again the agents' answers it missed (channels/delivery.py).

The channel's name stays "socketio", so the widget's path (/socket.io) and the HTTP API's
`output_channel=socketio` keep working.

With several Rasa servers, a chat window is connected to one of them, while a message for it (an
agent's answer that the web app posts through the HTTP API with `output_channel=socketio`) may reach
any other. A Redis URL in SOCKETIO_MESSAGE_QUEUE (by default LOCK_STORE_URL when that is Redis) gives
the servers python-socketio's Redis client manager: every emit goes through Redis to all servers,
and the one holding the window delivers it. Without it (one server) emits stay in the process.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint
from socketio import AsyncRedisManager

from channels import delivery
from channels.rest import MAX_BODY_BYTES, TOO_MANY_MESSAGES, InvalidRequest, check_payload, in_process

ORIGINS_KEY = "cors_allowed_origins"
# The chat page of `make run` (scripts/env.sh's CORS_ORIGINS), for a plain `rasa run`.
DEFAULT_ORIGINS = "http://localhost:8080 http://127.0.0.1:8080"
NOT_PROCESSED_TEXT = (
    "Er gaat aan onze kant even iets mis: je bericht is niet verwerkt. Stuur het over een minuut opnieuw."
)
# What a chat window hears when its session id is unusable (the widget always sends a good one).
BAD_SESSION_TEXT = "Deze chat heeft geen geldige sessie. Herlaad de pagina en stel je vraag opnieuw."
QUEUE_SCHEMES = ("redis://", "rediss://", "unix://")
# Values of SOCKETIO_MESSAGE_QUEUE that mean "one server, no queue" (LOCK_STORE_URL's word included).
NO_QUEUE = ("", "memory")
logger = logging.getLogger(__name__)


def message_queue_url(environ: dict[str, str] | None = None) -> str | None:
    """The Redis URL that connects the Rasa servers' socket.io channels, or None for one server.

    SOCKETIO_MESSAGE_QUEUE when it is set; otherwise LOCK_STORE_URL when that is Redis, since
    several servers share Rasa's lock store there already. Anything else is refused at start-up,
    not discovered when a message goes missing.
    """
    environ = os.environ if environ is None else environ
    value = environ.get("SOCKETIO_MESSAGE_QUEUE")
    if value is None:
        lock_store = environ.get("LOCK_STORE_URL", "").strip()
        return lock_store if lock_store.startswith(QUEUE_SCHEMES) else None
    value = value.strip()
    if value.lower() in NO_QUEUE:
        return None
    if not value.startswith(QUEUE_SCHEMES):
        # The value is not repeated: a URL may hold a password.
        raise ValueError(
            "SOCKETIO_MESSAGE_QUEUE must be a Redis URL (redis://host:6379/0, rediss://... "
            "or unix://...) or empty for a single Rasa server"
        )
    return value


def parse_origins(value: Any) -> list[str]:
    """Origins from a space/comma separated string or a list; trailing slashes dropped."""
    if value is None:
        return []
    items = value.replace(",", " ").split() if isinstance(value, str) else [str(v) for v in value]
    return [item.strip().rstrip("/") for item in items if item.strip()]


class SocketIOInput(RasaSocketIOInput):
    """socket.io for the web widget; only the configured page origins may connect."""

    allowed_origins: list[str] = []

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = dict(credentials or {})
        configured = credentials.pop(ORIGINS_KEY, None)
        channel = super().from_credentials(credentials)
        origins = configured if configured is not None else os.environ.get("CORS_ORIGINS", DEFAULT_ORIGINS)
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
        self._share_between_servers()
        self._track_chat_windows()
        self._apologise_for_failures()
        self._check_input()
        return socketio_webhook

    def _share_between_servers(self) -> None:
        """Gives the server python-socketio's Redis client manager when a queue is configured.

        Rasa creates the AsyncServer itself, without a way to pass `client_manager`; this sets it
        as the AsyncServer's constructor would, before any window has connected (python-socketio
        initialises the manager on the first connection).
        """
        url = message_queue_url()
        if url is None:
            return
        manager = AsyncRedisManager(url, logger=logger)
        self.sio.manager = manager
        manager.set_server(self.sio)
        logger.info("socket.io: messages for chat windows go through Redis to every Rasa server")

    def _track_chat_windows(self) -> None:
        """Wraps Rasa's session_request and disconnect handlers: a window that (re)connects with
        its session gets the agents' answers it missed, and the queue knows it is online."""
        handlers = self.sio.handlers[self.namespace or "/"]
        confirm_session, forget_socket = handlers["session_request"], handlers["disconnect"]
        sio, event = self.sio, self.bot_message_evt

        async def session_request(sid: str, data: dict | None) -> None:
            data = data if isinstance(data, dict) else {}
            await confirm_session(sid, data)  # fills in a new session_id when there is none
            session_id = data.get("session_id")
            if not session_id or not self.session_persistence:
                return
            await delivery.chat_opened(session_id, sid)
            for text in await delivery.take_undelivered(session_id):
                await sio.emit(event, {"text": text}, room=sid)

        async def disconnect(sid: str) -> None:
            await forget_socket(sid)
            await delivery.chat_closed(sid)

        handlers["session_request"], handlers["disconnect"] = session_request, disconnect

    def _apologise_for_failures(self) -> None:
        """A message that could not be processed (e.g. the conversation store is down) gets a Dutch
        answer saying so, instead of silence."""
        handlers = self.sio.handlers[self.namespace or "/"]
        handle_message, sio, event = handlers[self.user_message_evt], self.sio, self.bot_message_evt

        async def user_uttered(sid: str, data: dict) -> None:
            try:
                await handle_message(sid, data)
            except Exception:
                logger.exception("socket.io: handling a message failed")
                await sio.emit(event, {"text": NOT_PROCESSED_TEXT}, room=sid)

        handlers[self.user_message_evt] = user_uttered

    def _check_input(self) -> None:
        """The REST webhook's checks (channels/rest.py) for socket.io: a message that is empty,
        too long (the model blocks the whole server for seconds on 20 kB, minutes on 100 kB), not
        text, without a usable session id, or one too many of its conversation at once
        (channels/rest.py's MAX_IN_PROCESS_PER_SENDER) gets a Dutch answer and never reaches Rasa; an
        unusable session id in a session_request is replaced by a new one. engine.io drops a packet
        over 64 kB (the REST webhook's body limit) by closing that connection."""
        self.sio.eio.max_http_buffer_size = MAX_BODY_BYTES
        handlers = self.sio.handlers[self.namespace or "/"]
        confirm_session, handle_message = handlers["session_request"], handlers[self.user_message_evt]
        sio, event, key = self.sio, self.bot_message_evt, self.metadata_key

        async def session_request(sid: str, data: Any = None) -> None:
            data = dict(data) if isinstance(data, dict) else {}
            if data.get("session_id") is not None and not _usable_session_id(data["session_id"]):
                logger.info("socket.io: a new session instead of an unusable session id")
                data["session_id"] = None  # Rasa then makes a new one; the widget takes it
            await confirm_session(sid, data)

        async def user_uttered(sid: str, data: Any = None) -> None:  # None: '42["user_uttered"]'
            try:
                if not isinstance(data, dict):
                    check_payload(data)  # raises not_an_object
                if self.session_persistence and not _usable_session_id(data.get("session_id")):
                    raise InvalidRequest(400, "sender_invalid", BAD_SESSION_TEXT, "Unusable session_id.")
                metadata = data.get(key)
                if isinstance(metadata, str):  # Rasa reads a JSON string too
                    try:
                        metadata = json.loads(metadata)
                    except (ValueError, RecursionError):
                        metadata = "not an object"
                check_payload({"sender": "socketio", "message": data.get("message"), "metadata": metadata})
                sender = data["session_id"] if self.session_persistence else sid
                if not in_process.admit(sender):
                    raise TOO_MANY_MESSAGES
            except InvalidRequest as refused:
                logger.info("socket.io: refused a message: %s", refused.code)
                text = BAD_SESSION_TEXT if refused.code.startswith("sender_") else refused.nl
                await sio.emit(event, {"text": text}, room=sid)
                return
            try:
                await handle_message(sid, {**data, key: metadata} if key in data else data)
            finally:
                in_process.release(sender)

        handlers["session_request"], handlers[self.user_message_evt] = session_request, user_uttered


def _usable_session_id(value: Any) -> bool:
    """A session id that the REST webhook would accept as a sender, exactly as it is (Rasa uses it
    unstripped as the conversation id)."""
    if not isinstance(value, str) or value != value.strip():
        return False
    try:
        check_payload({"sender": value, "message": "-"})
    except InvalidRequest:
        return False
    return True


def _no_cors_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    return []

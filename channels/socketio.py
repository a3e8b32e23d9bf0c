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

Rasa's session_request handler calls python-socketio's `enter_room` without awaiting it
(RasaHQ/rasa#13027), which since python-socketio 5.10 leaves a persistent session without answers;
this channel answers session_request itself and awaits it.

It delivers agents' answers exactly once (bot/delivery.py): each connected window holds a lease
renewed by this server; every message the window has not acknowledged is offered to it with its id
(DELIVERY_EVENT) when it connects, when the agent console asks (`POST /webhooks/socketio/deliver`,
with the HTTP API's token from RASA_TOKEN), and again while it stays unacknowledged; the window
answers ACK_EVENT with the ids it has shown. HANDOFF_EVENT tells the window whether an agent has the
chat, for its header.

Typing indicators, both ways, rate-limited on this side too (bot/throttle.py), never with any text:
while an agent has the chat, the window sends CUSTOMER_TYPING_EVENT as the customer types; its socket's
own session (never a session it names) gets its live queue entry stamped, at most once per
CUSTOMER_TYPING_EVERY, for the agent console's "klant typt…". The console's `POST
/webhooks/socketio/typing` (the HTTP API's token, like `/deliver`) sends AGENT_TYPING_EVENT {"name"} to
the window, only while an agent has the chat, at most once per AGENT_TYPING_EVERY per conversation;
the window shows it until the message arrives or a few seconds pass. A signal that is dropped or
fails costs nothing: it never touches a message.

The channel's name stays "socketio", so the widget's path (/socket.io) and the HTTP API's
`output_channel=socketio` keep working.

With several Rasa servers, a chat window is connected to one of them, while a message for it (an
agent's answer that the web app posts through the HTTP API with `output_channel=socketio`) may reach
any other. A Redis URL in SOCKETIO_MESSAGE_QUEUE (by default LOCK_STORE_URL when that is Redis) gives
the servers python-socketio's Redis client manager: every emit goes through Redis to all servers,
and the one holding the window delivers it. Without it (one server) emits stay in the process.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager

from bot.delivery import Message
from bot.throttle import Throttle
from channels import delivery
from channels.rest import MAX_BODY_BYTES, TOO_MANY_MESSAGES, InvalidRequest, check_payload, in_process
from rasa_runtime import fence

ORIGINS_KEY = "cors_allowed_origins"
# The releases whose internals this channel replaces entries of (rasa_runtime.fence checks them).
SOCKETIO, ENGINEIO = "5.18.1", "4.15.1"
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
# Agents' messages go to the window as DELIVERY_EVENT {"id", "text", "kind", "name", "buttons"}; the window
# answers ACK_EVENT {"ids": [...]} once it has shown them (static/widget.js).
DELIVERY_EVENT = "delivery"
ACK_EVENT = "delivery_ack"
HANDOFF_EVENT = "handoff_state"
CUSTOMER_TYPING_EVENT = "customer_typing"
AGENT_TYPING_EVENT = "agent_typing"
# Seconds between two typing signals of one conversation that this server passes on; the window
# and the console send theirs every 2.5 s while someone types.
CUSTOMER_TYPING_EVERY = 2.0
AGENT_TYPING_EVERY = 1.0
MAX_ACK_IDS = 200
LATE_ACK_SECONDS = 60
OFFER_AGAIN_AFTER = timedelta(seconds=5)
logger = logging.getLogger(__name__)


def message_queue_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The Redis URL that connects the Rasa servers' socket.io channels, or None for one server.

    SOCKETIO_MESSAGE_QUEUE when it is set; otherwise LOCK_STORE_URL when that is Redis, since
    several servers share Rasa's lock store there already. Anything else is refused at start-up,
    not discovered when a message goes missing.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    value = env.get("SOCKETIO_MESSAGE_QUEUE")
    if value is None:
        lock_store = env.get("LOCK_STORE_URL", "").strip()
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.windows: dict[str, str] = {}  # socket id -> session id, for the windows connected here
        self.told: dict[str, str | None] = {}  # socket id -> the agent the window was told of
        self.closed_windows: dict[str, str] = {}  # the same as `windows`, for a while after a disconnect
        self._renewal: asyncio.Future | None = None
        self.customer_typing = Throttle(CUSTOMER_TYPING_EVERY)  # per conversation
        self.agent_typing = Throttle(AGENT_TYPING_EVERY)  # per conversation

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
        fence.replace(
            engine, "_cors_headers", _no_cors_headers, library="python-engineio", written_for=ENGINEIO
        )
        self._share_between_servers()
        self._track_chat_windows(socketio_webhook)
        self._relay_typing(socketio_webhook)
        self._apologise_for_failures()
        self._check_input()
        return socketio_webhook

    def _handlers(self) -> dict[str, Any]:
        """python-socketio's handler registry of this channel's namespace: its internals, fenced."""
        fence.check(self.sio, "handlers", library="python-socketio", written_for=SOCKETIO)
        handlers: dict[str, Any] = self.sio.handlers[self.namespace or "/"]
        return handlers

    def _replace_handler(self, event: str, handler: Callable[..., Awaitable[None]]) -> None:
        """Replaces a handler that Rasa 3.6.21's SocketIOInput.blueprint registered, through the fence."""
        fence.replace_item(self._handlers(), event, handler, what="Rasa's socket.io handlers")

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

    def _track_chat_windows(self, webhook: Blueprint) -> None:
        """Replaces Rasa's session_request handler, which calls python-socketio's `enter_room` without
        awaiting it (RasaHQ/rasa#13027): since python-socketio 5.10 that is a coroutine, so the
        window never joined its session's room and got no answer. This one awaits it and confirms
        the session as Rasa does (a new id when there is none). Then the window takes a lease
        (channels/delivery.py) and is offered every message it has not acknowledged yet."""
        handlers = self._handlers()
        forget_socket, handle_message = handlers["disconnect"], handlers[self.user_message_evt]
        sio = self.sio

        async def session_request(sid: str, data: dict | None = None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            if not self.session_persistence:
                return
            self.windows[sid] = session_id
            await delivery.window_opened(session_id, sid)
            for message in await delivery.pending([session_id]):
                await self._offer(message, sid)
            await self._tell_who_is_there(sid, session_id)

        async def user_uttered(sid: str, data: Any = None) -> None:
            await handle_message(sid, data)
            if self.session_persistence and sid in self.windows:
                await self._tell_who_is_there(sid, self.windows[sid])

        async def delivery_ack(sid: str, data: Any = None) -> None:
            # The socket's own session, not one it names; still known for a while after a disconnect,
            # since python-socketio may run an acknowledgement sent just before it afterwards.
            conversation = self.windows.get(sid) or self.closed_windows.get(sid)
            ids = data.get("ids") if isinstance(data, dict) else None
            if conversation and isinstance(ids, list):
                await delivery.acknowledge(conversation, [n for n in ids[:MAX_ACK_IDS] if type(n) is int])

        async def disconnect(sid: str) -> None:
            await forget_socket(sid)
            self.told.pop(sid, None)
            session_id = self.windows.pop(sid, None)
            if session_id is not None:
                self.closed_windows[sid] = session_id
                asyncio.get_running_loop().call_later(LATE_ACK_SECONDS, self.closed_windows.pop, sid, None)
                await delivery.window_closed(sid)

        self._replace_handler("session_request", session_request)
        self._replace_handler("disconnect", disconnect)
        self._replace_handler(self.user_message_evt, user_uttered)
        handlers[ACK_EVENT] = delivery_ack  # the project's own event: an addition, no replacement

        @webhook.route("/deliver", methods=["POST"])
        async def deliver(request: Request) -> HTTPResponse:
            """The agent console's nudge after it stored a message: offers the conversation's
            unacknowledged messages to its window, on whichever server holds it (through Redis)."""
            refused, conversation = _console_request(request)
            if refused is not None:
                return refused
            offered = await delivery.pending([conversation])
            for message in offered:
                await self._offer(message, conversation)
            return response.json({"offered": len(offered)})

        @webhook.listener("after_server_start")
        async def start_leases(*_: Any) -> None:
            await delivery.server_started()
            self._renewal = asyncio.ensure_future(self._renew_forever())

        @webhook.listener("before_server_stop")
        async def stop_leases(*_: Any) -> None:
            if self._renewal is not None:
                self._renewal.cancel()

    def _relay_typing(self, webhook: Blueprint) -> None:
        """The typing indicators (see the module's docstring): the window's CUSTOMER_TYPING_EVENT
        recorded for the console, the console's `/typing` sent to the window as AGENT_TYPING_EVENT."""
        handlers = self._handlers()

        async def customer_typing(sid: str, data: Any = None) -> None:
            # Nothing the event carries is used: the socket's own session, and no text.
            conversation = self.windows.get(sid)
            if conversation is not None and self.customer_typing.allow(conversation):
                await delivery.customer_typing(conversation)

        handlers[CUSTOMER_TYPING_EVENT] = customer_typing

        @webhook.route("/typing", methods=["POST"])
        async def agent_typing(request: Request) -> HTTPResponse:
            """The agent console: the agent who has this conversation is typing an answer."""
            refused, conversation = _console_request(request)
            if refused is not None:
                return refused
            return response.json({"sent": await self.tell_agent_typing(conversation)})

    async def tell_agent_typing(self, conversation_id: str) -> bool:
        """Sends AGENT_TYPING_EVENT with the agent's name to the conversation's window, on whichever
        server holds it; False when dropped (too soon, no agent has the chat) or the send failed."""
        if not self.agent_typing.allow(conversation_id):
            return False
        agent = await delivery.agent_in_chat(conversation_id)
        if not isinstance(agent, str):
            return False
        try:
            await self.sio.emit(
                AGENT_TYPING_EVENT, {"name": agent}, room=conversation_id, namespace=self.namespace
            )
        except Exception:
            logger.warning("socket.io: the agent's typing signal could not be sent", exc_info=True)
            return False
        return True

    async def _tell_who_is_there(self, sid: str, session_id: str) -> None:
        """Tells the window (HANDOFF_EVENT {"agent": name or null}) whether an agent has the chat,
        when that changed: after connecting and after each message (the customer may have left)."""
        agent = await delivery.agent_in_chat(session_id)
        if agent is False or agent is True or self.told.get(sid, False) == agent:
            return
        self.told[sid] = agent
        await self.sio.emit(HANDOFF_EVENT, {"agent": agent}, room=sid, namespace=self.namespace)

    async def _offer(self, message: Message, room: str) -> None:
        """Sends a message with its id; the window shows it once and acknowledges it."""
        payload = {
            "id": message.id,
            "text": message.text,
            "kind": message.kind,
            "name": message.author_name,
            "buttons": message.buttons_json(),
        }
        await self.sio.emit(DELIVERY_EVENT, payload, room=room, namespace=self.namespace)

    async def _renew_forever(self) -> None:
        """While sockets are connected here: renew their leases, and offer again what they have not
        acknowledged (a publish that Redis lost, a nudge to a server that died)."""
        while True:
            await asyncio.sleep(delivery.RENEW_EVERY.total_seconds())
            try:
                windows = dict(self.windows)
                if not windows:
                    continue
                await delivery.renew(list(windows))
                for message in await delivery.pending(set(windows.values()), older_than=OFFER_AGAIN_AFTER):
                    for sid in [
                        sid for sid, session in windows.items() if session == message.conversation_id
                    ]:
                        await self._offer(message, sid)
            except Exception:
                logger.exception("socket.io: renewing the chat windows' leases failed")

    def _apologise_for_failures(self) -> None:
        """A message that could not be processed (e.g. the conversation store is down) gets a Dutch
        answer saying so, instead of silence."""
        handle_message, sio, event = self._handlers()[self.user_message_evt], self.sio, self.bot_message_evt

        async def user_uttered(sid: str, data: dict) -> None:
            try:
                await handle_message(sid, data)
            except Exception:
                logger.exception("socket.io: handling a message failed")
                await sio.emit(event, {"text": NOT_PROCESSED_TEXT}, room=sid)

        self._replace_handler(self.user_message_evt, user_uttered)

    def _check_input(self) -> None:
        """The REST webhook's checks (channels/rest.py) for socket.io: a message that is empty,
        too long (the model blocks the whole server for seconds on 20 kB, minutes on 100 kB), not
        text, without a usable session id, or one too many of its conversation at once
        (channels/rest.py's MAX_IN_PROCESS_PER_SENDER) gets a Dutch answer and never reaches Rasa; an
        unusable session id in a session_request is replaced by a new one. engine.io drops a packet
        over 64 kB (the REST webhook's body limit) by closing that connection."""
        self.sio.eio.max_http_buffer_size = MAX_BODY_BYTES
        handlers = self._handlers()
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

        self._replace_handler("session_request", session_request)
        self._replace_handler(self.user_message_evt, user_uttered)


def _console_request(request: Request) -> tuple[HTTPResponse | None, str]:
    """The conversation a request of the agent console names; a refusal instead when the request does
    not carry the HTTP API's token (RASA_TOKEN) or names no usable conversation."""
    expected = os.environ.get("RASA_TOKEN") or os.environ.get("KLANTENSERVICE_RASA_TOKEN") or ""
    given = request.args.get("token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return response.json({"error": "not authorised"}, status=401), ""
    body = request.json if isinstance(request.json, dict) else {}
    conversation = body.get("conversation_id")
    if not isinstance(conversation, str) or not _usable_session_id(conversation):
        return response.json({"error": "conversation_id missing or unusable"}, status=400), ""
    return None, conversation


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

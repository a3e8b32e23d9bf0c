"""The Rasa server's side of delivering agents' answers (bot/delivery.py): what the channels ask the
assistant's database, off the event loop where it can be slow, and never failing the chat.

A message counts as delivered only once the customer's side confirms it: the chat window
acknowledges its id (channels/socketio.py), or the REST response that carries it has been written
(channels/rest.py). A database that is down delays delivery; it never breaks the chat.

The server's id (KLANTENSERVICE_SERVER_ID, else host name and RASA_PORT) names the leases of the
chat windows connected to it; it stays the same across restarts, so a restarted server can drop the
leases of its previous run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from functools import lru_cache
from typing import Any, TypeVar

from bot.database import utc
from bot.delivery import DeliveryStore, Message

logger = logging.getLogger(__name__)

SERVER_ID_VARIABLE = "KLANTENSERVICE_SERVER_ID"
# A window's lease lasts LEASE; its server renews it every RENEW_EVERY while the socket is connected.
RENEW_EVERY = timedelta(seconds=10)
LEASE = timedelta(seconds=30)
T = TypeVar("T")


def server_id(environ: Mapping[str, str] | None = None) -> str:
    values = os.environ if environ is None else environ
    chosen = values.get(SERVER_ID_VARIABLE, "").strip()
    return (chosen or f"{socket.gethostname()}:{values.get('RASA_PORT', '5005')}")[:120]


@lru_cache(maxsize=1)
def _store() -> DeliveryStore:
    return DeliveryStore()


async def _call(call: Callable[..., T], *args: Any, default: T, what: str) -> T:
    """Runs a store call; on SQLite (a local file, a fraction of a millisecond) on the event loop,
    since a hop to a worker thread and back would queue it behind every other message; a database
    over the network goes through a thread. A failure is logged and gives `default`."""
    try:
        store = _store()
        if store.engine.dialect.name == "sqlite":
            return call(store, *args)
        return await asyncio.to_thread(call, store, *args)
    except Exception:
        logger.exception("Delivery: could not %s", what)
        return default


async def pending(conversation_ids: Iterable[str], older_than: timedelta | None = None) -> list[Message]:
    """Messages no window has acknowledged yet (only those older than `older_than`, when given)."""
    before = utc() - older_than if older_than is not None else None
    return await _call(
        DeliveryStore.pending, list(conversation_ids), before, default=[], what="read the waiting messages"
    )


async def acknowledge(conversation_id: str, message_ids: list[int]) -> int:
    return await _call(
        DeliveryStore.acknowledge, conversation_id, message_ids, default=0, what="record an acknowledgement"
    )


async def hand_out(conversation_id: str) -> tuple[str, list[Message]]:
    return await _call(DeliveryStore.hand_out, conversation_id, default=("", []), what="hand out messages")


async def confirm(token: str) -> None:
    await _call(DeliveryStore.confirm, token, default=None, what="confirm a delivery")


async def release(token: str) -> None:
    await _call(DeliveryStore.release, token, default=None, what="release a delivery")


async def agent_in_chat(conversation_id: str) -> str | None | bool:
    """The name of the agent who has the chat, None when the assistant has it, False when unknown."""
    return await _call(DeliveryStore.agent_in_chat, conversation_id, default=False, what="read the handoff")


async def customer_typing(conversation_id: str) -> bool:
    """Records that the customer is typing, for the agent who has the chat; False when no agent has it."""
    return await _call(
        DeliveryStore.customer_typing, conversation_id, default=False, what="record that the customer types"
    )


async def window_opened(conversation_id: str, socket_id: str) -> None:
    await _call(
        DeliveryStore.window_opened,
        conversation_id,
        socket_id,
        server_id(),
        LEASE,
        default=None,
        what="record a chat window",
    )


async def window_closed(socket_id: str) -> None:
    await _call(
        DeliveryStore.window_closed, server_id(), socket_id, default=None, what="record a closed window"
    )


async def renew(socket_ids: list[str]) -> None:
    await _call(DeliveryStore.renew, server_id(), socket_ids, LEASE, default=None, what="renew the leases")


async def server_started() -> None:
    cleared = await _call(DeliveryStore.server_started, server_id(), default=0, what="clear old leases")
    if cleared:
        logger.info("Delivery: %d chat-window leases of this server's previous run cleared", cleared)

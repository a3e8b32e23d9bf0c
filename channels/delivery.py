"""Agents' answers that have not reached the customer yet, handed to the channels to deliver.

The agent console records every answer in the conversation through Rasa's HTTP API and pushes it
at once to a connected chat window. What could not be pushed (the window was closed, or the
customer uses the REST channel, which cannot push) waits in the queue's database: the socket.io
channel delivers it when the window connects again, the REST channel with its next answer. A
database that is down delays delivery; it never breaks the chat.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache

from bot.delivery import DeliveryStore

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _queue() -> DeliveryStore:
    return DeliveryStore()


async def take_undelivered(conversation_id: str) -> list[str]:
    """The waiting answers' texts, oldest first; each is handed out once.

    Asked after every message, so on SQLite (a local file: a fraction of a millisecond when nothing
    waits) it runs on the event loop; a hop to a worker thread and back would queue the answer
    behind every other message being processed. A database over the network goes through a thread.
    """
    try:
        queue = _queue()
        if queue.engine.dialect.name == "sqlite":
            messages = queue.take_undelivered(conversation_id)
        else:
            messages = await asyncio.to_thread(queue.take_undelivered, conversation_id)
    except Exception:
        logger.exception("Could not read undelivered agent messages for %s", conversation_id)
        return []
    return [message.text for message in messages]


async def chat_opened(conversation_id: str, socket_id: str) -> None:
    await _quietly(_queue().set_presence, conversation_id, socket_id, True)


async def chat_closed(socket_id: str) -> None:
    await _quietly(_queue().socket_closed, socket_id)


async def _quietly(call, *args) -> None:
    try:
        await asyncio.to_thread(call, *args)
    except Exception:
        logger.exception("Could not record the chat window's presence")

"""The lock store chosen by LOCK_STORE_URL, and its wait for a conversation's lock when the server
holding the lock was killed (its ticket is never given back)."""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_runtime.lock_store import MemoryLockStore, SharedRedisLockStore, from_url

LIFETIME = 0.2  # seconds a ticket lives in these tests
WAIT = 0.01


def _orphaned_and_waiting(store: LockStore, conversation: str) -> int:
    """A ticket of a killed server (never finished) and, behind it, the ticket of a waiting message;
    returns the waiting ticket after both have expired."""
    store.issue_ticket(conversation, LIFETIME)
    waiting = store.issue_ticket(conversation, LIFETIME)
    time.sleep(LIFETIME * 1.5)
    return waiting


def test_a_waiting_message_is_served_once_the_tickets_ahead_have_expired():
    store = MemoryLockStore()
    waiting = _orphaned_and_waiting(store, "c1")
    lock = asyncio.run(asyncio.wait_for(store._acquire_lock("c1", waiting, WAIT), timeout=30))
    assert lock.conversation_id == "c1"


def test_rasas_own_wait_never_ends_there():
    store = InMemoryLockStore()
    waiting = _orphaned_and_waiting(store, "c1")
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(store._acquire_lock("c1", waiting, WAIT), timeout=1))


def test_a_waiting_message_still_waits_for_a_live_ticket_ahead():
    store = MemoryLockStore()
    store.issue_ticket("c1", 60)
    waiting = store.issue_ticket("c1", 60)
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(store._acquire_lock("c1", waiting, WAIT), timeout=0.5))


def test_messages_are_still_served_in_turn():
    store = MemoryLockStore()
    served: list[int] = []

    async def one(text: int) -> None:
        async with store.lock("c1", lock_lifetime=60, wait_time_in_seconds=WAIT):
            served.append(text)
            await asyncio.sleep(0.02)
            served.append(text)

    async def many() -> None:
        await asyncio.gather(*(one(number) for number in range(5)))

    asyncio.run(many())
    assert served == [number for number in range(5) for _ in range(2)]  # never interleaved


@pytest.mark.parametrize(
    "url, kind, parent",
    [
        (None, MemoryLockStore, InMemoryLockStore),
        ("memory", MemoryLockStore, InMemoryLockStore),
        ("redis://localhost:6390/2", SharedRedisLockStore, RedisLockStore),
    ],
)
def test_the_url_chooses_rasas_store(url, kind, parent):
    store = from_url(EndpointConfig(url=url))
    assert type(store) is kind and isinstance(store, parent)


def test_a_redis_url_is_read_whole():
    store = from_url(EndpointConfig(url="redis://:geheim@redis.example:6390/3"))
    options = store.red.connection_pool.connection_kwargs
    assert (options["host"], options["port"], options["db"], options["password"]) == (
        "redis.example",
        6390,
        3,
        "geheim",
    )


@pytest.mark.parametrize("url", ["http://localhost:6379", "redis://", "postgresql://x/y"])
def test_other_urls_are_refused(url):
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        from_url(EndpointConfig(url=url))


def test_a_message_whose_own_ticket_expired_while_waiting_is_served():
    store = MemoryLockStore()
    waiting = _orphaned_and_waiting(store, "c1")
    store.delete_lock("c1")  # as Redis does once the last ticket is gone
    lock = asyncio.run(asyncio.wait_for(store._acquire_lock("c1", waiting, WAIT), timeout=30))
    assert lock.conversation_id == "c1"

"""Rasa's lock store chosen by one URL (LOCK_STORE_URL), so the default stays embedded.

endpoints.yml:

    lock_store:
      type: rasa_runtime.lock_store.LockStoreFromUrl

The URL is `url` in endpoints.yml when given, else the LOCK_STORE_URL environment variable, else
`memory`, so plain `rasa run` works without any variable set.
`memory` (the default, one Rasa server) gives Rasa's InMemoryLockStore; `redis://[:password@]host:port/db`
gives Rasa's RedisLockStore, which several Rasa servers share so that one conversation's messages
are handled one at a time whichever server receives them.

Both wait for a conversation's lock as Rasa does, except that a waiting message goes ahead once no
unexpired ticket before its own is left. Rasa waits for its own ticket to be the first one, so when a
server is killed while it holds a conversation's ticket and the waiting ticket expires as well, the
empty lock is never served and the survivor's request for that conversation never ends.

On Redis, each change of a lock is one transaction (WATCH/MULTI): Rasa reads a lock, changes it and
writes it back in separate steps, so two servers taking a ticket at the same moment could both get
the same number, or one could erase the other's ticket, and two turns of one conversation would run
at once and overwrite each other's events.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

import rasa_runtime

T = TypeVar("T")

KEY_PREFIX = "klantenservice"


class _ServedWhenNothingIsAhead:
    """Rasa's wait for a ticket lock, ended by expired tickets ahead as well as by served ones."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        rasa_runtime.install()
        super().__init__(*args, **kwargs)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)  # type: ignore[attr-defined]
            if lock is None:  # every ticket expired, this one's too: nobody is ahead
                return TicketLock(conversation_id)
            if not any(t.number < ticket and not t.has_expired() for t in lock.tickets):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)  # type: ignore[attr-defined]


class MemoryLockStore(_ServedWhenNothingIsAhead, InMemoryLockStore):
    pass


class SharedRedisLockStore(_ServedWhenNothingIsAhead, RedisLockStore):
    """Rasa's RedisLockStore whose every change of a lock is atomic among the servers."""

    def _change(
        self, conversation_id: str, change: Callable[[TicketLock], T], create: bool = False
    ) -> T | None:
        """Applies `change` to the stored lock in one transaction, retried when another server wrote
        the lock in between; a lock left without tickets is deleted."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    if stored is None and not create:
                        pipe.unwatch()
                        return None
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else TicketLock(conversation_id)
                    result = change(lock)
                    pipe.multi()
                    if lock.tickets:
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, TicketLock.remove_expired_tickets)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self.finish_serving(conversation_id, ticket_number)  # deletes the lock when nobody waits


def from_url(endpoint_config: EndpointConfig) -> LockStore:
    url = (endpoint_config.url or os.environ.get("LOCK_STORE_URL") or "memory").strip()
    if url in ("memory", "in_memory"):
        return MemoryLockStore()
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"LOCK_STORE_URL={url!r}: use 'memory' or redis://host:6379/0")
    return SharedRedisLockStore(
        host=parts.hostname,
        port=parts.port or 6379,
        db=int(parts.path.strip("/") or 0),
        password=parts.password,
        use_ssl=parts.scheme == "rediss",
        key_prefix=KEY_PREFIX,
    )


class LockStoreFromUrl:
    """What endpoints.yml names: Rasa wants a class there, so creating it returns `from_url(...)`."""

    def __new__(cls, endpoint_config: EndpointConfig) -> LockStore:  # type: ignore[misc]
        rasa_runtime.install()
        return from_url(endpoint_config)

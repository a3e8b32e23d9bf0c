"""Rasa's lock store chosen by one URL (LOCK_STORE_URL), so the default stays embedded.

endpoints.yml:

    lock_store:
      type: rasa_runtime.lock_store.LockStoreFromUrl
      url: ${LOCK_STORE_URL}

`memory` (the default, one Rasa server) gives Rasa's InMemoryLockStore; `redis://[:password@]host:port/db`
gives Rasa's RedisLockStore, which several Rasa servers share so that one conversation's messages
are handled one at a time whichever server receives them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

KEY_PREFIX = "klantenservice"


def from_url(endpoint_config: EndpointConfig) -> LockStore:
    url = (endpoint_config.url or "memory").strip()
    if url in ("memory", "in_memory"):
        return InMemoryLockStore()
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"LOCK_STORE_URL={url!r}: use 'memory' or redis://host:6379/0")
    return RedisLockStore(
        host=parts.hostname, port=parts.port or 6379, db=int(parts.path.strip("/") or 0),
        password=parts.password, use_ssl=parts.scheme == "rediss", key_prefix=KEY_PREFIX,
    )


class LockStoreFromUrl:
    """What endpoints.yml names: Rasa wants a class there, so creating it returns `from_url(...)`."""

    def __new__(cls, endpoint_config: EndpointConfig) -> LockStore:  # type: ignore[misc]
        return from_url(endpoint_config)

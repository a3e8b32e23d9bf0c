"""The shared Redis lock store on a real Redis, several servers at once: every ticket is kept and
distinct, and turns never overlap. Redis requires a password, as in production."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from rasa_runtime.lock_store import SharedRedisLockStore, from_url

WAIT = 0.01


def _servers(redis_url: str, count: int) -> list[SharedRedisLockStore]:
    """Lock stores with connections of their own, as on separate Rasa servers."""
    return [from_url(EndpointConfig(url=redis_url)) for _ in range(count)]


def test_tickets_taken_at_once_on_several_servers_are_all_kept_and_distinct(redis_url):
    from concurrent.futures import ThreadPoolExecutor

    servers = _servers(redis_url, 4)
    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda n: servers[n % 4].issue_ticket("gelijktijdig", 60), range(80)))
    assert len(set(numbers)) == 80
    stored = servers[0].get_lock("gelijktijdig")
    assert sorted(t.number for t in stored.tickets) == sorted(numbers)
    for number in numbers:
        servers[number % 4].cleanup("gelijktijdig", number)
    assert servers[0].get_lock("gelijktijdig") is None  # the last one out deletes the lock


def test_turns_on_several_servers_never_overlap(redis_url):
    import threading

    servers = _servers(redis_url, 2)
    inside, overlaps = [], []

    def turn(server: SharedRedisLockStore) -> None:
        async def run() -> None:
            async with server.lock("beurten", lock_lifetime=60, wait_time_in_seconds=WAIT):
                inside.append(1)
                overlaps.append(len(inside) > 1)
                await asyncio.sleep(0.01)
                inside.pop()

        asyncio.run(run())

    threads = [threading.Thread(target=turn, args=(servers[n % 2],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(overlaps) == 20 and not any(overlaps)


def test_the_lock_store_sends_the_password_that_redis_requires(redis_url):
    parts = urlsplit(redis_url)
    assert parts.password, "the test Redis has a password"
    without_password = parts._replace(netloc=f"{parts.hostname}:{parts.port}").geturl()
    with pytest.raises(LockError, match="Authentication required") as refused:
        from_url(EndpointConfig(url=without_password)).issue_ticket("zonder-wachtwoord", 60)
    assert parts.password not in str(refused.value)
    store = from_url(EndpointConfig(url=redis_url))
    ticket = store.issue_ticket("met-wachtwoord", 60)
    assert [t.number for t in store.get_lock("met-wachtwoord").tickets] == [ticket]
    store.cleanup("met-wachtwoord", ticket)

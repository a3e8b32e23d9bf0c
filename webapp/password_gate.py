"""bcrypt for the login, in its own two threads: a flood of login attempts waits here (or is turned
away) instead of filling the thread pool the console's database calls run in."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bot.agents import password_matches

WORKERS = 2  # bcrypt checks at once; the machine keeps its other cores for the console
MAX_WAITING = 20  # checks that may be running or waiting for a worker; more are answered "busy" at once


class Busy(Exception):
    """Too many password checks are waiting already."""


class PasswordGate:
    def __init__(self, workers: int = WORKERS, max_waiting: int = MAX_WAITING) -> None:
        self.workers, self.max_waiting = workers, max_waiting
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bcrypt")
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0

    async def matches(self, password: str, password_hash: bytes) -> bool:
        """bcrypt's verdict, at most `workers` at once; raises Busy when `max_waiting` are
        running or waiting already."""
        if self._slots is None:  # made on the app's event loop, at the first login
            self._slots = asyncio.Semaphore(self.workers)
        if self._waiting >= self.max_waiting:
            raise Busy
        self._waiting += 1
        try:
            async with self._slots:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._executor, password_matches, password, password_hash)
        finally:
            self._waiting -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

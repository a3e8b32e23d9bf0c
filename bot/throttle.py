"""A per-key minimum interval for signals that may be dropped, such as typing indicators.

`allow(key)` is true at most once per `interval` for each key; everything in between is dropped, so a
flood costs a dictionary lookup and never reaches a database or a socket. The memory is bounded: keys
whose interval has passed are forgotten, and when `max_keys` keys are all still within their interval
a new key is refused (a signal that may be dropped is, rather than growing without end).

Kept in the process: each server limits what reaches it, which is enough for signals whose loss
costs nothing.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class Throttle:
    def __init__(
        self, interval: float, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if interval <= 0 or max_keys <= 0:
            raise ValueError("a throttle needs a positive interval and room for at least one key")
        self.interval = interval
        self.max_keys = max_keys
        self._clock = clock
        self._last: OrderedDict[Hashable, float] = OrderedDict()  # oldest allowance first

    def allow(self, key: Hashable) -> bool:
        """Whether a signal for `key` may go now; if so, the next one waits `interval`."""
        now = self._clock()
        self._forget_before(now - self.interval)
        if key in self._last:
            return False
        if len(self._last) >= self.max_keys:
            return False
        self._last[key] = now
        return True

    def forget(self, key: Hashable) -> None:
        """The next signal for `key` may go at once (e.g. after the message it announced was sent)."""
        self._last.pop(key, None)

    def __len__(self) -> int:
        return len(self._last)

    def _forget_before(self, moment: float) -> None:
        while self._last:
            key, last = next(iter(self._last.items()))
            if last > moment:
                return
            del self._last[key]

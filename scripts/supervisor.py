"""Keeps the assistant's processes running under `make run`: a process that exits is started again
after a growing pause, the others keep running, and Ctrl-C stops them all.

The pause doubles from `first` up to `longest` while a process keeps failing soon after its start,
so a process that cannot start (a port in use, a broken model) does not spin; once it has run for
`steady` seconds it counts as healthy again and its next restart is quick.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    """When to start a process again after it stopped, from how long it had been running."""

    first: float = 1.0
    longest: float = 30.0
    steady: float = 60.0
    failures: int = field(default=0, init=False)

    def after_exit(self, ran_for: float) -> float:
        """The pause before the next start; a process that ran `steady` seconds starts a new count."""
        if ran_for >= self.steady:
            self.failures = 0
        delay = min(self.first * 2**self.failures, self.longest)
        self.failures += 1
        return delay

"""How many rows of each kind a deletion removed. The retention purge and a customer's erasure delete
the same kinds of rows, so they count and report them the same way."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class DeletedRows:
    tracker_events: int = 0
    review_decisions: int = 0
    queue_entries: int = 0
    agent_messages: int = 0
    agent_notes: int = 0
    chat_windows: int = 0
    cases: int = 0
    csat_ratings: int = 0

    def counts(self) -> dict[str, int]:
        return {field.name: getattr(self, field.name) for field in fields(DeletedRows)}

    @property
    def total(self) -> int:
        return sum(self.counts().values())

    def __str__(self) -> str:
        return ", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in self.counts().items())

"""What the actions read from a tracker: the latest message's text, intent and entity values."""

from __future__ import annotations

from rasa_sdk import Tracker


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    return [
        str(item["value"])
        for item in tracker.latest_message.get("entities") or []
        if item.get("entity") == entity and item.get("value") is not None
    ]

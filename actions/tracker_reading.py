"""What the actions read from a tracker: the latest message's text, intent and entity values, and the
key of the request an action serves."""

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


def request_key(tracker: Tracker, loop: str) -> str:
    """The conversation and the moment `loop` (a form) was last started: the same for every run of
    an action that completes that form, so a run that Rasa retries after a timeout files nothing twice."""
    started = next(
        (
            event.get("timestamp")
            for event in reversed(tracker.events)
            if event.get("event") == "active_loop" and event.get("name") == loop
        ),
        None,
    )
    return f"{tracker.sender_id}|{loop}|{started}"

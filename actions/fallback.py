"""Not understood: ask to rephrase; the second time in a row, offer a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

FALLBACK_INTENT = "nlu_fallback"


def misunderstood_in_a_row(tracker: Tracker) -> int:
    """How many of the customer's last messages in a row were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionNietBegrepen(Action):
    def name(self) -> str:
        return "action_niet_begrepen"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if misunderstood_in_a_row(tracker) < 2:
            dispatcher.utter_message(response="utter_niet_begrepen")
            return []
        dispatcher.utter_message(response="utter_nog_steeds_niet_begrepen")
        return [FollowupAction("utter_medewerker_aanbieden")]

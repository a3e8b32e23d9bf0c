"""Answers every question about when the customer service is open, and the follow-ups to it and to a
question about calling ("en op zaterdag?")."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import entity_values, latest_text
from bot import clock
from bot.wording import answer_hours_question


class ActionOpeningstijden(Action):
    def name(self) -> str:
        return "action_openingstijden"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        answer = answer_hours_question(
            latest_text(tracker),
            entity_values(tracker, "dag"),
            clock.now(),
            tracker.get_slot("taal"),
            about_calling=tracker.get_slot("onderwerp") == "contact",
        )
        dispatcher.utter_message(text=answer)
        return []

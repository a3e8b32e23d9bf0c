"""Answers every question about when the customer service is open."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import entity_values, latest_text
from bot import clock
from bot.hours_text import answer_hours_question


class ActionOpeningstijden(Action):
    def name(self) -> str:
        return "action_openingstijden"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        answer = answer_hours_question(latest_text(tracker), entity_values(tracker, "dag"), clock.now())
        dispatcher.utter_message(text=answer)
        return []

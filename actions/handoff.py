"""Brings in a person: while the service is staffed, and otherwise says when people are back."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import clock
from bot.dutch import format_moment, format_time
from bot.hours import default_calendar
from bot.settings import load_settings


class ActionMedewerker(Action):
    def name(self) -> str:
        return "action_medewerker"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        calendar = default_calendar()
        now = clock.now()
        start, end = calendar.staffed_window(now)
        phone = load_settings().contact.phone
        if start <= now:
            dispatcher.utter_message(response="utter_medewerker_open", tot=format_time(end), telefoonnummer=phone)
        else:
            dispatcher.utter_message(response="utter_medewerker_gesloten", terug=format_moment(start, now),
                                     telefoonnummer=phone)
        return []

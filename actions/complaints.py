"""The complaint path beyond customer service: the ombudsman's deadline and the dispute committee."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import clock
from bot.hours_text import ombudsman_deadline
from bot.settings import load_settings
from bot.wording import format_date


def complaint_path_values(now: datetime, language: str | None = None) -> dict[str, str]:
    """Template values for responses that explain the ombudsman and Kifid."""
    settings = load_settings()
    today = now.date()
    return {
        "werkdagen": str(settings.complaints.ombudsman_working_days),
        "ombudsman_datum": format_date(ombudsman_deadline(today), today, language),
        "kifid_url": settings.contact.dispute_committee or "",
    }


class ActionKlachtEscaleren(Action):
    def name(self) -> str:
        return "action_klacht_escaleren"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        dispatcher.utter_message(
            response="utter_klacht_escaleren", **complaint_path_values(clock.now(), tracker.get_slot("taal"))
        )
        return []

"""Answers about how to reach the customer service, with the facts from klantenservice.yml."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_reading import latest_intent
from bot import clock
from bot.hours import default_calendar
from bot.hours_text import describe_week, now_status
from bot.settings import load_settings

RESPONSE_BY_INTENT = {
    "telefoonnummer": "utter_telefoonnummer",
    "email_contact": "utter_email_contact",
    "social_media": "utter_social_media",
    "vacatures": "utter_vacatures",
}


def contact_facts() -> dict[str, str | None]:
    """The template values the contact responses in domain.yml use."""
    settings = load_settings()
    contact = settings.contact
    return {
        "telefoonnummer": contact.phone,
        "belkosten": contact.phone_costs,
        "chat_url": contact.chat_url,
        "facebook": contact.social_url("facebook") or "",
        "twitter": contact.social_url("twitter") or "",
        "instagram": contact.social_url("instagram") or "",
        "linkedin": contact.jobs,
        "uren": describe_week(settings),
        "nu": now_status(default_calendar(), clock.now()),
    }


class ActionContactgegevens(Action):
    def name(self) -> str:
        return "action_contactgegevens"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        response = RESPONSE_BY_INTENT.get(latest_intent(tracker) or "", "utter_telefoonnummer")
        dispatcher.utter_message(response=response, **contact_facts())
        return []

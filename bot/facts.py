"""The page's facts as the responses in domain.yml use them ({telefoonnummer}, {uren}, {nu}, ...).

The Rasa server fills them in itself (rasa_runtime/nlg.py), so the answers that only state facts
need no action server; klantenservice.yml stays their one home.
"""

from __future__ import annotations

from datetime import datetime

from bot.hours import default_calendar
from bot.settings import load_settings
from bot.wording import DUTCH, ENGLISH, describe_week, is_english, now_status


def response_facts(now: datetime, language: str | None = None) -> dict[str, str | None]:
    """Every fact a response may name, with whether people are there at `now`; the sentences
    ({uren}, {nu}) in the conversation's language (slot `taal`)."""
    settings = load_settings()
    contact = settings.contact
    return {
        "telefoonnummer": contact.phone,
        "belkosten": (contact.phone_costs_en if is_english(language) else None) or contact.phone_costs,
        "chat_url": contact.chat_url,
        "facebook": contact.social_url("facebook") or "",
        "twitter": contact.social_url("twitter") or "",
        "instagram": contact.social_url("instagram") or "",
        "linkedin": contact.jobs,
        "uren": describe_week(settings, language),
        "nu": now_status(default_calendar(), now, language),
        # both languages at once, for the one answer written in both (utter_andere_taal)
        "nu_nl": now_status(default_calendar(), now, DUTCH),
        "nu_en": now_status(default_calendar(), now, ENGLISH),
    }

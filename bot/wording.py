"""What the code writes itself (dates, waits, opening hours), in the conversation's language.

The slot `taal` holds "nl" or "en" (rasa_runtime/language.py sets it); anything else, or nothing,
is Dutch, the assistant's first language. The formatting itself lives in bot/dutch.py and
bot/english.py, the hours sentences in bot/hours_text.py and bot/hours_text_en.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot import dutch, english, hours_text, hours_text_en
from bot.hours import Calendar
from bot.settings import Settings

DUTCH, ENGLISH = "nl", "en"


def is_english(language: str | None) -> bool:
    return language == ENGLISH


def format_date(day: date, today: date, language: str | None) -> str:
    """ "maandag 30 november" / "Monday 30 November" (with the year when it is not this year's)."""
    return english.format_date(day, today) if is_english(language) else dutch.format_date(day, today)


def format_moment(moment: datetime, now: datetime, language: str | None) -> str:
    """ "maandag 30 november om 09:00" / "on Monday 30 November at 9:00 am"."""
    return english.format_moment(moment, now) if is_english(language) else dutch.format_moment(moment, now)


def format_wait(wait: timedelta, language: str | None) -> str:
    """ "ongeveer 12 minuten" / "about 12 minutes"."""
    return english.format_wait(wait) if is_english(language) else dutch.format_wait(wait)


def describe_week(settings: Settings, language: str | None) -> str:
    if is_english(language):
        return hours_text_en.describe_week(settings)
    return hours_text.describe_week(settings)


def now_status(calendar: Calendar, now: datetime, language: str | None) -> str:
    if is_english(language):
        return hours_text_en.now_status(calendar, now)
    return hours_text.now_status(calendar, now)


def answer_hours_question(
    text: str, entity_values: list[str], now: datetime, language: str | None, about_calling: bool = False
) -> str:
    """The answer to an opening-hours question in the conversation's language."""
    if is_english(language):
        return hours_text_en.answer_hours_question(text, now, about_calling=about_calling)
    return hours_text.answer_hours_question(text, entity_values, now, about_calling=about_calling)

"""Dutch formatting of dates and times for customer-facing text.

Names are data here rather than taken from the locale, so the output does not depend on which
locales the server happens to have installed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
SHORT_WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def weekday_name(day: date) -> str:
    """ "maandag" ... "zondag"."""
    return WEEKDAYS[day.weekday()]


def month_name(month: int) -> str:
    """ "januari" for 1 ... "december" for 12."""
    return MONTHS[month - 1]


def format_date(day: date, today: date | None = None) -> str:
    """ "maandag 30 november"; with the year ("vrijdag 1 januari 2027") when it differs from today's.

    Without `today` the year is never added: the function has no hidden clock, so callers that want
    the year rule pass the current date.
    """
    text = f"{weekday_name(day)} {day.day} {month_name(day.month)}"
    if today is not None and day.year != today.year:
        text += f" {day.year}"
    return text


def format_time(moment: time | datetime) -> str:
    """ "09:00" (24-hour clock, as is usual in Dutch)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_moment(moment: datetime, now: datetime) -> str:
    """ "vandaag om 14:00", "morgen om 09:00", else "maandag 30 november om 09:00".

    `moment` is shown in the time zone of `now` when both are aware.
    """
    if moment.tzinfo is not None and now.tzinfo is not None:
        moment = moment.astimezone(now.tzinfo)
    days_ahead = (moment.date() - now.date()).days
    clock = format_time(moment)
    if days_ahead == 0:
        return f"vandaag om {clock}"
    if days_ahead == 1:
        return f"morgen om {clock}"
    return f"{format_date(moment.date(), now.date())} om {clock}"


def join_words(items: Iterable[str], last: str = "en") -> str:
    """ "a", "a en b", "a, b en c"."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def capitalize_first(text: str) -> str:
    """Upper-case only the first letter (str.capitalize would lower-case the rest)."""
    return text[:1].upper() + text[1:]


def format_wait(wait: timedelta) -> str:
    """ "minder dan een minuut", "ongeveer 1 minuut", "ongeveer 12 minuten", "ongeveer 2 uur"."""
    minutes = round(wait.total_seconds() / 60)
    if minutes < 1:
        return "minder dan een minuut"
    if minutes < 90:
        return f"ongeveer {minutes} {'minuut' if minutes == 1 else 'minuten'}"
    return f"ongeveer {round(minutes / 60)} uur"

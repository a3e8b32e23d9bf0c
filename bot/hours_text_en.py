"""English answers about when the customer service is staffed (bot/hours_text.py's counterpart).

The facts come from the same calendar; the day a message names is read by the Dutch day parser
after English day words are put into Dutch ("Saturday" -> "zaterdag", "Boxing Day" -> "tweede
kerstdag"), so there is one reader of days and holidays.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from bot.dayparse import NonexistentDateError, parse_day
from bot.dutch import MONTHS as DUTCH_MONTHS
from bot.dutch import WEEKDAYS as DUTCH_WEEKDAYS
from bot.english import (
    MONTHS,
    WEEKDAYS,
    day_name,
    format_date,
    format_moment,
    format_time,
    join_words,
    month_name,
)
from bot.hours import Calendar, OutOfRangeError, default_calendar
from bot.hours_text import _day_groups, _opens_later_today, asks_about_calling
from bot.settings import Settings

CHATBOT_SENTENCE = "The chatbot (that's me) is available day and night."
MEANWHILE_SENTENCE = "Until then I'm happy to help you myself."

# Longest phrases first: "christmas day" before "christmas".
_PHRASES = (
    ("day after tomorrow", "overmorgen"),
    ("christmas eve", "kerstavond"),
    ("christmas day", "eerste kerstdag"),
    ("boxing day", "tweede kerstdag"),
    ("christmas", "kerst"),
    ("new year's eve", "oudejaarsdag"),
    ("new years eve", "oudejaarsdag"),
    ("new year's day", "nieuwjaarsdag"),
    ("new years day", "nieuwjaarsdag"),
    ("easter monday", "tweede paasdag"),
    ("easter sunday", "eerste paasdag"),
    ("easter", "pasen"),
    ("good friday", "goede vrijdag"),
    ("king's day", "koningsdag"),
    ("kings day", "koningsdag"),
    ("liberation day", "bevrijdingsdag"),
    ("ascension day", "hemelvaartsdag"),
    ("whit monday", "tweede pinksterdag"),
    ("pentecost", "pinksteren"),
    ("whitsun", "pinksteren"),
    ("next week", "volgende week"),
    ("today", "vandaag"),
    ("tonight", "vandaag"),
    ("tomorrow", "morgen"),
    *((english.lower(), dutch) for english, dutch in zip(WEEKDAYS, DUTCH_WEEKDAYS, strict=True)),
)
_MONTH = "|".join(m.lower() for m in MONTHS)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({_MONTH})\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b")
_NOW = re.compile(r"\b(?:now|right now|at the moment|currently|at this moment|still open)\b")


def to_dutch_day_words(text: str) -> str:
    """The message with its English day phrases in Dutch, for the day parser ("open on 25th of
    December?" -> "open on 25 december?"). A month is only read next to a day number ("may I ...")."""
    text = text.lower()
    for english, dutch in _PHRASES:
        text = re.sub(rf"\b{re.escape(english)}s?\b", dutch, text)
    month_of = {m.lower(): d for m, d in zip(MONTHS, DUTCH_MONTHS, strict=True)}
    text = _DAY_MONTH.sub(lambda m: f"{m.group(1)} {month_of[m.group(2)]}", text)
    return _MONTH_DAY.sub(lambda m: f"{m.group(2)} {month_of[m.group(1)]}", text)


def asks_about_now(text: str) -> bool:
    """True when the customer asks whether people are there right now ("are you open now?")."""
    return _NOW.search(text.lower()) is not None


def _days_phrase(first: int, last: int) -> str:
    """ "on Saturday", "on Monday and Tuesday", "Monday to Friday"."""
    if first == last:
        return f"on {WEEKDAYS[first]}"
    if last == first + 1:
        return f"on {WEEKDAYS[first]} and {WEEKDAYS[last]}"
    return f"{WEEKDAYS[first]} to {WEEKDAYS[last]}"


def _hours_phrase(opening: time, closing: time) -> str:
    return f"from {format_time(opening)} to {format_time(closing)}"


def describe_week(settings: Settings) -> str:
    """The general staffed hours, derived from the configuration."""
    open_parts = [
        f"{_days_phrase(first, last)} {_hours_phrase(hours.open, hours.close)}"
        for first, last, hours in _day_groups(settings.weekly_hours)
        if hours is not None
    ]
    closed_days = [f"{WEEKDAYS[i]}s" for i, hours in enumerate(settings.weekly_hours) if hours is None]
    sentences = [f"Our agents are available {join_words(open_parts)}."]
    closed = f"on {', '.join(closed_days)} and on public holidays" if closed_days else "on public holidays"
    sentences.append(f"We are closed {closed}.")
    for special in sorted((s for s in settings.special_days if s.yearly), key=lambda s: (s.month, s.day)):
        label = f"{special.day} {month_name(special.month)}"
        if special.name:
            label += f" ({day_name(special.name)})"
        if special.hours is None:
            sentences.append(f"On {label} we are closed.")
        else:
            sentences.append(
                f"On {label} we are there {_hours_phrase(special.hours.open, special.hours.close)}."
            )
    sentences.append(CHATBOT_SENTENCE)
    return " ".join(sentences)


def _reopening_sentence(reopen: datetime, now: datetime) -> str:
    days_ahead = (reopen.date() - now.date()).days
    if days_ahead == 0:
        return f"Today we are there from {format_time(reopen)}."
    if days_ahead == 1:
        return f"We are back tomorrow, {format_date(reopen.date(), now.date())} at {format_time(reopen)}."
    return f"We are back {format_moment(reopen, now)}."


def now_status(calendar: Calendar, now: datetime) -> str:
    """A short status line to follow the week overview."""
    now = calendar.local(now)
    if calendar.is_staffed(now):
        _, end = calendar.staffed_window(now)
        return f"Our agents are available right now, today until {format_time(end)}."
    name = calendar.closure_name(now.date())
    reason = f" Today is {day_name(name)}." if name else ""
    reopen = _reopening_sentence(calendar.next_opening(now), now)
    return f"Our agents are not available right now.{reason} {reopen}"


def describe_now(calendar: Calendar, now: datetime) -> str:
    """Whether people are there right now, and if not, when they are back."""
    now = calendar.local(now)
    if calendar.is_staffed(now):
        _, end = calendar.staffed_window(now)
        return f"Yes, our agents are available now, today until {format_time(end)}."
    reopen = _reopening_sentence(calendar.next_opening(now), now)
    return f"No, nobody is available right now. {reopen} {MEANWHILE_SENTENCE}"


def _day_label(calendar: Calendar, day: date, today: date) -> str:
    label = format_date(day, today)
    name = calendar.day_name(day)
    return f"{label} ({day_name(name)})" if name else label


def describe_day(calendar: Calendar, day: date, now: datetime) -> str:
    """The staffed hours on `day`; for today combined with the situation right now."""
    now = calendar.local(now)
    today = now.date()
    if day < today:
        return f"{format_date(day, today)} has already passed. {now_status(calendar, now)}"
    hours = calendar.hours_on(day)
    if day == today:
        name = calendar.day_name(today)
        intro = f"Today ({day_name(name)})" if name else "Today"
        if hours is None:
            return f"{intro} we are closed. {_reopening_sentence(calendar.next_opening(now), now)}"
        day_hours = f"{intro} we are available {_hours_phrase(*hours)}"
        if calendar.is_staffed(now):
            return f"{day_hours}, so our agents are there right now."
        if _opens_later_today(calendar, now):
            return f"{day_hours}. We are not open yet."
        back = _reopening_sentence(calendar.next_opening(now), now)
        return f"{day_hours}, but we have closed for today. {back}"
    label = _day_label(calendar, day, today)
    if hours is not None:
        return f"On {label} we are available {_hours_phrase(*hours)}."
    reopen = calendar.next_opening(calendar.at(day, time(0)))
    return f"On {label} we are closed. {_reopening_sentence(reopen, now)}"


def answer_hours_question(
    text: str, now: datetime, calendar: Calendar | None = None, about_calling: bool = False
) -> str:
    """The English answer to an `openingstijden` question (the Rasa action's entry point)."""
    calendar = calendar or default_calendar()
    now = calendar.local(now)
    week = describe_week(calendar.settings)
    try:
        day = parse_day(to_dutch_day_words(text), [], now.date(), calendar.settings)
        if day is not None:
            answer = describe_day(calendar, day, now)
        elif asks_about_now(text):
            answer = describe_now(calendar, now)
        else:
            answer = f"{week} {now_status(calendar, now)}"
    except NonexistentDateError:
        answer = f"That date does not exist, so I can't give you hours for it. {week}"
    except OutOfRangeError as error:
        answer = f"I can only answer for dates up to 31 December {error.last_year}. {week}"
    if about_calling or asks_about_calling(text) or re.search(r"\b(?:call|phone|ring)\b", text, re.I):
        return f"{answer} During opening hours you can call us on {calendar.settings.contact.phone}."
    return answer

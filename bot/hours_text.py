"""Dutch answers about when the customer service is staffed.

Pure functions of (calendar, now, ...), so every answer can be tested with a pinned clock. All facts
come from the calendar and its settings; the sentences are written here.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from bot.dayparse import NonexistentDateError, asks_about_now, parse_day
from bot.dutch import (
    SHORT_WEEKDAYS,
    WEEKDAYS,
    capitalize_first,
    format_date,
    format_moment,
    format_time,
    join_words,
    month_name,
)
from bot.hours import Calendar, OutOfRangeError, default_calendar
from bot.settings import OpeningHours, Settings

CHATBOT_SENTENCE = "De chatbot (ik dus) is dag en nacht bereikbaar."
MEANWHILE_SENTENCE = "Tot die tijd help ik je graag zelf verder."


# --- the week ------------------------------------------------------------------------------------


def _day_groups(week: tuple[OpeningHours | None, ...]) -> list[tuple[int, int, OpeningHours | None]]:
    """Runs of consecutive weekdays with equal hours, as (first, last, hours)."""
    groups: list[tuple[int, int, OpeningHours | None]] = []
    for index, hours in enumerate(week):
        if groups and groups[-1][2] == hours:
            groups[-1] = (groups[-1][0], index, hours)
        else:
            groups.append((index, index, hours))
    return groups


def _days_phrase(first: int, last: int) -> str:
    """ "op zaterdag", "op maandag en dinsdag", "van maandag t/m vrijdag"."""
    if first == last:
        return f"op {WEEKDAYS[first]}"
    if last == first + 1:
        return f"op {WEEKDAYS[first]} en {WEEKDAYS[last]}"
    return f"van {WEEKDAYS[first]} t/m {WEEKDAYS[last]}"


def _hours_phrase(opening: time, closing: time) -> str:
    return f"van {format_time(opening)} tot {format_time(closing)}"


def describe_week(settings: Settings) -> str:
    """The general staffed hours, derived from the configuration."""
    groups = _day_groups(settings.weekly_hours)
    open_parts = [
        f"{_days_phrase(first, last)} {_hours_phrase(hours.open, hours.close)}"
        for first, last, hours in groups
        if hours is not None
    ]
    closed_days = [WEEKDAYS[i] for i, hours in enumerate(settings.weekly_hours) if hours is None]
    sentences = [f"Onze medewerkers zijn er {join_words(open_parts)}."]
    if closed_days:
        sentences.append(f"Op {', '.join(closed_days)} en op feestdagen zijn we gesloten.")
    else:
        sentences.append("Op feestdagen zijn we gesloten.")
    sentences.extend(_yearly_special_sentences(settings))
    sentences.append(CHATBOT_SENTENCE)
    return " ".join(sentences)


def _yearly_special_sentences(settings: Settings) -> list[str]:
    """One sentence per yearly special day ("Op 24 december (Kerstavond) ..."); one-off dates are
    left to describe_day, since the week overview has no notion of today."""
    sentences = []
    for special in sorted((s for s in settings.special_days if s.yearly), key=lambda s: (s.month, s.day)):
        label = f"{special.day} {month_name(special.month)}"
        if special.name:
            label += f" ({special.name})"
        if special.hours is None:
            sentences.append(f"Op {label} zijn we gesloten.")
        else:
            hours = _hours_phrase(special.hours.open, special.hours.close)
            sentences.append(f"Op {label} zijn we er {hours}.")
    return sentences


# --- now -----------------------------------------------------------------------------------------


def _reopening_sentence(reopen: datetime, now: datetime) -> str:
    """When people are back: tomorrow is spelled out with its date so nobody misreads "morgen"."""
    days_ahead = (reopen.date() - now.date()).days
    if days_ahead == 0:
        return f"Vandaag zijn we er vanaf {format_time(reopen)}."
    if days_ahead == 1:
        when = f"{format_date(reopen.date(), now.date())} om {format_time(reopen)}"
        return f"We zijn er morgen weer, op {when}."
    return f"We zijn er weer op {format_moment(reopen, now)}."


def _opens_later_today(calendar: Calendar, now: datetime) -> bool:
    """True before today's opening time (compared as instants, not wall times)."""
    return calendar.next_opening(now).date() == now.date() and not calendar.is_staffed(now)


def _closed_reason(calendar: Calendar, now: datetime) -> str:
    """Why nobody is there now, as one sentence."""
    today = now.date()
    hours = calendar.hours_on(today)
    if hours is None:
        name = calendar.closure_name(today)
        if name:
            return f"Vandaag is het {name}, dan zijn we gesloten."
        if calendar.special_day(today) is not None:
            return "Vandaag zijn we de hele dag gesloten."
        return f"Op {WEEKDAYS[today.weekday()]} zijn we gesloten."
    if _opens_later_today(calendar, now):
        return "We zijn nog niet open."
    return "We zijn vandaag al dicht."


def describe_now(calendar: Calendar, now: datetime) -> str:
    """Whether people are there right now, and if not, why and when they are back."""
    now = calendar.local(now)
    if calendar.is_staffed(now):
        _, end = calendar.staffed_window(now)
        return f"Ja, onze medewerkers zijn nu bereikbaar, vandaag tot {format_time(end)}."
    reason = _closed_reason(calendar, now)
    reopen = _reopening_sentence(calendar.next_opening(now), now)
    return f"Nee, {reason[:1].lower()}{reason[1:]} {reopen} {MEANWHILE_SENTENCE}"


def now_status(calendar: Calendar, now: datetime) -> str:
    """A short status line to follow the week overview."""
    now = calendar.local(now)
    if calendar.is_staffed(now):
        _, end = calendar.staffed_window(now)
        return f"Op dit moment zijn onze medewerkers bereikbaar, vandaag nog tot {format_time(end)}."
    name = calendar.closure_name(now.date())
    reason = f" Vandaag is het {name}." if name else ""
    reopen = _reopening_sentence(calendar.next_opening(now), now)
    return f"Op dit moment zijn onze medewerkers er niet.{reason} {reopen}"


def _short_time(moment: time) -> str:
    """ "9", "8.30": the compact way Dutch writes hours in a bracket."""
    return str(moment.hour) if moment.minute == 0 else f"{moment.hour}.{moment.minute:02d}"


def short_week(settings: Settings) -> str:
    """The weekly hours in brief: "ma–vr 9–18, za 9–13"."""
    parts = []
    for first, last, hours in _day_groups(settings.weekly_hours):
        if hours is None:
            continue
        days = SHORT_WEEKDAYS[first]
        if last != first:
            days += f"–{SHORT_WEEKDAYS[last]}"
        parts.append(f"{days} {_short_time(hours.open)}–{_short_time(hours.close)}")
    return ", ".join(parts)


def availability_line(calendar: Calendar, now: datetime) -> str:
    """Whether people are there now, as one sentence for the web page (it sits under the title)."""
    now = calendar.local(now)
    if calendar.is_staffed(now):
        _, end = calendar.staffed_window(now)
        return f"Onze medewerkers zijn er nu, vandaag tot {format_time(end)}."
    reopen = calendar.next_opening(now)
    week = short_week(calendar.settings)
    if reopen.date() == now.date():
        when = f"vandaag vanaf {format_time(reopen)}"
    else:
        when = f"weer op {format_date(reopen.date(), now.date())} om {format_time(reopen)}"
    name = calendar.closure_name(now.date())
    if name:
        return f"Vandaag ({name}) zijn we gesloten; je kunt ons {when} spreken ({week})."
    return f"Onze medewerkers zijn er {when} ({week})."


# --- a given day ---------------------------------------------------------------------------------


def _day_label(calendar: Calendar, day: date, today: date) -> str:
    """ "vrijdag 25 december (Eerste Kerstdag)"."""
    label = format_date(day, today)
    name = calendar.day_name(day)
    return f"{label} ({name})" if name else label


def describe_day(calendar: Calendar, day: date, now: datetime) -> str:
    """The staffed hours on `day`; for today combined with the situation right now."""
    now = calendar.local(now)
    today = now.date()
    if day < today:
        return f"{capitalize_first(format_date(day, today))} is al voorbij. {now_status(calendar, now)}"
    if day == today:
        return _describe_today(calendar, now)
    label = _day_label(calendar, day, today)
    hours = calendar.hours_on(day)
    if hours is not None:
        return f"Op {label} zijn we bereikbaar {_hours_phrase(*hours)}."
    reopen = calendar.next_opening(calendar.at(day, time(0)))
    return f"Op {label} zijn we gesloten. {_reopening_sentence(reopen, now)}"


def _describe_today(calendar: Calendar, now: datetime) -> str:
    today = now.date()
    name = calendar.day_name(today)
    intro = f"Vandaag ({name})" if name else "Vandaag"
    hours = calendar.hours_on(today)
    if hours is None:
        reopen = _reopening_sentence(calendar.next_opening(now), now)
        return f"{intro} zijn we gesloten. {reopen} {MEANWHILE_SENTENCE}"
    day_hours = f"{intro} zijn we bereikbaar {_hours_phrase(*hours)}"
    if calendar.is_staffed(now):
        return f"{day_hours}, dus op dit moment zijn onze medewerkers er."
    if _opens_later_today(calendar, now):
        return f"{day_hours}. We zijn nu nog niet open."
    reopen = _reopening_sentence(calendar.next_opening(now), now)
    return f"{day_hours}, maar voor vandaag zijn we al dicht. {reopen}"


# --- entry points --------------------------------------------------------------------------------


_CALLING_RE = re.compile(
    r"\b(?:bel(?:len|t|le)?|opbellen|telefoon\w*|telefonisch|aan de lijn)\b", re.IGNORECASE
)


def asks_about_calling(text: str) -> bool:
    """True when the customer asks when to call ("tot hoe laat kan ik bellen?")."""
    return _CALLING_RE.search(text) is not None


def answer_hours_question(
    text: str,
    entity_values: list[str],
    now: datetime,
    calendar: Calendar | None = None,
    about_calling: bool = False,
) -> str:
    """The answer to an `openingstijden` question (entry point for the Rasa action); a question about
    when to call, or one that follows a question about calling, also gets the phone number."""
    calendar = calendar or default_calendar()
    answer = _hours_answer(text, entity_values, calendar.local(now), calendar)
    if about_calling or asks_about_calling(text):
        return f"{answer} Tijdens de openingstijden kun je ons bellen op {calendar.settings.contact.phone}."
    return answer


def _hours_answer(text: str, entity_values: list[str], now: datetime, calendar: Calendar) -> str:
    week = describe_week(calendar.settings)
    try:
        day = parse_day(text, entity_values, now.date(), calendar.settings)
        if day is not None:
            return describe_day(calendar, day, now)
        if asks_about_now(text):
            return describe_now(calendar, now)
        return f"{week} {now_status(calendar, now)}"
    except NonexistentDateError as error:
        return f"De datum {error.phrase} bestaat niet, dus daarvoor kan ik je geen tijden geven. {week}"
    except OutOfRangeError as error:
        return (
            f"Ik kan alleen antwoorden voor data tot en met 31 december {error.last_year}: "
            f"voor latere jaren zijn de feestdagen nog niet bekend. {week}"
        )


def ombudsman_deadline(today: date, calendar: Calendar | None = None) -> date:
    """The day by which the ombudsman presents a solution (the configured number of working days)."""
    calendar = calendar or default_calendar()
    return calendar.add_working_days(today, calendar.settings.complaints.ombudsman_working_days)

"""English formatting of dates, times and waits for customer-facing text (bot/dutch.py's counterpart).

Names are data here rather than taken from the locale, so the output does not depend on which
locales the server happens to have installed. Dates are written the British way ("Monday 30
November"), times on the 12-hour clock ("9:00 am"), as English-speaking customers read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHORT_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# The calendar names days in Dutch (holidays package, klantenservice.yml); unknown names stay Dutch.
DAY_NAMES = {
    "nieuwjaarsdag": "New Year's Day",
    "goede vrijdag": "Good Friday",
    "eerste paasdag": "Easter Sunday",
    "tweede paasdag": "Easter Monday",
    "koningsdag": "King's Day",
    "bevrijdingsdag": "Liberation Day",
    "hemelvaartsdag": "Ascension Day",
    "eerste pinksterdag": "Whit Sunday",
    "tweede pinksterdag": "Whit Monday",
    "kerstavond": "Christmas Eve",
    "eerste kerstdag": "Christmas Day",
    "tweede kerstdag": "Boxing Day",
    "oudejaarsdag": "New Year's Eve",
}


def weekday_name(day: date) -> str:
    """ "Monday" ... "Sunday"."""
    return WEEKDAYS[day.weekday()]


def month_name(month: int) -> str:
    """ "January" for 1 ... "December" for 12."""
    return MONTHS[month - 1]


def day_name(dutch_name: str) -> str:
    """The English name of a holiday or special day the calendar names in Dutch ("Tweede Kerstdag"
    -> "Boxing Day"); two names joined by " en " are translated one by one."""
    parts = [DAY_NAMES.get(part.strip().lower(), part.strip()) for part in dutch_name.split(" en ")]
    return join_words(parts)


def format_date(day: date, today: date | None = None) -> str:
    """ "Monday 30 November"; with the year ("Friday 1 January 2027") when it differs from today's."""
    text = f"{weekday_name(day)} {day.day} {month_name(day.month)}"
    if today is not None and day.year != today.year:
        text += f" {day.year}"
    return text


def format_time(moment: time | datetime) -> str:
    """ "9:00 am", "12:30 pm", "6:00 pm" (12-hour clock)."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def format_moment(moment: datetime, now: datetime) -> str:
    """ "today at 2:00 pm", "tomorrow at 9:00 am", else "on Monday 30 November at 9:00 am".

    `moment` is shown in the time zone of `now` when both are aware.
    """
    if moment.tzinfo is not None and now.tzinfo is not None:
        moment = moment.astimezone(now.tzinfo)
    days_ahead = (moment.date() - now.date()).days
    clock = format_time(moment)
    if days_ahead == 0:
        return f"today at {clock}"
    if days_ahead == 1:
        return f"tomorrow at {clock}"
    return f"on {format_date(moment.date(), now.date())} at {clock}"


def join_words(items: Iterable[str], last: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def format_wait(wait: timedelta) -> str:
    """ "less than a minute", "about 1 minute", "about 12 minutes", "about 2 hours"."""
    minutes = round(wait.total_seconds() / 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 90:
        return f"about {minutes} {'minute' if minutes == 1 else 'minutes'}"
    hours = round(minutes / 60)
    return f"about {hours} hours"

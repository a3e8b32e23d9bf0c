"""When people are at the customer service: the staffed-hours calendar.

All business rules (weekly hours, special days, public holidays, time zone) come from the settings.
Opening and closing times are wall-clock times in the configured zone; they are turned into instants
per day and every comparison is done in UTC, so the DST nights (last Sunday of March and October)
and input in other time zones are handled without surprises.

Conventions:
- a naive datetime is local time in the configured zone; a wall time that does not exist (the skipped
  hour in March) or exists twice (the repeated hour in October) is read as PEP 495 prescribes: with
  `fold=0` the offset from before the change is used;
- returned datetimes are aware, in the configured zone;
- a staffed period is [open, close): open at `open`, closed at `close`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import holidays

from bot.settings import Settings, SpecialDay, load_settings

# How far ahead staffed_window/next_opening look before giving up (only a broken config gets there).
MAX_SEARCH_DAYS = 2 * 366

_UTC = timezone.utc
_Window = tuple[datetime, datetime]  # (start, end) as aware UTC datetimes


class OutOfRangeError(ValueError):
    """A moment in a year for which the holidays package has no public holidays.

    Answering for such a day would silently treat every public holiday as a working day.
    """

    def __init__(self, day: date, first_year: int, last_year: int) -> None:
        super().__init__(
            f"{day.isoformat()} is outside the supported years {first_year}-{last_year} "
            "(public holidays are only known for those years)"
        )
        self.day = day
        self.first_year = first_year
        self.last_year = last_year


def display_holiday_name(name: str) -> str:
    """Capitalise every word ("Tweede paasdag" -> "Tweede Paasdag"), as customers expect to read it."""
    return " ".join(word[:1].upper() + word[1:] for word in name.split(" "))


class Calendar:
    """Staffed hours for one configuration; build your own with custom settings in tests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tz = settings.tz
        self._holidays = holidays.country_holidays(
            settings.holidays.country, language=settings.holidays.language
        )
        self.first_year: int = self._holidays.start_year
        self.last_year: int = self._holidays.end_year
        self._fixed = {(d.year, d.month, d.day): d for d in settings.special_days if not d.yearly}
        self._yearly = {(d.month, d.day): d for d in settings.special_days if d.yearly}
        self._window_cache: dict[date, _Window | None] = {}

    # --- days --------------------------------------------------------------------------------

    def special_day(self, day: date) -> SpecialDay | None:
        """The special-day entry for `day`; a fixed date wins over a yearly one."""
        return self._fixed.get((day.year, day.month, day.day)) or self._yearly.get((day.month, day.day))

    def check_supported(self, day: date) -> None:
        """Raise OutOfRangeError for a day whose public holidays are unknown."""
        if not self.first_year <= day.year <= self.last_year:
            raise OutOfRangeError(day, self.first_year, self.last_year)

    def holiday_name(self, day: date) -> str | None:
        """Display name of the public holiday on `day` ("Tweede Paasdag"), or None."""
        self.check_supported(day)
        names = self._holidays.get_list(day)
        if not names:
            return None
        return " en ".join(display_holiday_name(n) for n in names)

    def is_public_holiday(self, day: date) -> bool:
        self.check_supported(day)
        return day in self._holidays

    def hours_on(self, day: date) -> tuple[time, time] | None:
        """(open, close) wall-clock times on `day`, or None when nobody is there all day.

        Precedence: a special day (explicit business decision for that date) over a public holiday
        over the weekly hours. Raises OutOfRangeError outside the supported years.
        """
        self.check_supported(day)
        special = self.special_day(day)
        if special is not None:
            hours = special.hours
        elif self.is_public_holiday(day):
            hours = None
        else:
            hours = self.settings.weekly_hours[day.weekday()]
        return None if hours is None else (hours.open, hours.close)

    def closure_name(self, day: date) -> str | None:
        """Why `day` is closed when that has a name (holiday or special day), else None.

        None also for open days and for days that are simply not in the weekly hours (Sunday).
        """
        if self.hours_on(day) is not None:
            return None
        special = self.special_day(day)
        if special is not None and special.name:
            return special.name
        return self.holiday_name(day)

    def day_name(self, day: date) -> str | None:
        """The name of `day` if it has one (special-day name, else holiday name), open or not."""
        special = self.special_day(day)
        if special is not None and special.name:
            return special.name
        return self.holiday_name(day)

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a public holiday (special days do not count, see CONTRACTS.md)."""
        return day.weekday() < 5 and not self.is_public_holiday(day)

    def add_working_days(self, day: date, n: int) -> date:
        """The date `n` working days after `day`; counting starts on the day after `day`.

        n=0 returns `day` itself unchanged, even when it is not a working day. For n >= 1 the result
        is always a working day (Saturday + 1 working day = Monday, or Tuesday if Monday is a
        holiday).
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        current = day
        while n > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                n -= 1
        return current

    # --- moments -----------------------------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        """`moment` as an aware datetime in the configured zone (naive = local wall time)."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            moment = moment.replace(tzinfo=self.tz)
        # Through UTC, so a non-existent wall time (March gap) becomes a real instant.
        return moment.astimezone(_UTC).astimezone(self.tz)

    def at(self, day: date, wall: time) -> datetime:
        """The aware local moment for wall-clock time `wall` on `day`."""
        return self.local(datetime.combine(day, wall))

    def is_staffed(self, moment: datetime) -> bool:
        """True when people are there at `moment`."""
        local = self.local(moment)
        instant = local.astimezone(_UTC)
        window = self._window_utc(local.date())
        return window is not None and window[0] <= instant < window[1]

    def staffed_window(self, moment: datetime) -> tuple[datetime, datetime]:
        """The staffed period containing `moment` (start <= moment < end), else the next one."""
        local = self.local(moment)
        instant = local.astimezone(_UTC)
        for offset in range(MAX_SEARCH_DAYS + 1):
            window = self._window_utc(local.date() + timedelta(days=offset))
            if window is not None and instant < window[1]:
                return window[0].astimezone(self.tz), window[1].astimezone(self.tz)
        raise LookupError(f"no staffed period within {MAX_SEARCH_DAYS} days after {local.isoformat()}")

    def next_opening(self, moment: datetime) -> datetime:
        """The first moment at or after `moment` when people are there (`moment` itself if staffed)."""
        start, _ = self.staffed_window(moment)
        return max(start, self.local(moment), key=lambda dt: dt.astimezone(_UTC))

    def _window_utc(self, day: date) -> _Window | None:
        """The staffed period of `day` as UTC instants (cached: days are looked at repeatedly)."""
        if day not in self._window_cache:
            self._window_cache[day] = self._compute_window(day)
        return self._window_cache[day]

    def _compute_window(self, day: date) -> _Window | None:
        hours = self.hours_on(day)
        if hours is None:
            return None
        start = self.at(day, hours[0]).astimezone(_UTC)
        end = self.at(day, hours[1]).astimezone(_UTC)
        # Only hours configured inside the skipped DST hour can collapse to nothing.
        return (start, end) if start < end else None


# --- the module-level API of CONTRACTS.md, on the configured calendar ----------------------------


@lru_cache(maxsize=8)
def _calendar_for(settings: Settings) -> Calendar:
    return Calendar(settings)


def default_calendar() -> Calendar:
    """The calendar of the configuration in klantenservice.yml (or $KLANTENSERVICE_CONFIG)."""
    return _calendar_for(load_settings())


def is_staffed(moment: datetime) -> bool:
    """True when people are at the customer service at `moment`."""
    return default_calendar().is_staffed(moment)


def staffed_window(moment: datetime) -> tuple[datetime, datetime]:
    """The staffed period containing `moment` (start <= moment < end), or else the next one."""
    return default_calendar().staffed_window(moment)


def add_working_days(day: date, n: int) -> date:
    """`n` working days (Mon-Fri, no public holiday) after `day`; n=0 returns `day` unchanged."""
    return default_calendar().add_working_days(day, n)


def hours_on(day: date) -> tuple[time, time] | None:
    """(open, close) on `day`, or None when closed all day."""
    return default_calendar().hours_on(day)


def closure_name(day: date) -> str | None:
    """Name of the holiday or special day that closes `day`, or None."""
    return default_calendar().closure_name(day)


def next_opening(moment: datetime) -> datetime:
    """The first moment at or after `moment` when people are there."""
    return default_calendar().next_opening(moment)

"""The business configuration (klantenservice.yml) as validated, frozen dataclasses.

klantenservice.yml is the one place where opening hours, special days and contact facts live;
everything else reads them through `load_settings()`, so a typo in the file fails loudly at start-up
instead of producing a wrong answer to a customer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml

CONFIG_ENV_VAR = "KLANTENSERVICE_CONFIG"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "klantenservice.yml"

# Keys of `weekly_hours`, in the order of `date.weekday()` (Monday = 0).
WEEKDAY_KEYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")

_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_FIXED_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEARLY_DATE_RE = re.compile(r"^(\d{2})-(\d{2})$")
_HOURS_KEYS = {"open", "close"}
_SPECIAL_DAY_KEYS = {"date", "open", "close", "closed", "name"}


class ConfigError(ValueError):
    """Raised when klantenservice.yml is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class OpeningHours:
    """Staffed hours on one day: people are there from `open` (inclusive) to `close` (exclusive)."""

    open: time
    close: time


@dataclass(frozen=True)
class SpecialDay:
    """A date whose hours differ from the weekly schedule; `hours is None` means closed all day."""

    month: int
    day: int
    year: int | None  # None: every year on this month/day
    hours: OpeningHours | None
    name: str | None = None

    @property
    def closed(self) -> bool:
        return self.hours is None

    @property
    def yearly(self) -> bool:
        return self.year is None

    def applies_to(self, day: date) -> bool:
        """True when this entry governs `day`."""
        if (day.month, day.day) != (self.month, self.day):
            return False
        return self.year is None or self.year == day.year


@dataclass(frozen=True)
class HolidaySource:
    """Which public holidays (from the `holidays` package) close the service."""

    country: str
    language: str


@dataclass(frozen=True)
class Contact:
    """Contact facts the assistant may tell customers."""

    phone: str
    phone_tel: str
    phone_costs: str | None
    email: str | None
    contact_form: str | None
    chat_url: str | None
    social_media: tuple[tuple[str, str], ...]  # (network, url) pairs, in file order
    jobs: str | None
    dispute_committee: str | None

    def social_url(self, network: str) -> str | None:
        """URL of a social-media network such as "facebook", or None when there is none."""
        return dict(self.social_media).get(network.lower())


@dataclass(frozen=True)
class Complaints:
    """Facts about the complaint procedure."""

    ombudsman_working_days: int


@dataclass(frozen=True)
class Cases:
    """How long closed cases are kept before `python -m bot.cases purge` deletes them."""

    retention_days: int


@dataclass(frozen=True)
class Handoff:
    """The agent queue: the handling time assumed before there is history, and who counts as online;
    the median handling time of the last handling_history live chats within handling_window_days
    (at least handling_minimum_history of them, within handling_lowest_minutes and
    handling_highest_minutes); and how long a customer's reaction still goes to the agent who
    answered their question from outside staffed hours (follow_up_days)."""

    default_handling_minutes: int
    agent_online_seconds: int
    handling_history: int = 50
    handling_window_days: int = 14
    handling_minimum_history: int = 10
    handling_lowest_minutes: int = 2
    handling_highest_minutes: int = 30
    follow_up_days: int = 7
    # A customer whose chat window has been gone this long is "weg" (bot/handoff.py `is_gone`).
    customer_gone_seconds: int = 180


@dataclass(frozen=True)
class Settings:
    """The whole business configuration."""

    company: str
    timezone: str
    holidays: HolidaySource
    weekly_hours: tuple[OpeningHours | None, ...]  # index = date.weekday(); None = closed
    special_days: tuple[SpecialDay, ...]
    contact: Contact
    complaints: Complaints
    cases: Cases = Cases(retention_days=90)
    handoff: Handoff = Handoff(default_handling_minutes=6, agent_online_seconds=60)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --- loading -------------------------------------------------------------------------------------


def config_path() -> Path:
    """Path of the configuration file: $KLANTENSERVICE_CONFIG, else klantenservice.yml at the root."""
    override = os.environ.get(CONFIG_ENV_VAR)
    return Path(override) if override else DEFAULT_CONFIG_PATH


def load_settings() -> Settings:
    """The settings from `config_path()`, parsed once per path (the file is read at start-up)."""
    return _load_cached(config_path().resolve())


@cache
def _load_cached(path: Path) -> Settings:
    return read_settings(path)


def read_settings(path: str | Path) -> Settings:
    """Read and validate a configuration file (uncached; for tests and tools)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    return settings_from_dict(data, source=str(path))


def settings_from_dict(data: Any, source: str = "<config>") -> Settings:
    """Validate an already-parsed configuration (a mapping as in klantenservice.yml)."""
    root = _mapping(data, source)
    return Settings(
        company=_required_str(root, "company", source),
        timezone=_parse_timezone(root.get("timezone"), f"{source}: timezone"),
        holidays=_parse_holidays(root.get("holidays"), f"{source}: holidays"),
        weekly_hours=_parse_weekly(root.get("weekly_hours"), f"{source}: weekly_hours"),
        special_days=_parse_special_days(root.get("special_days"), f"{source}: special_days"),
        contact=_parse_contact(root.get("contact"), f"{source}: contact"),
        complaints=_parse_complaints(root.get("complaints"), f"{source}: complaints"),
        cases=_parse_cases(root.get("cases", {"retention_days": 90}), f"{source}: cases"),
        handoff=_parse_handoff(root.get("handoff", {}), f"{source}: handoff"),
    )


# --- validation helpers (each names the offending key in its message) ----------------------------


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping (key: value), got {type(value).__name__}")
    return value


def _required_str(section: Mapping[str, Any], key: str, where: str) -> str:
    value = section.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a non-empty string, got {value!r}")
    return value.strip()


def _optional_str(section: Mapping[str, Any], key: str, where: str) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a non-empty string or null, got {value!r}")
    return value.strip()


def _reject_unknown(section: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _parse_time(value: Any, where: str) -> time:
    # PyYAML reads an unquoted 9:00 as the base-60 integer 540; say how to fix that.
    if isinstance(value, int) and not isinstance(value, bool):
        raise ConfigError(f'{where}: {value!r} was read as a number; write the time quoted, as "HH:MM"')
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise ConfigError(f'{where}: {value!r} is not a time of the form "HH:MM" (00:00-23:59)')
    return time(int(match.group(1)), int(match.group(2)))


def _parse_hours(section: Mapping[str, Any], where: str) -> OpeningHours:
    if "open" not in section or "close" not in section:
        raise ConfigError(f"{where}: needs both open and close")
    opening = _parse_time(section["open"], f"{where}.open")
    closing = _parse_time(section["close"], f"{where}.close")
    if closing <= opening:
        raise ConfigError(f"{where}: close ({closing:%H:%M}) must be later than open ({opening:%H:%M})")
    return OpeningHours(opening, closing)


def _parse_timezone(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: must be an IANA time zone name such as Europe/Amsterdam")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where}: unknown time zone {value!r}") from exc
    return value


def _parse_holidays(value: Any, where: str) -> HolidaySource:
    section = _mapping(value, where)
    country = _required_str(section, "country", where)
    language = _required_str(section, "language", where)
    if country not in holidays.list_supported_countries():
        raise ConfigError(f"{where}: country {country!r} is not supported by the holidays package")
    supported = holidays.country_holidays(country).supported_languages
    if language not in supported:
        raise ConfigError(
            f"{where}: language {language!r} not available for {country}; use one of {list(supported)}"
        )
    return HolidaySource(country, language)


def _parse_weekly(value: Any, where: str) -> tuple[OpeningHours | None, ...]:
    section = _mapping(value, where)
    _reject_unknown(section, set(WEEKDAY_KEYS), where)
    week: list[OpeningHours | None] = []
    for key in WEEKDAY_KEYS:
        entry = section.get(key)
        if entry is None:
            week.append(None)
            continue
        entry = _mapping(entry, f"{where}.{key}")
        _reject_unknown(entry, _HOURS_KEYS, f"{where}.{key}")
        week.append(_parse_hours(entry, f"{where}.{key}"))
    if all(hours is None for hours in week):
        raise ConfigError(f"{where}: at least one weekday needs opening hours")
    return tuple(week)


def _parse_special_days(value: Any, where: str) -> tuple[SpecialDay, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
    days = tuple(_parse_special_day(item, f"{where}[{i}]") for i, item in enumerate(value))
    seen: dict[tuple[int | None, int, int], int] = {}
    for i, day in enumerate(days):
        key = (day.year, day.month, day.day)
        if key in seen:
            raise ConfigError(f"{where}[{i}]: the same date is already configured in {where}[{seen[key]}]")
        seen[key] = i
    return days


def _parse_special_day(item: Any, where: str) -> SpecialDay:
    section = _mapping(item, where)
    _reject_unknown(section, _SPECIAL_DAY_KEYS, where)
    year, month, day = _parse_special_date(section.get("date"), f"{where}.date")
    closed = section.get("closed", False)
    if not isinstance(closed, bool):
        raise ConfigError(f"{where}.closed: must be true or false, got {closed!r}")
    has_hours = "open" in section or "close" in section
    if closed and has_hours:
        raise ConfigError(f"{where}: give either closed: true or open/close, not both")
    if not closed and not has_hours:
        raise ConfigError(f"{where}: give closed: true or open and close")
    hours = None if closed else _parse_hours(section, where)
    return SpecialDay(month, day, year, hours, _optional_str(section, "name", where))


def _parse_special_date(value: Any, where: str) -> tuple[int | None, int, int]:
    if isinstance(value, date):  # PyYAML turns an unquoted 2027-06-01 into a date
        return value.year, value.month, value.day
    text = value if isinstance(value, str) else ""
    fixed, yearly = _FIXED_DATE_RE.match(text), _YEARLY_DATE_RE.match(text)
    if fixed:
        year, month, day = (int(g) for g in fixed.groups())
    elif yearly:
        year, (month, day) = None, (int(g) for g in yearly.groups())
    else:
        raise ConfigError(f'{where}: {value!r} is not a date of the form "YYYY-MM-DD" or "MM-DD"')
    try:
        date(year or 2000, month, day)  # 2000 is a leap year, so "02-29" is accepted
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r} is not a valid date ({exc})") from exc
    return year, month, day


def _parse_contact(value: Any, where: str) -> Contact:
    section = _mapping(value, where)
    social = section.get("social_media") or {}
    social = _mapping(social, f"{where}.social_media")
    pairs = tuple((str(k).lower(), _required_str(social, k, f"{where}.social_media")) for k in social)
    return Contact(
        phone=_required_str(section, "phone", where),
        phone_tel=_required_str(section, "phone_tel", where),
        phone_costs=_optional_str(section, "phone_costs", where),
        email=_optional_str(section, "email", where),
        contact_form=_optional_str(section, "contact_form", where),
        chat_url=_optional_str(section, "chat_url", where),
        social_media=pairs,
        jobs=_optional_str(section, "jobs", where),
        dispute_committee=_optional_str(section, "dispute_committee", where),
    )


def _parse_complaints(value: Any, where: str) -> Complaints:
    section = _mapping(value, where)
    days = section.get("ombudsman_working_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ConfigError(f"{where}: ombudsman_working_days must be a whole number >= 0, got {days!r}")
    return Complaints(days)


def _parse_cases(value: Any, where: str) -> Cases:
    days = _mapping(value, where).get("retention_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigError(f"{where}: retention_days must be a whole number >= 1, got {days!r}")
    return Cases(days)


def _parse_handoff(value: Any, where: str) -> Handoff:
    section = _mapping(value, where)
    defaults = {
        "default_handling_minutes": 6,
        "agent_online_seconds": 60,
        "handling_history": 50,
        "handling_window_days": 14,
        "handling_minimum_history": 10,
        "handling_lowest_minutes": 2,
        "handling_highest_minutes": 30,
        "follow_up_days": 7,
        "customer_gone_seconds": 180,
    }
    _reject_unknown(section, set(defaults), where)
    numbers = {key: section.get(key, default) for key, default in defaults.items()}
    for key, number in numbers.items():
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ConfigError(f"{where}: {key} must be a whole number >= 1, got {number!r}")
    if numbers["handling_lowest_minutes"] > numbers["handling_highest_minutes"]:
        raise ConfigError(f"{where}: handling_lowest_minutes is more than handling_highest_minutes")
    return Handoff(**numbers)

"""The business configuration (klantenservice.yml) as validated, frozen dataclasses.

klantenservice.yml is the one place where opening hours, special days and contact facts live;
everything else reads them through `load_settings()`, so a typo in the file fails loudly at start-up
instead of producing a wrong answer to a customer. The file's shape is declared by the pydantic
models below (`_File` and its sections); they turn it into the dataclasses the code reads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, create_model, root_validator, validator
from pydantic.fields import ModelField

from bot.dutch import WEEKDAYS

CONFIG_ENV_VAR = "KLANTENSERVICE_CONFIG"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "klantenservice.yml"

# Keys of `weekly_hours`, in the order of `date.weekday()` (Monday = 0): the Dutch weekday names.
WEEKDAY_KEYS = WEEKDAYS

_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_FIXED_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEARLY_DATE_RE = re.compile(r"^(\d{2})-(\d{2})$")


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
    phone_costs_en: str | None  # the same for English-speaking customers
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
    """How long a case (open or closed) is kept after its last activity before the purge
    (bot/retention.py) deletes it."""

    retention_days: int


@dataclass(frozen=True)
class Retention:
    """How long the rest of what customers leave is kept after its last activity before the purge
    (bot/retention.py) deletes it: conversations in Rasa's tracker store (with the review inbox's
    decisions on their messages), and queued questions with the agents' answers."""

    conversations_days: int = 90
    queue_days: int = 90


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
class Login:
    """The brake on password guessing in the agent console (bot/login_throttle.py). Per user name and
    client address: free_failures wrong passwords in a row, then each next try waits twice as long as
    the one before, from first_delay_seconds up to longest_delay_seconds (so someone elsewhere cannot
    lock the agent out). Per address, across names: address_failures within address_window_minutes,
    then that address waits for the window's end."""

    free_failures: int = 3
    first_delay_seconds: int = 2
    longest_delay_seconds: int = 900
    address_failures: int = 20
    address_window_minutes: int = 15


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
    login: Login = Login()
    retention: Retention = Retention()

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
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: {_not_a_mapping(data)}")
    try:
        return _File.parse_obj(data).settings()
    except ValidationError as exc:
        raise ConfigError("\n".join(_message(error, source) for error in exc.errors())) from exc


def _message(error: Mapping[str, Any], source: str) -> str:
    """One error as `source: where: key problem`, where names the section (`special_days[0]`)."""
    loc = [part for part in error["loc"] if part != "__root__"]
    names = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    problem = "is required" if error["type"] == "value_error.missing" else error["msg"]
    whole = error["loc"][-1] == "__root__" or error["type"] == "type_error" or not loc
    if whole or isinstance(loc[-1], int):
        return f"{source}: {names}: {problem}" if names else f"{source}: {problem}"
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[:-1]).lstrip(".")
    return f"{source}: {where}: {loc[-1]} {problem}" if where else f"{source}: {loc[-1]} {problem}"


# --- the file's shape ----------------------------------------------------------------------------


def _not_a_mapping(value: Any) -> str:
    return f"expected a mapping (key: value), got {type(value).__name__}"


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value.strip()


def _optional_text(value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValueError(f"must be a non-empty string or null, got {value!r}")
    return None if value is None else value.strip()


def _whole_number(value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"must be a whole number >= {minimum}, got {value!r}")
    return value


def _time(value: Any) -> time:
    # PyYAML reads an unquoted 9:00 as the base-60 integer 540; say how to fix that.
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f'was read as the number {value!r}; write the time quoted, as "HH:MM"')
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f'must be a time of the form "HH:MM" (00:00-23:59), got {value!r}')
    return time(int(match.group(1)), int(match.group(2)))


class _Section(BaseModel):
    """A mapping with only the declared keys; the checks of its fields name them."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False
        arbitrary_types_allowed = True

    @classmethod
    def validate(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(_not_a_mapping(value))
        return super().validate(value)

    @validator("*", pre=True, allow_reuse=True)
    def _whole_numbers(cls, value: Any, field: ModelField) -> Any:
        """Every number of the file is a whole number (not true/false) of at least the field's `ge`,
        1 unless declared otherwise."""
        kind = field.outer_type_  # int, or pydantic's constrained int for a Field(ge=...)
        if not isinstance(kind, type) or not issubclass(kind, int) or issubclass(kind, bool):
            return value
        minimum = field.field_info.ge if field.field_info.ge is not None else 1
        return _whole_number(value, int(minimum))

    @root_validator(pre=True)
    def _known_keys_only(cls, values: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(values) - set(cls.__fields__))
        if unknown:
            raise ValueError(f"unknown key(s) {unknown}; allowed: {sorted(cls.__fields__)}")
        return values


class _Hours(_Section):
    open: time
    close: time

    _times = validator("open", "close", pre=True, allow_reuse=True)(_time)

    @root_validator(skip_on_failure=True)
    def _close_after_open(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["close"] <= values["open"]:
            raise ValueError(
                f"close ({values['close']:%H:%M}) must be later than open ({values['open']:%H:%M})"
            )
        return values

    def hours(self) -> OpeningHours:
        return OpeningHours(self.open, self.close)


class _WeekBase(_Section):
    """`weekly_hours`: one optional `_Hours` per weekday name (`_Week` below adds the fields)."""

    @root_validator(skip_on_failure=True)
    def _open_some_day(cls, values: dict[str, Any]) -> dict[str, Any]:
        if all(values[day] is None for day in WEEKDAY_KEYS):
            raise ValueError("at least one weekday needs opening hours")
        return values

    def hours(self) -> tuple[OpeningHours | None, ...]:
        days = (getattr(self, day) for day in WEEKDAY_KEYS)
        return tuple(None if day is None else day.hours() for day in days)


if TYPE_CHECKING:
    _Week = _WeekBase
else:
    _Week = create_model(
        "_Week",
        __base__=_WeekBase,
        **dict.fromkeys(WEEKDAY_KEYS, (Optional[_Hours], None)),  # noqa: UP045
    )


class _SpecialDay(_Section):
    date: tuple[int | None, int, int]  # year (None: every year), month, day
    closed: bool = False
    open: time | None = None
    close: time | None = None
    name: str | None = None

    _name = validator("name", pre=True, allow_reuse=True)(_optional_text)
    _times = validator("open", "close", pre=True, allow_reuse=True)(_time)

    @validator("closed", pre=True)
    def _yes_or_no(cls, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, got {value!r}")
        return value

    @validator("date", pre=True)
    def _date(cls, value: Any) -> tuple[int | None, int, int]:
        if isinstance(value, date):  # PyYAML turns an unquoted 2027-06-01 into a date
            return value.year, value.month, value.day
        text = value if isinstance(value, str) else ""
        fixed, yearly = _FIXED_DATE_RE.match(text), _YEARLY_DATE_RE.match(text)
        if fixed:
            year, month, day = (int(g) for g in fixed.groups())
        elif yearly:
            year, (month, day) = None, (int(g) for g in yearly.groups())
        else:
            raise ValueError(f'must be a date of the form "YYYY-MM-DD" or "MM-DD", got {value!r}')
        try:
            date(year or 2000, month, day)  # 2000 is a leap year, so "02-29" is accepted
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid date ({exc})") from exc
        return year, month, day

    @root_validator(skip_on_failure=True)
    def _closed_or_hours(cls, values: dict[str, Any]) -> dict[str, Any]:
        has_hours = values["open"] is not None or values["close"] is not None
        if values["closed"] and has_hours:
            raise ValueError("give either closed: true or open/close, not both")
        if not values["closed"] and not has_hours:
            raise ValueError("give closed: true or open and close")
        if has_hours and (values["open"] is None or values["close"] is None):
            raise ValueError("needs both open and close")
        if has_hours and values["close"] <= values["open"]:
            raise ValueError(
                f"close ({values['close']:%H:%M}) must be later than open ({values['open']:%H:%M})"
            )
        return values

    def special_day(self) -> SpecialDay:
        year, month, day = self.date
        hours = None if self.closed else OpeningHours(self.open, self.close)  # type: ignore[arg-type]
        return SpecialDay(month, day, year, hours, self.name)


class _Holidays(_Section):
    country: str
    language: str

    _texts = validator("country", "language", pre=True, allow_reuse=True)(lambda value: _text(value))

    @root_validator(skip_on_failure=True)
    def _supported(cls, values: dict[str, Any]) -> dict[str, Any]:
        country, language = values["country"], values["language"]
        if country not in holidays.list_supported_countries():
            raise ValueError(f"country {country!r} is not supported by the holidays package")
        supported = holidays.country_holidays(country).supported_languages
        if language not in supported:
            raise ValueError(
                f"language {language!r} not available for {country}; use one of {list(supported)}"
            )
        return values


class _Contact(_Section):
    phone: str
    phone_tel: str
    phone_costs: str | None = None
    phone_costs_en: str | None = None
    email: str | None = None
    contact_form: str | None = None
    chat_url: str | None = None
    social_media: dict[str, str] = {}
    jobs: str | None = None
    dispute_committee: str | None = None

    _required = validator("phone", "phone_tel", pre=True, allow_reuse=True)(lambda value: _text(value))
    _optional = validator(
        "phone_costs",
        "phone_costs_en",
        "email",
        "contact_form",
        "chat_url",
        "jobs",
        "dispute_committee",
        pre=True,
        allow_reuse=True,
    )(_optional_text)

    @validator("social_media", pre=True)
    def _networks(cls, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ValueError(_not_a_mapping(value))
        urls = {}
        for network, url in value.items():
            try:
                urls[str(network).lower()] = _text(url)
            except ValueError as exc:
                raise ValueError(f"entry {network!r} {exc}") from None
        return urls

    def contact(self) -> Contact:
        fields = self.dict(exclude={"social_media"})
        return Contact(**fields, social_media=tuple(self.social_media.items()))


class _Complaints(_Section):
    ombudsman_working_days: int = Field(..., ge=0)


class _Cases(_Section):
    retention_days: int = 90


class _Retention(_Section):
    conversations_days: int = 90
    queue_days: int = 90


class _Handoff(_Section):
    default_handling_minutes: int = 6
    agent_online_seconds: int = 60
    handling_history: int = 50
    handling_window_days: int = 14
    handling_minimum_history: int = 10
    handling_lowest_minutes: int = 2
    handling_highest_minutes: int = 30
    follow_up_days: int = 7
    customer_gone_seconds: int = 180

    @root_validator(skip_on_failure=True)
    def _lowest_below_highest(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["handling_lowest_minutes"] > values["handling_highest_minutes"]:
            raise ValueError("handling_lowest_minutes is more than handling_highest_minutes")
        return values


class _Login(_Section):
    free_failures: int = 3
    first_delay_seconds: int = 2
    longest_delay_seconds: int = 900
    address_failures: int = 20
    address_window_minutes: int = 15

    @root_validator(skip_on_failure=True)
    def _first_below_longest(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["first_delay_seconds"] > values["longest_delay_seconds"]:
            raise ValueError("first_delay_seconds is more than longest_delay_seconds")
        return values


class _File(_Section):
    company: str
    timezone: str
    holidays: _Holidays
    weekly_hours: _Week
    special_days: list[_SpecialDay] | None = None
    contact: _Contact
    complaints: _Complaints
    cases: _Cases = _Cases()
    handoff: _Handoff = _Handoff()
    login: _Login = _Login()
    retention: _Retention = _Retention()

    _company = validator("company", pre=True, allow_reuse=True)(lambda value: _text(value))

    @validator("timezone", pre=True)
    def _zone(cls, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise ValueError("must be an IANA time zone name such as Europe/Amsterdam")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @validator("special_days", pre=True)
    def _a_list(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return value

    @root_validator(skip_on_failure=True)
    def _queue_kept_for_follow_ups(cls, values: dict[str, Any]) -> dict[str, Any]:
        """A reaction within follow_up_days goes to the agent who answered: the entry must still exist."""
        if values["retention"].queue_days <= values["handoff"].follow_up_days:
            raise ValueError(
                f"retention.queue_days ({values['retention'].queue_days}) must be more than "
                f"handoff.follow_up_days ({values['handoff'].follow_up_days})"
            )
        return values

    @root_validator(skip_on_failure=True)
    def _each_date_once(cls, values: dict[str, Any]) -> dict[str, Any]:
        seen: dict[tuple[int | None, int, int], int] = {}
        for i, day in enumerate(values["special_days"] or ()):
            if day.date in seen:
                first = seen[day.date]
                raise ValueError(
                    f"special_days[{i}]: the same date is already configured in special_days[{first}]"
                )
            seen[day.date] = i
        return values

    def settings(self) -> Settings:
        return Settings(
            company=self.company,
            timezone=self.timezone,
            holidays=HolidaySource(self.holidays.country, self.holidays.language),
            weekly_hours=self.weekly_hours.hours(),
            special_days=tuple(day.special_day() for day in self.special_days or ()),
            contact=self.contact.contact(),
            complaints=Complaints(self.complaints.ombudsman_working_days),
            cases=Cases(self.cases.retention_days),
            handoff=Handoff(**self.handoff.dict()),
            login=Login(**self.login.dict()),
            retention=Retention(**self.retention.dict()),
        )

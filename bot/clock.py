"""The assistant's clock: real time in the service's time zone, unless KLANTENSERVICE_NOW pins it.

Pinning the clock makes demos and tests of opening hours repeatable.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.settings import load_settings

PIN_VARIABLE = "KLANTENSERVICE_NOW"


class ClockError(ValueError):
    """KLANTENSERVICE_NOW holds something that is not an ISO 8601 moment."""


def _zone() -> ZoneInfo:
    return ZoneInfo(load_settings().timezone)


def parse_pinned(value: str) -> datetime:
    """An ISO 8601 moment; without an offset it is local time of the service."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise ClockError(
            f"{PIN_VARIABLE}={value!r} is not an ISO 8601 moment such as 2027-03-29T11:00:00+02:00"
        ) from error
    if moment.tzinfo is None:
        return moment.replace(tzinfo=_zone())
    return moment.astimezone(_zone())


def pinned() -> datetime | None:
    value = os.environ.get(PIN_VARIABLE, "").strip()
    return parse_pinned(value) if value else None


def now() -> datetime:
    """The current moment, aware, in the service's time zone."""
    return pinned() or datetime.now(_zone())

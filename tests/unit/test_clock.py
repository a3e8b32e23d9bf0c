"""The assistant's clock: KLANTENSERVICE_NOW pins it, otherwise it is real time in Amsterdam."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot import clock

AMS = ZoneInfo("Europe/Amsterdam")


def test_z_means_utc_and_is_shown_in_amsterdam(monkeypatch) -> None:
    monkeypatch.setenv(clock.PIN_VARIABLE, "2027-03-29T09:00:00Z")
    now = clock.now()
    assert now.tzinfo == AMS
    assert now.replace(tzinfo=None) == datetime(2027, 3, 29, 11, 0)  # summer time: UTC+2
    assert now == datetime(2027, 3, 29, 9, 0, tzinfo=timezone.utc)


def test_an_offset_is_converted_to_amsterdam(monkeypatch) -> None:
    monkeypatch.setenv(clock.PIN_VARIABLE, "2026-11-24T04:00:00-05:00")
    now = clock.now()
    assert now.tzinfo == AMS
    assert now.replace(tzinfo=None) == datetime(2026, 11, 24, 10, 0)  # winter time: UTC+1


def test_a_moment_without_offset_is_amsterdam_local_time(monkeypatch) -> None:
    monkeypatch.setenv(clock.PIN_VARIABLE, "2026-07-01T10:00:00")
    now = clock.now()
    assert now.tzinfo == AMS
    assert now.utcoffset() == timedelta(hours=2)
    assert now.astimezone(timezone.utc).replace(tzinfo=None) == datetime(2026, 7, 1, 8, 0)


@pytest.mark.parametrize("value", ["", "   "])
def test_unset_or_blank_is_real_time_in_amsterdam(monkeypatch, value: str) -> None:
    if value:
        monkeypatch.setenv(clock.PIN_VARIABLE, value)
    else:
        monkeypatch.delenv(clock.PIN_VARIABLE, raising=False)
    before = datetime.now(AMS)
    now = clock.now()
    after = datetime.now(AMS)
    assert clock.pinned() is None
    assert now.tzinfo == AMS
    assert before - timedelta(minutes=1) <= now <= after + timedelta(minutes=1)


@pytest.mark.parametrize("value", ["gisteren om drie uur", "2027-02-30T10:00", "2027-03-29 25:00"])
def test_a_malformed_pin_raises_a_clear_error(monkeypatch, value: str) -> None:
    monkeypatch.setenv(clock.PIN_VARIABLE, value)
    with pytest.raises(clock.ClockError, match="KLANTENSERVICE_NOW=.* is not an ISO 8601 moment"):
        clock.now()

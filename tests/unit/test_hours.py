"""The staffed-hours calendar: edges, DST, holidays, special days, working days, config validation."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.hours as hours_module
from bot.hours import Calendar
from bot.settings import ConfigError, load_settings, read_settings, settings_from_dict

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = ROOT / "klantenservice.yml"
RAW = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
AMS = ZoneInfo("Europe/Amsterdam")
UTC = timezone.utc

# The real business hours, without whatever special days the file may get later.
CAL = Calendar(replace(read_settings(CONFIG_FILE), special_days=()))


def custom_calendar(special_days: list[dict]) -> Calendar:
    raw = copy.deepcopy(RAW)
    raw["special_days"] = special_days
    return Calendar(settings_from_dict(raw))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)


# --- weekly edges --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "staffed"),
    [
        (datetime(2026, 11, 24, 8, 59, 59), False),
        (datetime(2026, 11, 24, 9, 0), True),
        (datetime(2026, 11, 24, 17, 59, 59), True),
        (datetime(2026, 11, 24, 18, 0), False),
        (datetime(2026, 11, 28, 8, 59, 59), False),  # Saturday
        (datetime(2026, 11, 28, 9, 0), True),
        (datetime(2026, 11, 28, 12, 59), True),
        (datetime(2026, 11, 28, 12, 59, 59), True),
        (datetime(2026, 11, 28, 13, 0), False),
        (datetime(2026, 11, 29, 11, 0), False),  # Sunday
        (datetime(2026, 11, 30, 0, 0), False),
    ],
)
def test_weekly_edges(moment: datetime, staffed: bool) -> None:
    assert CAL.is_staffed(moment) is staffed


def test_window_containing_moment() -> None:
    assert CAL.staffed_window(datetime(2026, 11, 24, 11, 0)) == (ams(2026, 11, 24, 9), ams(2026, 11, 24, 18))


def test_window_at_closing_time_is_the_next_one() -> None:
    assert CAL.staffed_window(datetime(2026, 11, 24, 18, 0)) == (ams(2026, 11, 25, 9), ams(2026, 11, 25, 18))


def test_window_after_saturday_skips_sunday() -> None:
    start, end = CAL.staffed_window(datetime(2026, 11, 28, 13, 0))
    assert (start, end) == (ams(2026, 11, 30, 9), ams(2026, 11, 30, 18))
    assert start.tzinfo == AMS and end.tzinfo == AMS


def test_window_before_opening_is_today() -> None:
    assert CAL.staffed_window(datetime(2026, 11, 28, 7, 0)) == (ams(2026, 11, 28, 9), ams(2026, 11, 28, 13))


def test_hours_on() -> None:
    assert CAL.hours_on(date(2026, 11, 24)) == (time(9), time(18))
    assert CAL.hours_on(date(2026, 11, 28)) == (time(9), time(13))
    assert CAL.hours_on(date(2026, 11, 29)) is None
    assert CAL.closure_name(date(2026, 11, 29)) is None  # a Sunday has no name
    assert CAL.closure_name(date(2026, 11, 24)) is None  # open


# --- time zones and DST --------------------------------------------------------------------------


def test_aware_input_in_another_zone_is_converted() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    assert not CAL.is_staffed(datetime(2026, 11, 24, 16, 30, tzinfo=tokyo))  # 08:30 in Amsterdam
    assert CAL.is_staffed(datetime(2026, 11, 24, 17, 0, tzinfo=tokyo))  # 09:00 in Amsterdam
    start, end = CAL.staffed_window(datetime(2026, 11, 24, 16, 30, tzinfo=tokyo))
    assert start == ams(2026, 11, 24, 9) and start.tzinfo == AMS
    new_york = ZoneInfo("America/New_York")
    assert CAL.is_staffed(datetime(2026, 11, 24, 11, 59, tzinfo=new_york))  # 17:59 in Amsterdam
    assert not CAL.is_staffed(datetime(2026, 11, 24, 12, 0, tzinfo=new_york))


def test_march_dst_saturday_before_uses_winter_time() -> None:
    start, end = CAL.staffed_window(datetime(2026, 3, 28, 10, 0))
    assert start.astimezone(UTC) == utc(2026, 3, 28, 8) and end.astimezone(UTC) == utc(2026, 3, 28, 12)


@pytest.mark.parametrize(
    "moment",
    [
        utc(2026, 3, 29, 0, 59, 59),  # 01:59:59 CET, just before the clocks go forward
        utc(2026, 3, 29, 1, 0),  # 03:00 CEST
        datetime(2026, 3, 29, 2, 30),  # naive, does not exist locally
        datetime(2026, 3, 29, 3, 0),
        utc(2026, 3, 28, 23, 30),
    ],
)
def test_march_dst_night(moment: datetime) -> None:
    assert not CAL.is_staffed(moment)
    start, end = CAL.staffed_window(moment)
    assert start.astimezone(UTC) == utc(2026, 3, 30, 7)  # Monday 09:00 CEST
    assert end.astimezone(UTC) == utc(2026, 3, 30, 16)
    assert start.utcoffset() == timedelta(hours=2)
    assert end - start == timedelta(hours=9)


def test_monday_after_march_change_edges_in_utc() -> None:
    assert not CAL.is_staffed(utc(2026, 3, 30, 6, 59, 59))
    assert CAL.is_staffed(utc(2026, 3, 30, 7, 0))
    assert CAL.is_staffed(utc(2026, 3, 30, 15, 59, 59))
    assert not CAL.is_staffed(utc(2026, 3, 30, 16, 0))


@pytest.mark.parametrize(
    "moment",
    [
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST, first time
        utc(2026, 10, 25, 1, 30),  # 02:30 CET, second time
        datetime(2026, 10, 25, 2, 30),  # naive, ambiguous (fold=0)
        datetime(2026, 10, 25, 2, 30, fold=1),
        utc(2026, 10, 24, 22, 0),
    ],
)
def test_october_dst_night(moment: datetime) -> None:
    assert not CAL.is_staffed(moment)
    start, end = CAL.staffed_window(moment)
    assert start.astimezone(UTC) == utc(2026, 10, 26, 8)  # Monday 09:00 CET
    assert end.astimezone(UTC) == utc(2026, 10, 26, 17)
    assert start.utcoffset() == timedelta(hours=1)


def test_october_dst_saturday_before_uses_summer_time() -> None:
    start, end = CAL.staffed_window(utc(2026, 10, 24, 10, 59, 59))
    assert start.astimezone(UTC) == utc(2026, 10, 24, 7) and end.astimezone(UTC) == utc(2026, 10, 24, 11)
    assert not CAL.is_staffed(utc(2026, 10, 24, 11, 0))


# Durations are taken in UTC: subtracting two datetimes of the same zone gives wall-clock time.
def test_hours_across_the_march_change_are_wall_clock_times() -> None:
    cal = custom_calendar([{"date": "2026-03-29", "open": "01:00", "close": "05:00", "name": "Nachtdienst"}])
    start, end = cal.staffed_window(datetime(2026, 3, 29, 0, 0))
    assert start == ams(2026, 3, 29, 1) and end == ams(2026, 3, 29, 5)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=3)  # one hour skipped
    assert cal.is_staffed(utc(2026, 3, 29, 0, 30))
    assert cal.is_staffed(utc(2026, 3, 29, 2, 59, 59))
    assert not cal.is_staffed(utc(2026, 3, 29, 3, 0))
    assert cal.is_staffed(datetime(2026, 3, 29, 2, 30))  # non-existent wall time, read as 03:30 CEST


def test_hours_across_the_october_change_are_wall_clock_times() -> None:
    cal = custom_calendar([{"date": "2026-10-25", "open": "01:00", "close": "05:00"}])
    start, end = cal.staffed_window(datetime(2026, 10, 25, 3, 0))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=5)  # one hour repeated
    assert cal.is_staffed(utc(2026, 10, 25, 0, 30)) and cal.is_staffed(utc(2026, 10, 25, 1, 30))
    assert cal.is_staffed(datetime(2026, 10, 25, 2, 30, fold=1))
    assert not cal.is_staffed(utc(2026, 10, 25, 4, 0))  # 05:00 CET


# --- public holidays -----------------------------------------------------------------------------


def test_christmas_eve_evening_to_monday_28_december() -> None:
    # 25 and 26 December 2026 are holidays (Friday, Saturday), 27 is a Sunday.
    assert CAL.staffed_window(datetime(2026, 12, 24, 18, 30)) == (ams(2026, 12, 28, 9), ams(2026, 12, 28, 18))
    assert CAL.closure_name(date(2026, 12, 25)) == "Eerste Kerstdag"
    assert CAL.closure_name(date(2026, 12, 26)) == "Tweede Kerstdag"
    assert not CAL.is_staffed(datetime(2026, 12, 26, 10, 0))  # a Saturday, but a holiday


def test_new_years_eve_evening_to_saturday_2_january() -> None:
    # 1 January 2027 is a Friday (holiday); Saturday 2 January is staffed 09:00-13:00.
    assert CAL.staffed_window(datetime(2026, 12, 31, 20, 0)) == (ams(2027, 1, 2, 9), ams(2027, 1, 2, 13))
    assert CAL.closure_name(date(2027, 1, 1)) == "Nieuwjaarsdag"
    assert CAL.is_staffed(datetime(2026, 12, 31, 17, 0))  # oudejaarsdag is an ordinary day


def test_easter_2027() -> None:
    assert CAL.closure_name(date(2027, 3, 26)) == "Goede Vrijdag"
    assert CAL.closure_name(date(2027, 3, 28)) == "Eerste Paasdag"
    assert CAL.closure_name(date(2027, 3, 29)) == "Tweede Paasdag"
    assert CAL.staffed_window(datetime(2027, 3, 25, 18, 0)) == (ams(2027, 3, 27, 9), ams(2027, 3, 27, 13))
    assert CAL.staffed_window(datetime(2027, 3, 27, 13, 0)) == (ams(2027, 3, 30, 9), ams(2027, 3, 30, 18))
    assert not CAL.is_staffed(datetime(2027, 3, 29, 11, 0))


def test_ascension_and_whit_monday_2027() -> None:
    assert CAL.closure_name(date(2027, 5, 6)) == "Hemelvaartsdag"
    assert CAL.staffed_window(datetime(2027, 5, 5, 18, 0)) == (ams(2027, 5, 7, 9), ams(2027, 5, 7, 18))
    assert CAL.closure_name(date(2027, 5, 17)) == "Tweede Pinksterdag"
    assert CAL.staffed_window(datetime(2027, 5, 15, 13, 0))[0] == ams(2027, 5, 18, 9)


def test_kings_day() -> None:
    assert CAL.closure_name(date(2027, 4, 27)) == "Koningsdag"
    # 27 April 2031 is a Sunday, so Koningsdag moves to Saturday 26 April.
    assert CAL.closure_name(date(2031, 4, 26)) == "Koningsdag"
    assert CAL.staffed_window(datetime(2031, 4, 25, 18, 0)) == (ams(2031, 4, 28, 9), ams(2031, 4, 28, 18))


def test_liberation_day_only_in_lustrum_years() -> None:
    assert CAL.closure_name(date(2025, 5, 5)) == "Bevrijdingsdag"  # 2025: a public holiday
    assert CAL.is_staffed(datetime(2027, 5, 5, 10, 0))  # 2027: not in the default categories


# --- special days --------------------------------------------------------------------------------

SPECIALS = [
    {"date": "12-24", "open": "09:00", "close": "16:00", "name": "Kerstavond"},
    {"date": "2027-12-24", "closed": True, "name": "Kerstsluiting"},
    {"date": "2027-06-01", "closed": True, "name": "Teamdag"},
    {"date": "2027-04-27", "open": "10:00", "close": "14:00"},
    {"date": "2027-06-02", "closed": True},
]


def test_shorter_yearly_special_day() -> None:
    cal = custom_calendar(SPECIALS)
    assert cal.hours_on(date(2026, 12, 24)) == (time(9), time(16))
    assert cal.is_staffed(datetime(2026, 12, 24, 15, 59, 59))
    assert not cal.is_staffed(datetime(2026, 12, 24, 16, 0))
    assert cal.staffed_window(datetime(2026, 12, 24, 10)) == (ams(2026, 12, 24, 9), ams(2026, 12, 24, 16))
    assert cal.day_name(date(2026, 12, 24)) == "Kerstavond"
    assert cal.closure_name(date(2026, 12, 24)) is None  # open, so not a closure


def test_fixed_special_day_wins_over_yearly() -> None:
    cal = custom_calendar(SPECIALS)
    assert cal.hours_on(date(2027, 12, 24)) is None
    assert cal.closure_name(date(2027, 12, 24)) == "Kerstsluiting"


def test_one_off_closure() -> None:
    cal = custom_calendar(SPECIALS)
    assert cal.closure_name(date(2027, 6, 1)) == "Teamdag"
    assert cal.hours_on(date(2027, 6, 2)) is None and cal.closure_name(date(2027, 6, 2)) is None
    assert cal.staffed_window(datetime(2027, 5, 31, 18, 0)) == (ams(2027, 6, 3, 9), ams(2027, 6, 3, 18))
    # Working days are Monday to Friday without public holidays; a company closure is not one.
    assert cal.add_working_days(date(2027, 5, 31), 1) == date(2027, 6, 1)


def test_special_day_overrides_public_holiday() -> None:
    cal = custom_calendar(SPECIALS)
    assert cal.hours_on(date(2027, 4, 27)) == (time(10), time(14))
    assert cal.day_name(date(2027, 4, 27)) == "Koningsdag"
    assert not cal.is_working_day(date(2027, 4, 27))


# --- working days --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 11, 24), 0, date(2026, 11, 24)),
        (date(2026, 11, 29), 0, date(2026, 11, 29)),  # n=0 keeps even a Sunday
        (date(2026, 11, 24), 1, date(2026, 11, 25)),
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 11, 29), 5, date(2026, 12, 4)),
        (date(2026, 12, 23), 3, date(2026, 12, 29)),  # over Christmas
        (date(2027, 3, 25), 1, date(2027, 3, 30)),  # over Good Friday and Easter Monday
        (date(2027, 4, 26), 1, date(2027, 4, 28)),  # Koningsdag
        (date(2026, 11, 24), 10, date(2026, 12, 8)),  # the ombudsman case
        (date(2026, 12, 21), 10, date(2027, 1, 6)),  # ombudsman over Christmas and New Year
    ],
)
def test_add_working_days(day: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(day, n) == expected


def test_add_working_days_rejects_negative() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 11, 24), -1)


# --- module-level API and settings ---------------------------------------------------------------


def test_module_level_api_uses_the_configured_calendar() -> None:
    assert hours_module.is_staffed(datetime(2026, 11, 24, 10, 0))
    assert hours_module.staffed_window(datetime(2027, 3, 29, 11, 0))[0] == ams(2027, 3, 30, 9)
    assert hours_module.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert hours_module.closure_name(date(2027, 3, 29)) == "Tweede Paasdag"
    assert hours_module.next_opening(datetime(2027, 3, 29, 11, 0)) == ams(2027, 3, 30, 9)
    assert hours_module.next_opening(datetime(2027, 3, 30, 11, 0)) == ams(2027, 3, 30, 11)


def test_load_settings_follows_the_environment_variable(tmp_path: Path, monkeypatch) -> None:
    raw = copy.deepcopy(RAW)
    raw["weekly_hours"]["zondag"] = {"open": "10:00", "close": "12:00"}
    path = tmp_path / "klantenservice.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv("KLANTENSERVICE_CONFIG", str(path))
    assert load_settings().weekly_hours[6] is not None
    assert hours_module.is_staffed(datetime(2026, 11, 29, 11, 0))
    monkeypatch.delenv("KLANTENSERVICE_CONFIG")
    assert not hours_module.is_staffed(datetime(2026, 11, 29, 11, 0))


def test_real_config_loads() -> None:
    loaded = read_settings(CONFIG_FILE)
    assert loaded.timezone == "Europe/Amsterdam"
    assert loaded.holidays.country == "NL" and loaded.holidays.language == "nl"
    assert loaded.complaints.ombudsman_working_days == 10
    assert loaded.contact.phone == "020 - 808 28 52"
    assert loaded.contact.social_url("facebook") == "https://www.facebook.com/Klarna"


def _broken(path: str, value) -> dict:
    raw = copy.deepcopy(RAW)
    *parents, key = path.split(".")
    node = raw
    for part in parents:
        node = node[part]
    node[key] = value
    return raw


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_broken("weekly_hours.maandag.open", 540), "quoted"),  # unquoted 9:00
        (_broken("weekly_hours.maandag.open", "9h"), "HH:MM"),
        (_broken("weekly_hours.maandag.close", "08:00"), "later than open"),
        (_broken("weekly_hours.mandag", {"open": "09:00", "close": "10:00"}), "unknown key"),
        (_broken("weekly_hours", {}), "at least one weekday"),
        (_broken("timezone", "Europe/Amsterdamm"), "unknown time zone"),
        (_broken("holidays.country", "XX"), "not supported"),
        (_broken("holidays.language", "de"), "not available"),
        (_broken("complaints.ombudsman_working_days", "tien"), "whole number"),
        (_broken("contact.phone", None), "contact: phone"),
        (_broken("special_days", [{"date": "24-12", "closed": True}]), "not a valid date"),
        (_broken("special_days", [{"date": "2027-02-30", "closed": True}]), "not a valid date"),
        (_broken("special_days", [{"date": "12/24", "closed": True}]), "YYYY-MM-DD"),
        (_broken("special_days", [{"date": "12-24"}]), "closed: true or open and close"),
        (_broken("special_days", [{"date": "12-24", "closed": True, "open": "09:00"}]), "not both"),
        (_broken("special_days", [{"date": "12-24", "open": "09:00"}]), "both open and close"),
        (_broken("special_days", [{"date": "12-24", "closed": "ja"}]), "true or false"),
        (_broken("special_days", [{"date": "12-24", "closed": True, "naam": "x"}]), "unknown key"),
        (_broken("special_days", [{"date": "12-24", "closed": True}] * 2), "already configured"),
        (_broken("special_days", {"date": "12-24"}), "expected a list"),
    ],
)
def test_invalid_config_fails_clearly(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from_dict(raw)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        read_settings(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("weekly_hours: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_settings(bad)


def test_unquoted_fixed_date_is_accepted() -> None:
    raw = _broken("special_days", [{"date": date(2027, 6, 1), "closed": True}])
    assert Calendar(settings_from_dict(raw)).hours_on(date(2027, 6, 1)) is None


# --- properties ----------------------------------------------------------------------------------

LOW, HIGH = datetime(2020, 1, 1), datetime(2035, 12, 31, 23, 59, 59)
naive_moments = st.datetimes(min_value=LOW, max_value=HIGH)
utc_moments = st.datetimes(min_value=LOW, max_value=HIGH, timezones=st.just(UTC))
moments = st.one_of(naive_moments, utc_moments)
# No example database: the suite should not write a .hypothesis directory into the project.
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None)

NL_HOLIDAYS = holidays.country_holidays("NL")
# Every time of day at which the calendar could open, plus every full hour as a spot check.
CANDIDATE_TIMES = sorted(
    {h.open for h in CAL.settings.weekly_hours if h} | {time(hour) for hour in range(24)}
)


def instant(moment: datetime) -> datetime:
    return CAL.local(moment).astimezone(UTC)


def oracle_staffed(moment: datetime) -> bool:
    """Independent check: the weekly table and the holiday list, in Amsterdam wall time."""
    local = moment.astimezone(AMS) if moment.tzinfo else moment
    hours = CAL.settings.weekly_hours[local.weekday()]
    if hours is None or local.date() in NL_HOLIDAYS:
        return False
    return hours.open <= local.time().replace(fold=0) < hours.close


@PROPERTY_SETTINGS
@given(moments)
def test_is_staffed_matches_an_independent_oracle(moment: datetime) -> None:
    assert CAL.is_staffed(moment) == oracle_staffed(moment)


@PROPERTY_SETTINGS
@given(moments)
def test_window_properties(moment: datetime) -> None:
    start, end = CAL.staffed_window(moment)
    assert start.tzinfo == AMS and end.tzinfo == AMS
    assert start < end
    assert CAL.is_staffed(start)
    assert CAL.is_staffed(end - timedelta(seconds=1))
    assert not CAL.is_staffed(end)
    assert not CAL.is_staffed(start - timedelta(seconds=1))
    now = instant(moment)
    if CAL.is_staffed(moment):
        assert start <= now < end
        return
    assert start > now
    # Nothing staffed between the moment and the start: check every possible opening time.
    day = CAL.local(moment).date()
    while day <= start.date():
        for wall in CANDIDATE_TIMES:
            candidate = CAL.at(day, wall)
            if now < candidate.astimezone(UTC) < start.astimezone(UTC):
                assert not CAL.is_staffed(candidate), candidate
        day += timedelta(days=1)


@PROPERTY_SETTINGS
@given(moments, moments)
def test_windows_are_monotone(first: datetime, second: datetime) -> None:
    m1, m2 = sorted((first, second), key=instant)
    assert instant(CAL.staffed_window(m2)[0]) >= instant(CAL.staffed_window(m1)[0])


@PROPERTY_SETTINGS
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)), st.integers(0, 30))
def test_add_working_days_counts_working_days(day: date, n: int) -> None:
    result = CAL.add_working_days(day, n)
    between = [day + timedelta(days=i) for i in range(1, (result - day).days + 1)]
    working = [d for d in between if d.weekday() < 5 and d not in NL_HOLIDAYS]
    assert len(working) == n
    if n:
        assert working[-1] == result


# --- years the holidays package does not cover ---------------------------------------------------


def test_the_supported_years_are_those_of_the_holidays_package() -> None:
    assert (CAL.first_year, CAL.last_year) == (NL_HOLIDAYS.start_year, NL_HOLIDAYS.end_year)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.is_staffed(datetime(2101, 12, 26, 10, 0)),  # Tweede Kerstdag
        lambda: CAL.staffed_window(datetime(2101, 1, 5, 10, 0)),
        lambda: CAL.hours_on(date(2101, 1, 1)),
        lambda: CAL.add_working_days(date(2101, 1, 5), 1),
        lambda: CAL.is_staffed(datetime(1950, 6, 1, 10, 0)),
        lambda: hours_module.is_staffed(datetime(2101, 12, 26, 10, 0)),
    ],
)
def test_moments_outside_the_supported_years_are_refused(call) -> None:
    with pytest.raises(hours_module.OutOfRangeError, match="outside the supported years") as raised:
        call()
    assert isinstance(raised.value, ValueError)
    assert raised.value.last_year == NL_HOLIDAYS.end_year


def test_the_last_supported_year_still_has_its_holidays() -> None:
    last = NL_HOLIDAYS.end_year
    assert date(last, 12, 25).weekday() == 5  # a Saturday: closed only because of the holiday
    assert CAL.hours_on(date(last, 12, 25)) is None
    assert CAL.holiday_name(date(last, 12, 26)) == "Tweede Kerstdag"
    # A window that would start in the first unsupported year cannot be given.
    with pytest.raises(hours_module.OutOfRangeError):
        CAL.staffed_window(datetime(last, 12, 31, 19, 0))


# --- property: windows on a calendar with special days --------------------------------------------

SPECIAL_HOURS = {(12, 24): (time(9), time(16)), (12, 31): (time(9), time(16))}
ONE_OFF_CLOSURE = date(2027, 12, 27)
SPECIAL_CAL = custom_calendar(
    [
        {"date": "12-24", "open": "09:00", "close": "16:00", "name": "Kerstavond"},
        {"date": "12-31", "open": "09:00", "close": "16:00", "name": "Oudejaarsdag"},
        {"date": ONE_OFF_CLOSURE.isoformat(), "closed": True, "name": "Inventarisatie"},
    ]
)
# Moments around the year end (where the special days are), and anywhere else.
year_end_moments = st.builds(
    lambda year, days, seconds: datetime(year, 12, 20) + timedelta(days=days, seconds=seconds),
    st.integers(2020, 2034),
    st.integers(0, 15),
    st.integers(0, 24 * 3600 - 1),
)
special_moments = st.one_of(year_end_moments, naive_moments, utc_moments)


def special_oracle(instant_utc: datetime) -> bool:
    """Independent check: the test's own table of special days, then holidays, then the week."""
    local = instant_utc.astimezone(AMS)
    day = local.date()
    if day == ONE_OFF_CLOSURE:
        return False
    if (day.month, day.day) in SPECIAL_HOURS:
        opening, closing = SPECIAL_HOURS[(day.month, day.day)]
    elif day in NL_HOLIDAYS or (weekly := SPECIAL_CAL.settings.weekly_hours[day.weekday()]) is None:
        return False
    else:
        opening, closing = weekly.open, weekly.close
    return opening <= local.time() < closing


@settings(max_examples=150, deadline=None, database=None)
@given(special_moments)
def test_window_with_special_days_is_staffed_and_nothing_staffed_before_it(moment: datetime) -> None:
    start, end = SPECIAL_CAL.staffed_window(moment)
    now = SPECIAL_CAL.local(moment).astimezone(UTC)
    assert special_oracle(start.astimezone(UTC))
    assert special_oracle(end.astimezone(UTC) - timedelta(minutes=1))
    assert not special_oracle(end.astimezone(UTC))
    if special_oracle(now):
        assert start.astimezone(UTC) <= now < end.astimezone(UTC)
        return
    assert start.astimezone(UTC) > now
    # Minute by minute from the moment to the window's start: nobody there (at most a few days).
    minute = now.replace(second=0, microsecond=0)
    while minute < start.astimezone(UTC):
        if minute >= now:
            assert not special_oracle(minute), minute
        minute += timedelta(minutes=1)

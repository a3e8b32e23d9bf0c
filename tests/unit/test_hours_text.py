"""The Dutch answers about opening hours, and the Dutch date formatting they use."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import date, datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.dutch import format_date, format_moment, format_time, join_words
from bot.hours import Calendar
from bot.hours_text import (
    answer_hours_question,
    asks_about_calling,
    availability_line,
    describe_day,
    describe_now,
    describe_week,
    ombudsman_deadline,
)
from bot.settings import read_settings, settings_from_dict

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = ROOT / "klantenservice.yml"
RAW = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
AMS = ZoneInfo("Europe/Amsterdam")
SETTINGS = replace(read_settings(CONFIG_FILE), special_days=())
CAL = Calendar(SETTINGS)


def custom_settings(**changes):
    raw = copy.deepcopy(RAW)
    raw.update(changes)
    return settings_from_dict(raw)


XMAS = Calendar(
    custom_settings(
        special_days=[
            {"date": "12-24", "open": "09:00", "close": "16:00", "name": "Kerstavond"},
            {"date": "2027-06-01", "closed": True, "name": "Teamdag"},
            {"date": "2027-06-03", "closed": True},
        ]
    )
)


# --- Dutch formatting ----------------------------------------------------------------------------


def test_format_date() -> None:
    assert format_date(date(2026, 11, 30)) == "maandag 30 november"
    assert format_date(date(2026, 11, 30), today=date(2026, 11, 24)) == "maandag 30 november"
    assert format_date(date(2027, 1, 2), today=date(2026, 12, 31)) == "zaterdag 2 januari 2027"
    assert format_date(date(2027, 3, 1)) == "maandag 1 maart"


def test_format_time() -> None:
    assert format_time(time(9)) == "09:00"
    assert format_time(datetime(2026, 1, 1, 17, 5, 59)) == "17:05"


def test_format_moment() -> None:
    now = datetime(2026, 11, 24, 10, 0, tzinfo=AMS)
    assert format_moment(datetime(2026, 11, 24, 14, 0, tzinfo=AMS), now) == "vandaag om 14:00"
    assert format_moment(datetime(2026, 11, 25, 9, 0, tzinfo=AMS), now) == "morgen om 09:00"
    assert format_moment(datetime(2026, 11, 30, 9, 0, tzinfo=AMS), now) == "maandag 30 november om 09:00"
    assert format_moment(datetime(2027, 1, 4, 9, 0, tzinfo=AMS), now) == "maandag 4 januari 2027 om 09:00"
    # An aware moment in UTC is shown in the zone of `now`.
    assert format_moment(datetime(2026, 11, 24, 23, 30, tzinfo=timezone.utc), now) == "morgen om 00:30"


def test_join_words() -> None:
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a en b"
    assert join_words(["a", "b", "c"]) == "a, b en c"


# --- the week ------------------------------------------------------------------------------------


def test_describe_week_from_the_real_config() -> None:
    assert describe_week(SETTINGS) == (
        "Onze medewerkers zijn er van maandag t/m vrijdag van 09:00 tot 18:00 en op zaterdag van 09:00 "
        "tot 13:00. Op zondag en op feestdagen zijn we gesloten. De chatbot (ik dus) is dag en nacht "
        "bereikbaar."
    )


def test_describe_week_groups_consecutive_equal_days() -> None:
    nine_five = {"open": "09:00", "close": "17:00"}
    settings = custom_settings(
        weekly_hours={
            "maandag": nine_five,
            "dinsdag": nine_five,
            "woensdag": nine_five,
            "donderdag": {"open": "09:00", "close": "20:00"},
            "vrijdag": nine_five,
            "zondag": {"open": "12:00", "close": "16:00"},
        },
        special_days=[{"date": "12-24", "open": "09:00", "close": "16:00", "name": "Kerstavond"}],
    )
    assert describe_week(settings) == (
        "Onze medewerkers zijn er van maandag t/m woensdag van 09:00 tot 17:00, op donderdag van 09:00 "
        "tot 20:00, op vrijdag van 09:00 tot 17:00 en op zondag van 12:00 tot 16:00. "
        "Op zaterdag en op feestdagen zijn we gesloten. "
        "Op 24 december (Kerstavond) zijn we er van 09:00 tot 16:00. "
        "De chatbot (ik dus) is dag en nacht bereikbaar."
    )


def test_describe_week_two_days_and_two_closed_days() -> None:
    hours = {"open": "08:30", "close": "17:00"}
    weekdays = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag")
    settings = custom_settings(weekly_hours=dict.fromkeys(weekdays, hours))
    text = describe_week(settings)
    assert text.startswith("Onze medewerkers zijn er van maandag t/m vrijdag van 08:30 tot 17:00.")
    assert "Op zaterdag, zondag en op feestdagen zijn we gesloten." in text
    settings = custom_settings(weekly_hours={"zaterdag": hours, "zondag": hours})
    assert describe_week(settings).startswith("Onze medewerkers zijn er op zaterdag en zondag van 08:30")


# --- now -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 24, 11, 0), "Ja, onze medewerkers zijn nu bereikbaar, vandaag tot 18:00."),
        (datetime(2026, 11, 28, 12, 59), "Ja, onze medewerkers zijn nu bereikbaar, vandaag tot 13:00."),
        (
            datetime(2026, 11, 24, 7, 30),
            "Nee, we zijn nog niet open. Vandaag zijn we er vanaf 09:00. "
            "Tot die tijd help ik je graag zelf verder.",
        ),
        (
            datetime(2026, 11, 24, 18, 0),
            "Nee, we zijn vandaag al dicht. We zijn er morgen weer, op woensdag 25 november om 09:00. "
            "Tot die tijd help ik je graag zelf verder.",
        ),
        (
            datetime(2026, 11, 28, 13, 0),
            "Nee, we zijn vandaag al dicht. We zijn er weer op maandag 30 november om 09:00. "
            "Tot die tijd help ik je graag zelf verder.",
        ),
        (
            datetime(2026, 11, 29, 10, 0),
            "Nee, op zondag zijn we gesloten. We zijn er morgen weer, op maandag 30 november om 09:00. "
            "Tot die tijd help ik je graag zelf verder.",
        ),
        (
            datetime(2026, 12, 25, 10, 0),
            "Nee, vandaag is het Eerste Kerstdag, dan zijn we gesloten. "
            "We zijn er weer op maandag 28 december om 09:00. Tot die tijd help ik je graag zelf verder.",
        ),
        (
            datetime(2026, 12, 31, 20, 0),
            "Nee, we zijn vandaag al dicht. We zijn er weer op zaterdag 2 januari 2027 om 09:00. "
            "Tot die tijd help ik je graag zelf verder.",
        ),
    ],
)
def test_describe_now(now: datetime, expected: str) -> None:
    assert describe_now(CAL, now) == expected


def test_describe_now_special_days() -> None:
    assert describe_now(XMAS, datetime(2026, 12, 24, 15, 0)) == (
        "Ja, onze medewerkers zijn nu bereikbaar, vandaag tot 16:00."
    )
    assert describe_now(XMAS, datetime(2027, 6, 1, 10, 0)).startswith(
        "Nee, vandaag is het Teamdag, dan zijn we gesloten. We zijn er morgen weer, op woensdag 2 juni"
    )
    assert describe_now(XMAS, datetime(2027, 6, 3, 10, 0)).startswith(
        "Nee, vandaag zijn we de hele dag gesloten. We zijn er morgen weer, op vrijdag 4 juni om 09:00."
    )


def test_describe_now_converts_aware_input() -> None:
    # 07:30 UTC on a Tuesday in November is 08:30 in Amsterdam.
    now = datetime(2026, 11, 24, 7, 30, tzinfo=timezone.utc)
    assert describe_now(CAL, now).startswith("Nee, we zijn nog niet open. Vandaag zijn we er vanaf 09:00.")


# --- a given day ---------------------------------------------------------------------------------

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=AMS)  # Tuesday, staffed


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 28), "Op zaterdag 28 november zijn we bereikbaar van 09:00 tot 13:00."),
        (date(2026, 11, 25), "Op woensdag 25 november zijn we bereikbaar van 09:00 tot 18:00."),
        (
            date(2026, 12, 25),
            "Op vrijdag 25 december (Eerste Kerstdag) zijn we gesloten. "
            "We zijn er weer op maandag 28 december om 09:00.",
        ),
        (
            date(2026, 11, 29),
            "Op zondag 29 november zijn we gesloten. We zijn er weer op maandag 30 november om 09:00.",
        ),
        (
            date(2027, 1, 1),
            "Op vrijdag 1 januari 2027 (Nieuwjaarsdag) zijn we gesloten. "
            "We zijn er weer op zaterdag 2 januari 2027 om 09:00.",
        ),
        (
            date(2031, 4, 26),
            "Op zaterdag 26 april 2031 (Koningsdag) zijn we gesloten. "
            "We zijn er weer op maandag 28 april 2031 om 09:00.",
        ),
        (
            date(2026, 11, 24),
            "Vandaag zijn we bereikbaar van 09:00 tot 18:00, dus op dit moment zijn onze medewerkers er.",
        ),
        (
            date(2026, 11, 23),
            "Maandag 23 november is al voorbij. "
            "Op dit moment zijn onze medewerkers bereikbaar, vandaag nog tot 18:00.",
        ),
    ],
)
def test_describe_day(day: date, expected: str) -> None:
    assert describe_day(CAL, day, NOW) == expected


def test_describe_today_before_after_and_closed() -> None:
    assert describe_day(CAL, date(2026, 11, 24), datetime(2026, 11, 24, 8, 0)) == (
        "Vandaag zijn we bereikbaar van 09:00 tot 18:00. We zijn nu nog niet open."
    )
    assert describe_day(CAL, date(2026, 11, 24), datetime(2026, 11, 24, 19, 0)) == (
        "Vandaag zijn we bereikbaar van 09:00 tot 18:00, maar voor vandaag zijn we al dicht. "
        "We zijn er morgen weer, op woensdag 25 november om 09:00."
    )
    assert describe_day(CAL, date(2027, 3, 29), datetime(2027, 3, 29, 11, 0)) == (
        "Vandaag (Tweede Paasdag) zijn we gesloten. We zijn er morgen weer, op dinsdag 30 maart om 09:00. "
        "Tot die tijd help ik je graag zelf verder."
    )


def test_describe_day_with_special_hours() -> None:
    assert describe_day(XMAS, date(2026, 12, 24), NOW) == (
        "Op donderdag 24 december (Kerstavond) zijn we bereikbaar van 09:00 tot 16:00."
    )
    assert describe_day(XMAS, date(2027, 6, 1), NOW) == (
        "Op dinsdag 1 juni 2027 (Teamdag) zijn we gesloten. We zijn er weer op woensdag 2 juni 2027 om 09:00."
    )


# --- the entry point -----------------------------------------------------------------------------


def test_acceptance_easter_monday_now() -> None:
    answer = answer_hours_question("zijn jullie nu open?", [], now=datetime(2027, 3, 29, 11, 0, tzinfo=AMS))
    assert answer.startswith("Nee")
    assert "gesloten" in answer
    assert "Tweede Paasdag" in answer
    assert "dinsdag 30 maart om 09:00" in answer


def test_answer_names_a_day() -> None:
    answer = answer_hours_question("zijn jullie op 2e kerstdag open?", [], NOW, CAL)
    assert answer.startswith("Op zaterdag 26 december (Tweede Kerstdag) zijn we gesloten.")
    answer = answer_hours_question("zijn jullie dan open?", ["zaterdag"], NOW, CAL)
    assert answer == "Op zaterdag 28 november zijn we bereikbaar van 09:00 tot 13:00."


def test_a_question_about_when_to_call_gets_the_phone_number() -> None:
    phone_line = " Tijdens de openingstijden kun je ons bellen op 020 - 808 28 52."
    answer = answer_hours_question("kan ik bellen?", ["zaterdag"], NOW, CAL)
    assert answer == "Op zaterdag 28 november zijn we bereikbaar van 09:00 tot 13:00." + phone_line
    answer = answer_hours_question("tot hoe laat kan ik jullie telefonisch bereiken", [], NOW, CAL)
    assert answer.startswith(describe_week(SETTINGS))
    assert answer.endswith(phone_line)


def test_a_follow_up_to_a_phone_question_gets_the_phone_number() -> None:
    answer = answer_hours_question("en op zaterdag?", [], NOW, CAL, about_calling=True)
    assert answer.endswith("Tijdens de openingstijden kun je ons bellen op 020 - 808 28 52.")
    assert "bellen" not in answer_hours_question("en op zaterdag?", [], NOW, CAL)


@pytest.mark.parametrize(
    ("text", "about_calling"),
    [
        ("tot hoe laat kan ik bellen", True),
        ("wanneer kan ik jullie opbellen?", True),
        ("is de telefoonlijn open", True),
        ("kan ik u telefonisch bereiken", True),
        ("wanneer krijg ik iemand aan de lijn", True),
        ("zijn jullie zaterdag open", False),
        ("wanneer is de chat bemand", False),
        ("ik word belazerd", False),
    ],
)
def test_asks_about_calling(text: str, about_calling: bool) -> None:
    assert asks_about_calling(text) is about_calling


def test_answer_about_now() -> None:
    answer = answer_hours_question("zijn jullie momenteel bereikbaar?", [], NOW, CAL)
    assert answer == "Ja, onze medewerkers zijn nu bereikbaar, vandaag tot 18:00."


def test_answer_general_question_adds_the_situation_now() -> None:
    answer = answer_hours_question("wat zijn jullie openingstijden?", [], NOW, CAL)
    assert answer == describe_week(SETTINGS) + (
        " Op dit moment zijn onze medewerkers bereikbaar, vandaag nog tot 18:00."
    )
    answer = answer_hours_question("wanneer zijn jullie open?", [], datetime(2027, 3, 29, 11, 0), CAL)
    assert answer.endswith(
        "Op dit moment zijn onze medewerkers er niet. Vandaag is het Tweede Paasdag. "
        "We zijn er morgen weer, op dinsdag 30 maart om 09:00."
    )


def test_answer_accepts_naive_and_utc_now() -> None:
    naive = answer_hours_question("zijn jullie nu open", [], datetime(2026, 11, 24, 18, 30), CAL)
    aware = answer_hours_question(
        "zijn jullie nu open", [], datetime(2026, 11, 24, 17, 30, tzinfo=timezone.utc), CAL
    )
    assert naive == aware
    assert naive.startswith("Nee, we zijn vandaag al dicht.")


# --- dates that do not exist, years without known holidays --------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("zijn jullie open op 30 februari", "30 februari"),
        ("zijn jullie 32-12 bereikbaar?", "32-12"),
        ("2026-13-01", "2026-13-01"),
    ],
)
def test_a_nonexistent_date_gets_a_clear_answer_and_the_general_hours(text: str, phrase: str) -> None:
    answer = answer_hours_question(text, [], NOW, CAL)
    assert answer == (
        f"De datum {phrase} bestaat niet, dus daarvoor kan ik je geen tijden geven. "
        + describe_week(SETTINGS)
    )


@pytest.mark.parametrize("text", ["zijn jullie open op 26 december 2101?", "31-12-2150"])
def test_a_date_after_the_supported_years_is_refused_in_dutch(text: str) -> None:
    answer = answer_hours_question(text, [], NOW, CAL)
    assert answer.startswith(f"Ik kan alleen antwoorden voor data tot en met 31 december {CAL.last_year}:")
    assert answer.endswith(describe_week(SETTINGS))


def test_the_last_supported_year_is_still_answered() -> None:
    answer = answer_hours_question("26 december 2100", [], NOW, CAL)
    assert answer.startswith("Op zondag 26 december 2100 (Tweede Kerstdag) zijn we gesloten.")


def test_a_pinned_clock_after_the_supported_years_is_refused() -> None:
    answer = answer_hours_question("zijn jullie nu open?", [], datetime(2101, 3, 1, 10, 0), CAL)
    assert answer.startswith("Ik kan alleen antwoorden voor data tot en met")


# --- the one-sentence status on the web page ------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 24, 10, 0), "Onze medewerkers zijn er nu, vandaag tot 18:00."),
        (
            datetime(2026, 11, 24, 18, 30),
            "Onze medewerkers zijn er weer op woensdag 25 november om 09:00 (ma–vr 9–18, za 9–13).",
        ),
        (
            datetime(2026, 11, 24, 7, 30),
            "Onze medewerkers zijn er vandaag vanaf 09:00 (ma–vr 9–18, za 9–13).",
        ),
        (
            datetime(2026, 11, 29, 12, 0),
            "Onze medewerkers zijn er weer op maandag 30 november om 09:00 (ma–vr 9–18, za 9–13).",
        ),
        (
            datetime(2026, 11, 28, 14, 0),
            "Onze medewerkers zijn er weer op maandag 30 november om 09:00 (ma–vr 9–18, za 9–13).",
        ),
        (
            datetime(2026, 11, 28, 12, 59),
            "Onze medewerkers zijn er nu, vandaag tot 13:00.",
        ),
        (
            datetime(2026, 12, 25, 12, 0),
            "Vandaag (Eerste Kerstdag) zijn we gesloten; je kunt ons weer op maandag 28 december om "
            "09:00 spreken (ma–vr 9–18, za 9–13).",
        ),
    ],
)
def test_availability_line_is_one_sentence_with_the_right_moment(now: datetime, expected: str) -> None:
    line = availability_line(CAL, now)
    assert line == expected
    assert len(_sentences(line)) == 1


def test_availability_line_for_special_hours_and_another_week() -> None:
    hours = {"open": "08:30", "close": "17:00"}
    settings = custom_settings(weekly_hours={"maandag": hours, "dinsdag": hours})
    line = availability_line(Calendar(settings), datetime(2026, 11, 24, 18, 0))
    assert line == "Onze medewerkers zijn er weer op maandag 30 november om 08:30 (ma–di 8.30–17)."
    assert len(_sentences(line)) == 1


# --- ombudsman -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 24), date(2026, 12, 8)),
        (date(2026, 12, 21), date(2027, 1, 6)),
        (date(2027, 3, 20), date(2027, 4, 6)),  # Saturday, over Good Friday and Easter Monday
        (date(2027, 4, 20), date(2027, 5, 5)),  # over Koningsdag
    ],
)
def test_ombudsman_deadline(today: date, expected: date) -> None:
    assert ombudsman_deadline(today, CAL) == expected
    assert ombudsman_deadline(today) == expected  # the configured calendar

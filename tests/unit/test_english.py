"""English formatting (bot/english.py) and the English hours answers (bot/hours_text_en.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import english, wording
from bot.hours_text_en import answer_hours_question, to_dutch_day_words

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
SATURDAY_AFTERNOON = datetime(2026, 11, 28, 15, 0, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (time(9, 0), "9:00 am"),
        (time(0, 15), "12:15 am"),
        (time(12, 0), "12:00 pm"),
        (time(13, 30), "1:30 pm"),
        (time(18, 0), "6:00 pm"),
    ],
)
def test_times_are_on_the_12_hour_clock(moment, text):
    assert english.format_time(moment) == text


def test_dates_name_the_weekday_and_month_and_the_year_only_when_it_is_another():
    assert english.format_date(date(2026, 11, 30), date(2026, 11, 28)) == "Monday 30 November"
    assert english.format_date(date(2027, 1, 1), date(2026, 12, 28)) == "Friday 1 January 2027"


def test_moments_are_today_tomorrow_or_a_date():
    now = SATURDAY_AFTERNOON
    assert english.format_moment(now.replace(hour=17), now) == "today at 5:00 pm"
    assert english.format_moment(now + timedelta(days=1), now) == "tomorrow at 3:00 pm"
    assert english.format_moment(datetime(2026, 11, 30, 9, tzinfo=AMSTERDAM), now) == (
        "on Monday 30 November at 9:00 am"
    )


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0.2, "less than a minute"), (1, "about 1 minute"), (12, "about 12 minutes"), (125, "about 2 hours")],
)
def test_waits(minutes, text):
    assert english.format_wait(timedelta(minutes=minutes)) == text


def test_holiday_names_are_translated_and_unknown_ones_kept():
    assert english.day_name("Tweede Kerstdag") == "Boxing Day"
    assert english.day_name("Bevrijdingsdag en Hemelvaartsdag") == "Liberation Day and Ascension Day"
    assert english.day_name("Teamdag") == "Teamdag"


def test_the_language_picks_the_formatting_and_anything_unknown_is_dutch():
    moment = datetime(2026, 11, 30, 9, tzinfo=AMSTERDAM)
    assert wording.format_moment(moment, SATURDAY_AFTERNOON, "en") == "on Monday 30 November at 9:00 am"
    assert wording.format_moment(moment, SATURDAY_AFTERNOON, "nl") == "maandag 30 november om 09:00"
    assert wording.format_moment(moment, SATURDAY_AFTERNOON, None) == "maandag 30 november om 09:00"


@pytest.mark.parametrize(
    ("text", "dutch"),
    [
        ("Are you open on Saturday?", "are you open on zaterdag?"),
        ("open on the 25th of December?", "open on the 25 december?"),
        ("and December 26th", "and 26 december"),
        ("open on boxing day", "open on tweede kerstdag"),
        ("may I call tomorrow", "may i call morgen"),
    ],
)
def test_english_day_words_are_put_in_dutch_for_the_day_parser(text, dutch):
    assert to_dutch_day_words(text) == dutch


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("are you open on saturday?", "On Saturday 28 November we are available from 9:00 am to 1:00 pm."),
        ("are you open on sunday", "On Sunday 29 November we are closed."),
        ("open on christmas day?", "On Friday 25 December (Christmas Day) we are closed."),
        ("are you open now?", "Yes, our agents are available now, today until 6:00 pm."),
    ],
)
def test_hours_answers_for_a_day_or_now(text, expected):
    assert answer_hours_question(text, TUESDAY_MORNING).startswith(expected)


def test_a_question_about_calling_ends_with_the_number():
    answer = answer_hours_question("until what time can I call today?", TUESDAY_MORNING)
    assert answer.startswith("Today we are available from 9:00 am to 6:00 pm, so our agents are there")
    assert answer.endswith("During opening hours you can call us on 020 - 808 28 52.")


def test_a_date_that_does_not_exist():
    assert answer_hours_question("are you open on 30 february?", TUESDAY_MORNING).startswith(
        "That date does not exist"
    )

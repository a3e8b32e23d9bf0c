"""Which day a Dutch customer message names, relative to a fixed today (Tuesday 24 November 2026)."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from bot.dayparse import NonexistentDateError, asks_about_now, holiday_phrase_targets, parse_day

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # weekdays
        ("zaterdag", date(2026, 11, 28)),
        ("Zijn jullie zaterdag open?", date(2026, 11, 28)),
        ("dinsdag", TODAY),
        ("maandag", date(2026, 11, 30)),
        ("zondag", date(2026, 11, 29)),
        ("volgende dinsdag", date(2026, 12, 1)),
        ("volgende zaterdag", date(2026, 11, 28)),
        ("komende woensdag", date(2026, 11, 25)),
        ("volgende week dinsdag", date(2026, 12, 1)),
        ("volgende week maandag", date(2026, 11, 30)),
        ("volgende week zaterdag", date(2026, 12, 5)),
        ("zaterdag volgende week", date(2026, 12, 5)),
        ("donderdag van de komende week", date(2026, 12, 3)),
        ("zaterdagochtend", date(2026, 11, 28)),
        ("bellen op vrijdagmiddag?", date(2026, 11, 27)),
        ("zaterdga", date(2026, 11, 28)),  # typo
        ("woensdga open?", date(2026, 11, 25)),
        ("ZATERDAG!!", date(2026, 11, 28)),
        # relative words
        ("vandaag", TODAY),
        ("zijn jullie vanavond nog bereikbaar", TODAY),
        ("morgen", date(2026, 11, 25)),
        ("Kan ik morgenochtend bellen?", date(2026, 11, 25)),
        ("overmorgen", date(2026, 11, 26)),
        ("gisteren", date(2026, 11, 23)),
        ("over 3 dagen", date(2026, 11, 27)),
        # dates
        ("24 december", date(2026, 12, 24)),
        ("24 dec", date(2026, 12, 24)),
        ("op 24 dec. bereikbaar?", date(2026, 12, 24)),
        ("31-12", date(2026, 12, 31)),
        ("31/12", date(2026, 12, 31)),
        ("1 januari 2027", date(2027, 1, 1)),
        ("1 januari", date(2027, 1, 1)),
        ("2 jan", date(2027, 1, 2)),
        ("24 november", TODAY),
        ("20 november", date(2027, 11, 20)),  # past this year: next year's
        ("3 mrt", date(2027, 3, 3)),
        ("12 decmber", date(2026, 12, 12)),  # typo in the month
        ("24e december", date(2026, 12, 24)),
        ("31-12-2027", date(2027, 12, 31)),
        ("31/12/27", date(2027, 12, 31)),
        ("2027-01-04", date(2027, 1, 4)),
        ("29 februari", date(2028, 2, 29)),
        ("dinsdag 1 december", date(2026, 12, 1)),
        ("maandag 23 november", date(2026, 11, 23)),  # the weekday says: this year's, already past
        # holidays and named days
        ("tweede kerstdag", date(2026, 12, 26)),
        ("2e kerstdag", date(2026, 12, 26)),
        ("Zijn jullie op 2e Kerstdag open?", date(2026, 12, 26)),
        ("eerste kerstdag", date(2026, 12, 25)),
        ("1e kerstdag", date(2026, 12, 25)),
        ("kerst", date(2026, 12, 25)),
        ("met kerstmis", date(2026, 12, 25)),
        ("kerstavond", date(2026, 12, 24)),
        ("oud en nieuw", date(2026, 12, 31)),
        ("oud & nieuw", date(2026, 12, 31)),
        ("oudejaarsdag", date(2026, 12, 31)),
        ("oudejaarsavond", date(2026, 12, 31)),
        ("nieuwjaarsdag", date(2027, 1, 1)),
        ("nieuwjaar", date(2027, 1, 1)),
        ("koningsdag", date(2027, 4, 27)),
        ("hemelvaart", date(2027, 5, 6)),
        ("hemelvaartsdag", date(2027, 5, 6)),
        ("pasen", date(2027, 3, 28)),
        ("eerste paasdag", date(2027, 3, 28)),
        ("tweede paasdag", date(2027, 3, 29)),
        ("2e paasdag", date(2027, 3, 29)),
        ("paasmaandag", date(2027, 3, 29)),
        ("goede vrijdag", date(2027, 3, 26)),
        ("pinksteren", date(2027, 5, 16)),
        ("tweede pinksterdag", date(2027, 5, 17)),
        ("pinkstermaandag", date(2027, 5, 17)),
        ("bevrijdingsdag", date(2027, 5, 5)),
        ("bevrijdingsdag 2030", date(2030, 5, 5)),
        ("kerst 2027", date(2027, 12, 25)),
        ("koningsdag 2031", date(2031, 4, 26)),  # 27 April 2031 is a Sunday
        ("oudejaarsdag 2030", date(2030, 12, 31)),
    ],
)
def test_parse_day(text: str, expected: date) -> None:
    assert parse_day(text, [], TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "zijn jullie nu open?",
        "hoe laat gaan jullie open",
        "wat zijn jullie openingstijden",
        "Goedemorgen, wanneer kan ik bellen?",
        "goede morgen!",
        "volgende maand",
        "zijn jullie in het weekend open",
        "bel me om 9.00",
        "tussen 9-17 uur",
        "mijn nummer is 020-808 28 52",
        "ik heb 3 dagen geleden betaald",
        "",
    ],
)
def test_no_day_named(text: str) -> None:
    assert parse_day(text, [], TODAY) is None


def test_entity_values_come_first() -> None:
    assert parse_day("ben je er zaterdag?", ["maandag"], TODAY) == date(2026, 11, 30)
    assert parse_day("ben je er zaterdag?", ["onzin"], TODAY) == date(2026, 11, 28)
    assert parse_day("geen dag hier", ["2e kerstdag"], TODAY) == date(2026, 12, 26)


def test_entity_abbreviations_and_dateparser_fallback() -> None:
    assert parse_day("ben je er za?", ["za"], TODAY) == date(2026, 11, 28)
    assert parse_day("ben je er zo?", [], TODAY) is None  # "zo" in free text is just "so"
    assert parse_day("over een week", ["over een week"], TODAY) == date(2026, 12, 1)
    assert parse_day("over twee weken", ["over twee weken"], TODAY) == date(2026, 12, 8)
    assert parse_day("x", ["12"], TODAY) is None  # a bare number is not a day


def test_the_most_specific_expression_wins() -> None:
    assert parse_day("morgen of op tweede kerstdag?", [], TODAY) == date(2026, 12, 26)
    assert parse_day("zaterdag of morgen?", [], TODAY) == date(2026, 11, 25)
    assert parse_day("op kerstavond, 24-12", [], TODAY) == date(2026, 12, 24)


def test_holidays_are_the_next_occurrence_on_or_after_today() -> None:
    assert parse_day("tweede kerstdag", [], date(2026, 12, 26)) == date(2026, 12, 26)
    assert parse_day("tweede kerstdag", [], date(2026, 12, 27)) == date(2027, 12, 26)
    assert parse_day("koningsdag", [], date(2031, 4, 1)) == date(2031, 4, 26)  # 27 April is a Sunday
    assert parse_day("pasen", [], date(2027, 3, 29)) == date(2028, 4, 16)
    assert parse_day("kerstavond", [], date(2026, 12, 25)) == date(2027, 12, 24)


def test_weekday_on_that_weekday_is_today() -> None:
    saturday = date(2026, 11, 28)
    assert parse_day("zaterdag", [], saturday) == saturday
    assert parse_day("volgende zaterdag", [], saturday) == date(2026, 12, 5)
    assert parse_day("volgende week zaterdag", [], saturday) == date(2026, 12, 5)
    sunday = date(2026, 11, 29)  # weeks start on Monday, so "volgende week" starts tomorrow
    assert parse_day("volgende week maandag", [], sunday) == date(2026, 11, 30)
    assert parse_day("maandag", [], sunday) == date(2026, 11, 30)


def test_every_holiday_phrase_is_known_to_the_package() -> None:
    table = holidays.country_holidays(
        "NL", language="nl", categories=(holidays.PUBLIC, holidays.OPTIONAL), years=range(2026, 2036)
    )
    names = {name.lower() for day in table for name in table.get_list(day)}
    for target in holiday_phrase_targets():
        assert target.lower() in names


@pytest.mark.parametrize(
    "text",
    [
        "zijn jullie nu open",
        "Zijn jullie NU open?",
        "zijn jullie nog open",
        "is er op dit moment iemand",
        "zijn jullie momenteel bereikbaar",
        "nu bereikbaar?",
        "kan ik vandaag nog bellen",
        "is er nog iemand aanwezig",
    ],
)
def test_asks_about_now(text: str) -> None:
    assert asks_about_now(text)


@pytest.mark.parametrize(
    "text", ["wat zijn jullie openingstijden", "zijn jullie zaterdag open", "wanneer kan ik bellen", "nummer"]
)
def test_does_not_ask_about_now(text: str) -> None:
    assert not asks_about_now(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24.12", date(2026, 12, 24)),
        ("zijn jullie op 24.12 open?", date(2026, 12, 24)),
        ("1.1.2027", date(2027, 1, 1)),
        ("de 24e", TODAY),
        ("op de 30ste", date(2026, 11, 30)),
        ("de 3e", date(2026, 12, 3)),  # the 3rd of this month is over: next month's
        ("de 31e", date(2026, 12, 31)),  # November has no 31st
        ("de 24e december", date(2026, 12, 24)),
        ("over twee weken", date(2026, 12, 8)),
        ("over 2 weken", date(2026, 12, 8)),
        ("over een week", date(2026, 12, 1)),
        ("over vijf dagen", date(2026, 11, 29)),
        ("3 sept", date(2027, 9, 3)),
        ("eergisteren", date(2026, 11, 22)),
        ("aanstaande vrijdag", date(2026, 11, 27)),
    ],
)
def test_more_dutch_dates(text: str, expected: date) -> None:
    assert parse_day(text, [], TODAY) == expected


@pytest.mark.parametrize("text", ["bel me om 9.30", "tussen 9-17", "van 9.00 tot 18.00", "de 2 van ons"])
def test_times_are_not_dates(text: str) -> None:
    assert parse_day(text, [], TODAY) is None


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("zijn jullie open op 30 februari", "30 februari"),
        ("32-12", "32-12"),
        ("2026-13-01", "2026-13-01"),
        ("31 april", "31 april"),
        ("29-02-2027", "29-02-2027"),  # 2027 is no leap year
        ("op de 32e", "de 32e"),
    ],
)
def test_a_nonexistent_date_is_reported(text: str, phrase: str) -> None:
    with pytest.raises(NonexistentDateError) as raised:
        parse_day(text, [], TODAY)
    assert raised.value.phrase == phrase


def test_a_nonexistent_date_in_the_entity_is_reported() -> None:
    with pytest.raises(NonexistentDateError):
        parse_day("kan dat dan?", ["30 februari"], TODAY)
    # An entity with only the month does not hide the nonexistent date in the text.
    with pytest.raises(NonexistentDateError):
        parse_day("open op 30 februari?", ["februari"], TODAY)


def test_a_month_alone_is_not_a_day() -> None:
    assert parse_day("in februari", ["februari"], TODAY) is None


def test_29_february_in_a_leap_year_exists() -> None:
    assert parse_day("29-02-2028", [], TODAY) == date(2028, 2, 29)

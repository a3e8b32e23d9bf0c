"""Which calendar day does a Dutch customer message name?

Customers write "zaterdag", "volgende week dinsdag", "24 dec", "2e kerstdag" or "morgen"; this
module turns such phrases into a date relative to `today`. dateparser (Dutch) reads the dates,
weekdays and relative words; the code here finds those phrases in chat text (where dateparser's own
search also picks up "nu" or "goede morgen"), and adds what dateparser does not know: holiday names
(dates from the `holidays` package), "volgende week dinsdag", "de 24e", number words, ordinals,
typos, and that "30 februari" is no date at all.

When a message names several days, the most specific kind wins: an explicit date, then a holiday,
then a relative word (vandaag/morgen), then a weekday; within a kind, the first one in the text.
"""

from __future__ import annotations

import calendar
import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser
import holidays

from bot.dutch import MONTHS, WEEKDAYS, month_name
from bot.settings import Settings, load_settings

# Candidate kinds, most specific first.
_DATE, _HOLIDAY, _RELATIVE, _WEEKDAY = range(4)


class NonexistentDateError(ValueError):
    """The customer named a calendar date that does not exist ("30 februari", "32-12")."""

    def __init__(self, phrase: str) -> None:
        super().__init__(f"no such date: {phrase!r}")
        self.phrase = phrase


@dataclass(frozen=True)
class _Candidate:
    kind: int
    position: int
    day: date | None  # None: a date-shaped phrase that names no existing date
    phrase: str = ""


def _read(phrase: str, base: date, order: str = "DMY", require_day: bool = False) -> date | None:
    """dateparser's reading of one Dutch phrase, relative to `base`, preferring dates after it.

    With `base` = yesterday, a phrase without a year ("24 november", "dinsdag") reads as its next
    occurrence on or after today. `require_day` rejects a bare month or year ("februari").
    """
    parsed = dateparser.parse(
        phrase,
        languages=["nl"],
        settings={
            "RELATIVE_BASE": datetime.combine(base, datetime.min.time()),
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": order,
            "REQUIRE_PARTS": ["day"] if require_day else [],
        },
    )
    return parsed.date() if parsed is not None else None


# --- normalisation -------------------------------------------------------------------------------

_NUMBER_WORDS = {"een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8}


def _normalise(text: str) -> str:
    """Lower case, no accents, punctuation to spaces (keeping - / . inside dates), single spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("&", " en ")
    text = re.sub(r"[^a-z0-9/\-.]+", " ", text)
    text = re.sub(r"(?<![a-z0-9])[.\-/]+|[.\-/]+(?![a-z0-9])", " ", text)  # stray punctuation
    return re.sub(r"\s+", " ", text).strip()


def _digits_for_number_words(text: str) -> str:
    """ "over twee weken" -> "over 2 weken": dateparser's Dutch data only knows digits there."""
    pattern = r"\b(" + "|".join(_NUMBER_WORDS) + r")(?= (?:dag|dagen|week|weken)\b)"
    return re.sub(pattern, lambda m: str(_NUMBER_WORDS[m.group(1)]), text)


# Words that look like a weekday to difflib but are not one.
_NOT_WEEKDAYS = {"vandaag", "maand", "maanden", "zondags", "zonder", "dagen", "vandaan"}


def _fix_weekday_typos(text: str) -> str:
    """Replace light typos of weekday names ("zaterdga" -> "zaterdag"); cheap, via difflib."""
    return re.sub(r"[a-z]{5,}", lambda m: _closest_weekday(m.group()), text)


def _closest_weekday(word: str) -> str:
    if word in WEEKDAYS or word in _NOT_WEEKDAYS or _WEEKDAY_WORD_RE.fullmatch(word):
        return word
    for name in difflib.get_close_matches(word, WEEKDAYS, n=3, cutoff=0.8):
        if abs(len(name) - len(word)) <= 1:
            return name
    return word


# --- weekdays ------------------------------------------------------------------------------------

_WD = "|".join(WEEKDAYS)
_WD_SUFFIX = r"(?:s|en|ochtend|middag|avond|morgen)?"
_WEEKDAY_WORD_RE = re.compile(rf"(?:{_WD}){_WD_SUFFIX}")
# dateparser reads "volgende dinsdag" but not "volgende week dinsdag" (the weekday in next week).
_NEXT_WEEK_RES = (
    re.compile(rf"\b(?:volgende|komende|aanstaande) week (?:op )?({_WD}){_WD_SUFFIX}\b"),
    re.compile(rf"\b({_WD}){_WD_SUFFIX} (?:in |van )?(?:de )?(?:volgende|komende) week\b"),
)
_AFTER_TODAY_RES = (
    re.compile(rf"\b(?:volgende|komende|aanstaande|a\.s\.?) ({_WD}){_WD_SUFFIX}\b"),
    re.compile(rf"\b({_WD}){_WD_SUFFIX} (?:aanstaande|a\.s\.?)"),
)
_ANY_WEEKDAY_RE = re.compile(rf"\b({_WD}){_WD_SUFFIX}\b")
# Abbreviations are too ambiguous in free text ("zo", "ma"), so only an NLU entity may use them.
_ABBREVIATIONS = {"ma": 0, "di": 1, "wo": 2, "do": 3, "vr": 4, "vrij": 4, "za": 5, "zat": 5, "zo": 6}


def _weekday_candidates(text: str, today: date) -> list[_Candidate]:
    found: list[_Candidate] = []
    claimed: list[tuple[int, int]] = []

    def add(match: re.Match[str], day: date | None) -> None:
        if day is not None and not any(s <= match.start() < e for s, e in claimed):
            claimed.append(match.span())
            found.append(_Candidate(_WEEKDAY, match.start(), day))

    yesterday = today - timedelta(days=1)
    for regex in _NEXT_WEEK_RES:
        for m in regex.finditer(text):
            monday_next_week = today - timedelta(days=today.weekday()) + timedelta(days=7)
            add(m, monday_next_week + timedelta(days=WEEKDAYS.index(m.group(1))))
    for regex in _AFTER_TODAY_RES:
        for m in regex.finditer(text):
            add(m, _read(m.group(1), today))  # strictly after today
    for m in _ANY_WEEKDAY_RE.finditer(text):
        add(m, _read(m.group(1), yesterday))  # today itself counts
    return found


# --- relative words ------------------------------------------------------------------------------

# Found here, read by dateparser ("morgenochtend" is read as "morgen").
_RELATIVE_WORDS = (
    (re.compile(r"\beergisteren\b"), "eergisteren"),
    (re.compile(r"\bgisteren\b"), "gisteren"),
    (re.compile(r"\b(?:vandaag|vanochtend|vanmorgen|vanmiddag|vanavond)\b"), "vandaag"),
    (re.compile(r"\bovermorgen\b"), "overmorgen"),
    # "morgen" but not the greeting "goede morgen" ("goedemorgen" is one word and never matches).
    (re.compile(r"(?<!goede )\bmorgen(?:ochtend|middag|avond|vroeg)?\b"), "morgen"),
)
_IN_PERIOD_RE = re.compile(r"\bover \d{1,2} (?:dag|dagen|week|weken)\b")


def _relative_candidates(text: str, today: date) -> list[_Candidate]:
    found = [
        _Candidate(_RELATIVE, m.start(), _read(word, today))
        for regex, word in _RELATIVE_WORDS
        for m in regex.finditer(text)
    ]
    found += [_Candidate(_RELATIVE, m.start(), _read(m.group(), today)) for m in _IN_PERIOD_RE.finditer(text)]
    return [c for c in found if c.day is not None]


# --- explicit dates ------------------------------------------------------------------------------

# Date-shaped phrases; dateparser reads each one. Numbers after "om", "tot", "tussen" ... are times.
_NOT_AFTER = r"(?<!\bom )(?<!\btot )(?<!\bvan )(?<!\btussen )(?<!\bvanaf )(?<!\brond )"
_ISO_RE = re.compile(r"(?<![\d.\-/])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d.\-/])")
_NUMERIC_RE = re.compile(
    _NOT_AFTER + r"(?<![\d.\-/])(\d{1,2})([-/.])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d\-/]|\.\d|\s*uur)"
)
_TEXTUAL_RE = re.compile(r"(?<![\d.\-/])(\d{1,2})(?:e|ste|de)? ([a-z]{3,})\.?(?: (\d{4}))?\b")
_DAY_OF_MONTH_RE = re.compile(r"\bde (\d{1,2})(?:e|ste|de)\b")
# Month spellings dateparser misses: "sept", and light typos ("decmber") via difflib.
_MONTH_SPELLINGS = {"sept": "september", "mrt": "maart"}


def _month(word: str) -> int | None:
    """Month number from a full name, an abbreviation ("dec", "mrt"), a prefix or a light typo."""
    word = _MONTH_SPELLINGS.get(word, word)
    prefixed = [i for i, name in enumerate(MONTHS) if name.startswith(word)]
    if len(prefixed) == 1:
        return prefixed[0] + 1
    if len(word) >= 5:
        close = difflib.get_close_matches(word, MONTHS, n=1, cutoff=0.8)
        if close and abs(len(close[0]) - len(word)) <= 1:
            return MONTHS.index(close[0]) + 1
    return None


def _exists(day: int, month: int, year: int | None) -> bool:
    """Whether the date exists; without a year, in some year (29 February does)."""
    if not 1 <= month <= 12:
        return False
    return 1 <= day <= calendar.monthrange(year if year is not None else 2000, month)[1]


def _full_year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _match_named_weekday(day: date | None, text_before: str, has_year: bool, today: date) -> date | None:
    """Use the weekday in "maandag 23 november" to pick the year when no year is given.

    The next occurrence is kept when its weekday fits; otherwise this year's (already past) date is
    taken if that one fits, so the customer hears that the day is over rather than a wrong year.
    """
    named = re.search(rf"\b({_WD}) $", text_before)
    if day is None or has_year or named is None or day.weekday() == WEEKDAYS.index(named.group(1)):
        return day
    try:
        this_year = date(today.year, day.month, day.day)
    except ValueError:
        return day
    return this_year if this_year.weekday() == WEEKDAYS.index(named.group(1)) else day


def _day_of_month(day: int, today: date) -> date | None:
    """ "de 24e": that day in this month, or in the first month after it that has the day."""
    for ahead in range(13):
        year, month = divmod(today.month - 1 + ahead, 12)
        if _exists(day, month + 1, today.year + year):
            candidate = date(today.year + year, month + 1, day)
            if candidate >= today:
                return candidate
    return None


def _date_candidates(text: str, today: date) -> list[_Candidate]:
    found: list[_Candidate] = []
    yesterday = today - timedelta(days=1)

    def add(
        m: re.Match[str], day: int, month: int, year: int | None, phrase: str, order: str = "DMY"
    ) -> None:
        if not _exists(day, month, year):
            found.append(_Candidate(_DATE, m.start(), None, m.group()))
            return
        parsed = _read(phrase, yesterday, order)
        parsed = _match_named_weekday(parsed, text[: m.start()], year is not None, today)
        if parsed is not None:
            found.append(_Candidate(_DATE, m.start(), parsed, m.group()))

    for m in _ISO_RE.finditer(text):
        add(m, int(m.group(3)), int(m.group(2)), int(m.group(1)), m.group(), "YMD")
    for m in _NUMERIC_RE.finditer(text):
        day, month, year = int(m.group(1)), int(m.group(3)), _full_year(m.group(4))
        if m.group(2) == "." and year is None and not _exists(day, month, None):
            continue  # "9.30" is a time, not a nonexistent date
        add(m, day, month, year, m.group())
    for m in _TEXTUAL_RE.finditer(text):
        named_month = _month(m.group(2))
        if named_month is not None:
            year = _full_year(m.group(3))
            phrase = f"{m.group(1)} {month_name(named_month)}" + (f" {year}" if year else "")
            add(m, int(m.group(1)), named_month, year, phrase)
    with_month = {m.start() for m in _TEXTUAL_RE.finditer(text) if _month(m.group(2)) is not None}
    for m in _DAY_OF_MONTH_RE.finditer(text):
        if m.start(1) in with_month:
            continue  # "de 24e december" is read above
        on = _day_of_month(int(m.group(1)), today)
        found.append(_Candidate(_DATE, m.start(), on, m.group()))
    return found


# --- holidays ------------------------------------------------------------------------------------

# Phrase -> a holiday name as the holidays package spells it (language "nl"), or a fixed (month, day)
# for days that are not public holidays. Longer phrases come first so "tweede kerstdag" is not "kerst".
_ORD1 = r"(?:1e|1ste|eerste) ?"
_ORD2 = r"(?:2e|2de|tweede) ?"
_HOLIDAY_PHRASES: tuple[tuple[str, str | tuple[int, int]], ...] = (
    (r"kerstavond", (12, 24)),
    (rf"{_ORD2}kerst(?:dag)?", "Tweede Kerstdag"),
    (rf"{_ORD1}kerst(?:dag)?", "Eerste Kerstdag"),
    (r"kerst(?:mis|feest|dagen|dag)?", "Eerste Kerstdag"),
    (rf"{_ORD2}paas(?:dag)?|paasmaandag", "Tweede paasdag"),
    (rf"{_ORD1}paas(?:dag)?|paaszondag|pasen", "Eerste paasdag"),
    (r"goede ?vrijdag", "Goede Vrijdag"),
    (r"hemelvaart(?:sdag)?", "Hemelvaartsdag"),
    (rf"{_ORD2}pinkster(?:dag)?|pinkstermaandag", "Tweede Pinksterdag"),
    (rf"{_ORD1}pinkster(?:dag)?|pinksterzondag|pinksteren", "Eerste Pinksterdag"),
    (r"koningsdag", "Koningsdag"),
    (r"bevrijdingsdag", "Bevrijdingsdag"),
    (r"oud en nieuw|oude?jaars(?:dag|avond)|oudjaar", (12, 31)),
    (r"nieuwjaar(?:sdag)?", "Nieuwjaarsdag"),
)
_HOLIDAY_RES = tuple((re.compile(rf"\b(?:{p})\b"), target) for p, target in _HOLIDAY_PHRASES)


def holiday_phrase_targets() -> tuple[str, ...]:
    """The holiday names the phrases map to (tests check the package still knows them all)."""
    return tuple(t for _, t in _HOLIDAY_PHRASES if isinstance(t, str))


@lru_cache(maxsize=4)
def _holiday_table(country: str, language: str, first_year: int) -> tuple[tuple[date, str], ...]:
    """(date, lower-case name) for three years, public and optional days (Bevrijdingsdag is optional
    in most years but customers still ask about it)."""
    wanted = (holidays.PUBLIC, holidays.OPTIONAL)
    supported = holidays.country_holidays(country).supported_categories
    categories = tuple(c for c in wanted if c in supported)
    table = holidays.country_holidays(
        country, language=language, categories=categories, years=range(first_year, first_year + 3)
    )
    return tuple((day, name.lower()) for day in sorted(table) for name in table.get_list(day))


def next_holiday(name: str, today: date, settings: Settings | None = None) -> date | None:
    """The next date on or after today of the holiday called `name` in the holidays package."""
    source = (settings or load_settings()).holidays
    for day, holiday in _holiday_table(source.country, source.language, today.year):
        if day >= today and holiday == name.lower():
            return day
    return None


def _year_after(text: str, position: int) -> int | None:
    """The year in "kerst 2027", if one follows the phrase."""
    match = re.match(r" (\d{4})\b", text[position:])
    return int(match.group(1)) if match else None


def _holiday_date(
    target: str | tuple[int, int], year: int | None, today: date, settings: Settings | None
) -> date | None:
    """The holiday in `year` if given, else its next occurrence on or after today."""
    start = today if year is None else date(year, 1, 1)
    if isinstance(target, str):
        day = next_holiday(target, start, settings)
        return day if year is None or (day is not None and day.year == year) else None
    phrase = f"{target[1]} {month_name(target[0])}" + (f" {year}" if year else "")
    return _read(phrase, today - timedelta(days=1))


def _holiday_candidates(text: str, today: date, settings: Settings | None) -> list[_Candidate]:
    found: list[_Candidate] = []
    claimed: list[tuple[int, int]] = []
    for regex, target in _HOLIDAY_RES:
        for m in regex.finditer(text):
            if any(s <= m.start() < e for s, e in claimed):
                continue
            claimed.append(m.span())
            day = _holiday_date(target, _year_after(text, m.end()), today, settings)
            if day is not None:
                found.append(_Candidate(_HOLIDAY, m.start(), day))
    return found


# --- public API ----------------------------------------------------------------------------------


def parse_day(
    text: str, entity_values: list[str], today: date, settings: Settings | None = None
) -> date | None:
    """The calendar day a message names, or None. NLU `dag` entity values are tried first.

    Raises NonexistentDateError when the message names a date that does not exist ("30 februari").
    `settings` selects the holidays country/language (default: the configured ones).
    """
    for value in entity_values:
        day = _parse_entity(value, today, settings)
        if day is not None:
            return day
    return _parse_text(text, today, settings)


def _parse_entity(value: str, today: date, settings: Settings | None) -> date | None:
    """An entity value is known to name a day, so abbreviations and dateparser's whole-phrase
    reading ("over een week") are allowed too; bare numbers ("12") are too ambiguous."""
    day = _parse_text(value, today, settings)
    if day is not None:
        return day
    word = _normalise(value)
    if word in _ABBREVIATIONS:
        return _read(WEEKDAYS[_ABBREVIATIONS[word]], today - timedelta(days=1))
    if not re.search(r"[a-z]", word):
        return None
    word = re.sub(r"\been\b", "1", _digits_for_number_words(word))
    return _read(word, today, require_day=True)


def _parse_text(text: str, today: date, settings: Settings | None) -> date | None:
    normalised = _digits_for_number_words(_fix_weekday_typos(_normalise(text)))
    candidates = (
        _date_candidates(normalised, today)
        + _holiday_candidates(normalised, today, settings)
        + _relative_candidates(normalised, today)
        + _weekday_candidates(normalised, today)
    )
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (c.kind, c.position))
    if best.day is None:
        raise NonexistentDateError(best.phrase)
    return best.day


_NOW_RES = tuple(
    re.compile(p)
    for p in (
        r"\bnu\b",
        r"\bnog (?:open|bereikbaar|te bereiken|iemand|aanwezig)\b",
        r"\bal open\b",
        r"\bop (?:dit|het) moment\b",
        r"\bmomenteel\b",
        r"\bop dit uur\b",
        r"\bvandaag nog\b",
        r"\bop deze tijd\b",
        r"\bzo ?meteen\b",
    )
)


def asks_about_now(text: str) -> bool:
    """True when the customer asks whether people are there right now ("zijn jullie nu open?")."""
    normalised = _normalise(text)
    return any(regex.search(normalised) for regex in _NOW_RES)

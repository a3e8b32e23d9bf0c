"""Which calendar day does a Dutch customer message name?

Customers write "zaterdag", "volgende week dinsdag", "24 dec", "2e kerstdag" or "morgen"; this
module turns such phrases into a date relative to `today`. Holiday dates come from the `holidays`
package, so nothing here needs updating per year.

When a message names several days, the most specific kind wins: an explicit date, then a holiday,
then a relative word (vandaag/morgen), then a weekday; within a kind, the first one in the text.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from bot.dutch import MONTHS, WEEKDAYS
from bot.settings import Settings, load_settings

# Candidate kinds, most specific first.
_DATE, _HOLIDAY, _RELATIVE, _WEEKDAY = range(4)


@dataclass(frozen=True)
class _Candidate:
    kind: int
    position: int
    day: date


# --- normalisation -------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Lower case, no accents, punctuation to spaces (keeping - / . inside dates), single spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("&", " en ")
    text = re.sub(r"[^a-z0-9/\-.]+", " ", text)
    text = re.sub(r"(?<![a-z0-9])[.\-/]+|[.\-/]+(?![a-z0-9])", " ", text)  # stray punctuation
    return re.sub(r"\s+", " ", text).strip()


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


def _coming(today: date, weekday: int) -> date:
    """The first day with `weekday` on or after today."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _weekday_candidates(text: str, today: date) -> list[_Candidate]:
    found: list[_Candidate] = []
    claimed: list[tuple[int, int]] = []

    def add(match: re.Match[str], day: date) -> None:
        if not any(s <= match.start() < e for s, e in claimed):
            claimed.append(match.span())
            found.append(_Candidate(_WEEKDAY, match.start(), day))

    for regex in _NEXT_WEEK_RES:
        for m in regex.finditer(text):
            monday_next_week = today - timedelta(days=today.weekday()) + timedelta(days=7)
            add(m, monday_next_week + timedelta(days=WEEKDAYS.index(m.group(1))))
    for regex in _AFTER_TODAY_RES:
        for m in regex.finditer(text):
            add(m, _coming(today + timedelta(days=1), WEEKDAYS.index(m.group(1))))
    for m in _ANY_WEEKDAY_RE.finditer(text):
        add(m, _coming(today, WEEKDAYS.index(m.group(1))))
    return found


# --- relative words ------------------------------------------------------------------------------

_RELATIVE_WORDS = (
    (re.compile(r"\beergisteren\b"), -2),
    (re.compile(r"\bgisteren\b"), -1),
    (re.compile(r"\b(?:vandaag|vanochtend|vanmorgen|vanmiddag|vanavond)\b"), 0),
    (re.compile(r"\bovermorgen\b"), 2),
    # "morgen" but not the greeting "goede morgen" ("goedemorgen" is one word and never matches).
    (re.compile(r"(?<!goede )\bmorgen(?:ochtend|middag|avond|vroeg)?\b"), 1),
)
_NUMBER_WORDS = {"een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7}
_IN_DAYS_RE = re.compile(r"\bover (\d{1,2}|" + "|".join(_NUMBER_WORDS) + r") dag(?:en)?\b")


def _relative_candidates(text: str, today: date) -> list[_Candidate]:
    found = [
        _Candidate(_RELATIVE, m.start(), today + timedelta(days=offset))
        for regex, offset in _RELATIVE_WORDS
        for m in regex.finditer(text)
    ]
    for m in _IN_DAYS_RE.finditer(text):
        count = _NUMBER_WORDS.get(m.group(1)) or int(m.group(1))
        found.append(_Candidate(_RELATIVE, m.start(), today + timedelta(days=count)))
    return found


# --- explicit dates ------------------------------------------------------------------------------

_MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "mrt": 3, "maa": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "okt": 10, "oct": 10, "nov": 11, "dec": 12,
}
_ISO_RE = re.compile(r"(?<![\d.\-/])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d.\-/])")
_NUMERIC_RE = re.compile(
    r"(?<![\d.\-/])(\d{1,2})[-/](\d{1,2})(?:[-/](\d{4}|\d{2}))?(?![\d\-/]|\.\d|\s*uur)"
)
_DOTTED_RE = re.compile(r"(?<![\d.\-/])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?![\d.\-/])")
_TEXTUAL_RE = re.compile(r"(?<![\d.\-/])(\d{1,2})(?:e|ste|de)? ([a-z]{3,})\.?(?: (\d{4}))?\b")


def _month_number(word: str) -> int | None:
    """Month from a full name, an abbreviation ("dec", "mrt"), a prefix ("janu") or a light typo."""
    if word in MONTHS:
        return MONTHS.index(word) + 1
    if word in _MONTH_ABBREVIATIONS:
        return _MONTH_ABBREVIATIONS[word]
    prefixed = [i for i, name in enumerate(MONTHS) if name.startswith(word)]
    if len(word) >= 3 and len(prefixed) == 1:
        return prefixed[0] + 1
    if len(word) >= 5:
        close = difflib.get_close_matches(word, MONTHS, n=1, cutoff=0.8)
        if close and abs(len(close[0]) - len(word)) <= 1:
            return MONTHS.index(close[0]) + 1
    return None


def _full_year(text: str | None) -> int | None:
    if text is None:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _resolve(day: int, month: int, year: int | None, today: date) -> date | None:
    """The date itself when a year is given, else its next occurrence on or after today."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for candidate_year in range(today.year, today.year + 9):  # 29 February: up to 8 years on
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


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


def _date_candidates(text: str, today: date) -> list[_Candidate]:
    found: list[_Candidate] = []

    def add(match: re.Match[str], day: date | None, has_year: bool) -> None:
        day = _match_named_weekday(day, text[: match.start()], has_year, today)
        if day is not None:
            found.append(_Candidate(_DATE, match.start(), day))

    for m in _ISO_RE.finditer(text):
        add(m, _resolve(int(m.group(3)), int(m.group(2)), int(m.group(1)), today), True)
    for regex in (_NUMERIC_RE, _DOTTED_RE):
        for m in regex.finditer(text):
            year = _full_year(m.group(3))
            add(m, _resolve(int(m.group(1)), int(m.group(2)), year, today), year is not None)
    for m in _TEXTUAL_RE.finditer(text):
        month = _month_number(m.group(2))
        if month is not None:
            year = _full_year(m.group(3))
            add(m, _resolve(int(m.group(1)), month, year, today), year is not None)
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
    return _resolve(target[1], target[0], year, today)


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

    `settings` selects the holidays country/language (default: the configured ones).
    """
    for value in entity_values:
        day = _parse_entity(value, today, settings)
        if day is not None:
            return day
    return _parse_text(text, today, settings)


def _parse_entity(value: str, today: date, settings: Settings | None) -> date | None:
    """An entity value is known to name a day, so abbreviations and dateparser are allowed too."""
    day = _parse_text(value, today, settings)
    if day is not None:
        return day
    word = _normalise(value)
    if word in _ABBREVIATIONS:
        return _coming(today, _ABBREVIATIONS[word])
    return _dateparser_fallback(word, today)


def _dateparser_fallback(value: str, today: date) -> date | None:
    """Let dateparser try phrases like "over een week"; bare numbers ("12") are too ambiguous."""
    if not re.search(r"[a-z]", value):
        return None
    import dateparser  # slow to import; only needed for unusual entity values

    # dateparser's Dutch data knows "over 2 weken" but not "over twee weken".
    value = re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", lambda m: str(_NUMBER_WORDS[m.group()]), value)
    parsed = dateparser.parse(
        value,
        languages=["nl"],
        settings={"RELATIVE_BASE": datetime.combine(today, time(12)), "PREFER_DATES_FROM": "future"},
    )
    return parsed.date() if parsed is not None else None


def _parse_text(text: str, today: date, settings: Settings | None) -> date | None:
    normalised = _fix_weekday_typos(_normalise(text))
    candidates = (
        _date_candidates(normalised, today)
        + _holiday_candidates(normalised, today, settings)
        + _relative_candidates(normalised, today)
        + _weekday_candidates(normalised, today)
    )
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c.kind, c.position)).day


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

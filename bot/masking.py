"""Masks personal data in customer text, so that reviewed messages can become training data (and
logs can be kept) without IBANs, phone numbers, e-mail addresses or order numbers in them.

`mask(text)` replaces each finding with a placeholder: [EMAIL], [IBAN], [KAARTNUMMER],
[TELEFOON], [BESTELNUMMER] (order and tracking numbers alike). Amounts and dates stay as they are:
they carry the meaning of a question and identify nobody.

The patterns err towards masking: a ten-digit number starting with 0 is taken for a phone number,
a bare number of six to twelve digits for an order number. Names and addresses are not found.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.entity_shapes import BARE_ORDER_NUMBER, DISTINCTIVE_TRACKING_NUMBER, PREFIXED_ORDER_NUMBER

EMAIL, IBAN, CARD, PHONE, ORDER = "[EMAIL]", "[IBAN]", "[KAARTNUMMER]", "[TELEFOON]", "[BESTELNUMMER]"
PLACEHOLDERS = (EMAIL, IBAN, CARD, PHONE, ORDER)

# --- e-mail ---------------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-][\w.+'-]*@(?:[\w-]+\.)+[a-z]{2,}(?![\w-])", re.IGNORECASE)

# --- IBAN -----------------------------------------------------------------------------------------
# The shape of each country's account part (a = letter, n = digit, c = either), with the exact
# length, so that a word after the number is never taken along. One space may separate any two
# characters ("NL91 ABNA 0417 1643 00" as well as "nl91abna0417164300").
_BBAN = {
    "NL": "4a10n",
    "BE": "12n",
    "DE": "18n",
    "FR": "10n11c2n",
    "MC": "10n11c2n",
    "LU": "3n13c",
    "AT": "16n",
    "ES": "20n",
    "PT": "21n",
    "IT": "1a10n12c",
    "SM": "1a10n12c",
    "IE": "4a14n",
    "GB": "4a14n",
    "DK": "14n",
    "FI": "14n",
    "SE": "20n",
    "NO": "11n",
    "PL": "24n",
    "CH": "5n12c",
    "LI": "5n12c",
    "CZ": "20n",
    "SK": "20n",
    "HU": "24n",
    "GR": "7n16c",
    "EE": "16n",
    "LV": "4a13c",
    "LT": "16n",
    "SI": "15n",
    "HR": "17n",
    "RO": "4a16c",
    "BG": "4a6n8c",
    "CY": "8n16c",
    "MT": "4a5n18c",
    "IS": "22n",
}
_CHAR = {"a": "[A-Z]", "n": r"\d", "c": "[A-Z0-9]"}


def _iban_pattern(country: str, bban: str) -> str:
    parts = [f"(?: ?{_CHAR[kind]}){{{count}}}" for count, kind in re.findall(r"(\d+)([anc])", bban)]
    return f"{country} ?\\d ?\\d" + "".join(parts)


_IBAN = re.compile(
    r"(?<![A-Z0-9])(?:" + "|".join(_iban_pattern(c, b) for c, b in _BBAN.items()) + r")(?![A-Z0-9])",
    re.IGNORECASE,
)

# --- order and tracking numbers with a shape of their own -------------------------------------------
# The tracking and prefixed order shapes come from bot/entity_shapes.py; "#12345" as customers type it.

_SHAPED_NUMBER = re.compile(
    r"(?<![\w#-])(?:" + DISTINCTIVE_TRACKING_NUMBER + "|" + PREFIXED_ORDER_NUMBER + r")(?![\w-])"
    r"|(?<![\w#])#\d{5,12}(?![\w-])",
    re.IGNORECASE,
)

# --- payment cards: 4-4-4-4(-3) or 4-6-5 digits, with a valid Luhn check digit ----------------------

_CARD = re.compile(r"(?<![\w+-])(?:\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{3})?|\d{4}[ -]?\d{6}[ -]?\d{5})(?![\w-])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _is_card(found: str) -> bool:
    digits = re.sub(r"\D", "", found)
    return 13 <= len(digits) <= 19 and _luhn_ok(digits)


# --- phone numbers --------------------------------------------------------------------------------
# Dutch numbers have ten digits: 06 and eight more, or an area code (010, 0229...) and the rest;
# 0800/0900 numbers four or seven after the prefix. Separators (a space or a dash) may come
# anywhere after the area code's first three characters, so a date like 01-02-2024 never matches.

_S = r"(?: ?- ?| )?"  # one optional separator: a space or a dash
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    rf"(?:\+|00) ?31{_S}(?:\(0\){_S})?[1-9](?:{_S}\d){{8}}"  # +31 6 12345678, 0031 20 ...
    rf"|\+ ?(?!31)[1-9]\d{{0,2}}(?:{_S}\(?\d\)?){{7,12}}"  # +32 470 12 34 56
    rf"|00(?!31)[1-9]\d{{0,2}}(?:{_S}\d){{7,12}}"  # 0049 170 1234567
    rf"|\(06\){_S}[1-9](?:{_S}\d){{7}}"  # (06) 12345678
    rf"|\(0[1-57-9]\d\){_S}\d(?:{_S}\d){{6}}"  # (020) 123 4567
    rf"|\(0[1-57-9]\d\d\){_S}\d(?:{_S}\d){{5}}"  # (0229) 123456
    rf"|06{_S}[1-9](?:{_S}\d){{7}}"  # 06-12345678
    rf"|0[89]00{_S}\d(?:{_S}\d){{3}}(?:(?:{_S}\d){{3}})?(?!{_S}\d)"  # 0800-1234, 0900 1234567
    rf"|0[1-57-9]\d(?:{_S}\d){{7}}"  # 020-1234567, 0229-123456
    r")(?!\d)"
)

# Two digits, a separator, two digits, the same separator, a year: a date, which stays.
_DATE_START = re.compile(r"(0?[1-9]|[12]\d|3[01])([-.])(0?[1-9]|1[0-2])\2(\d{4}|\d{2})(?![-.]?\d)")


def _is_phone(found: str) -> bool:
    return _DATE_START.match(found) is None


# --- bare order numbers ---------------------------------------------------------------------------
# bot/entity_shapes.py's bare order number; an amount ("150000 euro", "€ 125000", "123456,78") is not one.

_BARE_NUMBER = re.compile(
    r"(?<![\w#+.,€-])(?<!€ )" + BARE_ORDER_NUMBER + r"(?![\w-]|[.,]\d|\s?(?:euro|eur|€)(?!\w))", re.IGNORECASE
)

# --- the order matters: e-mail first (it holds digits), bare numbers last --------------------------

_Rule = tuple[re.Pattern[str], str, Callable[[str], bool] | None]
_RULES: tuple[_Rule, ...] = (
    (_EMAIL, EMAIL, None),
    (_IBAN, IBAN, None),
    (_SHAPED_NUMBER, ORDER, None),
    (_CARD, CARD, _is_card),
    (_PHONE, PHONE, _is_phone),
    (_BARE_NUMBER, ORDER, None),
)


def mask(text: str) -> str:
    """The text with personal data replaced by placeholders; everything else unchanged."""
    for pattern, placeholder, accept in _RULES:
        text = pattern.sub(
            lambda found: placeholder if accept is None or accept(found.group()) else found.group(), text
        )
    return text


def contains_personal_data(text: str) -> bool:
    return mask(text) != text

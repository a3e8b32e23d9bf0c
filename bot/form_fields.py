"""Understanding a customer's answer to a form question: webshop, order number, tracking number,
a complaint. Each function returns the normalised value, or None when the answer does not fit.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from bot.dutch import MONTHS, WEEKDAYS
from bot.entity_shapes import ORDER_NUMBER, TRACKING_NUMBERS, carrier_of
from bot.webshops import known_webshops

UNKNOWN = "onbekend"
_FILLER = re.compile(
    r"\b(het|is|de|bij|van|was|webshop|winkel|site|besteld|bestelling|nummer|mijn|ik|heb|"
    r"bestelnummer|ordernummer|order|trackingnummer|trackingcode|track|tracking|code|dat|die)\b",
    re.IGNORECASE,
)
_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}\.(nl|be|com|de|eu|shop|net|org)$", re.IGNORECASE)
_NAME = re.compile(r"^[^\W\d_][\w&'.\- ]{1,39}$")
_NOT_A_SHOP = re.compile(
    r"\b(weet|idee|geen|nee|ja|niks|niets|iets|online|internet|vergeten)\b", re.IGNORECASE
)


def _dutch_stop_words() -> frozenset[str]:
    """spaCy's Dutch stop words, read from its data file: importing spaCy itself takes seconds and
    loads TensorFlow into the action server."""
    package = importlib.util.find_spec("spacy")
    if package is None or not package.submodule_search_locations:
        raise ModuleNotFoundError("spaCy is not installed")
    path = Path(next(iter(package.submodule_search_locations))) / "lang" / "nl" / "stop_words.py"
    spec = importlib.util.spec_from_file_location("_spacy_nl_stop_words", path)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"spaCy's Dutch stop words are missing: {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


# An answer made only of these words is small talk, a date or a question word, not a shop's name.
_COMMON_WORDS = (
    _dutch_stop_words()
    | frozenset(WEEKDAYS)
    | frozenset(MONTHS)
    | frozenset(
        (
            "hoi",
            "hoii",
            "hallo",
            "hey",
            "hee",
            "hi",
            "hello",
            "dag",
            "doei",
            "goedemorgen",
            "goedemiddag",
            "goedenavond",
            "goedenacht",
            "morgen",
            "middag",
            "avond",
            "nacht",
            "ochtend",
            "vandaag",
            "gisteren",
            "eergisteren",
            "overmorgen",
            "vanochtend",
            "vanmiddag",
            "vanavond",
            "week",
            "weekend",
            "maand",
            "jaar",
            "ok",
            "oke",
            "oké",
            "okay",
            "prima",
            "top",
            "goed",
            "bedankt",
            "dank",
            "dankje",
            "dankjewel",
            "thanks",
            "sorry",
            "help",
            "hulp",
            "vraag",
            "klacht",
            "retour",
            "pakket",
            "bestelling",
            "factuur",
            "test",
        )
    )
)
# A word that is only a run of neighbouring keys ("asdf", "qwer") is a keyboard test, not a name.
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# Words that say *that* someone complains, not *what* about; a complaint needs more than these.
_COMPLAINT_REQUEST = re.compile(
    r"\b(ik|wil|wou|graag|een|klacht|klachten|indienen|melden|doen|klagen|ontevreden|niet|tevreden|ben|"
    r"heb|hebben|over|jullie|u|je|hallo|hoi|goedemiddag|goedemorgen|de|het|service|klantenservice|"
    r"klarna|hierover|daarover|zo|echt|erg|heel|boos)\b",
    re.IGNORECASE,
)
_MIN_COMPLAINT_WORDS = 3


def _words(text: str) -> str:
    return " ".join(text.strip().strip(".!?,;:").split())


def webshop(answer: str) -> str | None:
    """A known webshop (canonical spelling), or a plausible name such as "kleertjes.com"."""
    text = _words(answer)
    shops = known_webshops()
    if text.lower() in shops:
        return shops[text.lower()]
    for spelling, canonical in sorted(shops.items(), key=lambda item: -len(item[0])):
        if re.search(rf"(?<!\w){re.escape(spelling)}(?!\w)", text, re.IGNORECASE):
            return canonical
    stripped = _words(_FILLER.sub(" ", text))
    if _NOT_A_SHOP.search(text) or not stripped or len(stripped.split()) > 4 or not _plausible_name(stripped):
        return None
    if _DOMAIN.match(stripped) or _NAME.match(stripped):
        return stripped
    return None


def _is_keyboard_run(word: str) -> bool:
    return len(word) >= 4 and any(word in row or word in row[::-1] for row in _KEY_ROWS)


def _plausible_name(name: str) -> bool:
    """Not small talk, a date, a keyboard test, a string of consonants or an order/tracking number."""
    words = [word.strip(".,;:!?'\"") for word in name.lower().split()]
    if all(word in _COMMON_WORDS for word in words):
        return False
    if any(_is_keyboard_run(word) or re.fullmatch(r"[b-df-hj-np-tv-xz]{4,}", word) for word in words):
        return False
    # Order and tracking numbers all hold five digits or more in a row; shop names do not.
    return re.search(r"\d{5}", name) is None


def _tokens(answer: str) -> list[str]:
    return [token.strip(".,;:!?()\"'") for token in answer.split()]


def order_number(answer: str) -> str | None:
    """The first token shaped like an order number (a leading # is dropped)."""
    for token in _tokens(answer):
        candidate = token.lstrip("#")
        if re.fullmatch(ORDER_NUMBER, candidate, re.IGNORECASE):
            return candidate.upper()
    return None


def tracking_number(answer: str) -> str | None:
    """A PostNL, DHL, DPD or UPS tracking number, also when typed with spaces."""
    for token in _tokens(answer):
        if carrier_of(token):
            return token.upper()
    joined = re.sub(r"[\s.]", "", answer)
    for pattern in TRACKING_NUMBERS.values():
        match = re.search(rf"(?<![0-9A-Z])(?:{pattern})(?![0-9A-Z])", joined, re.IGNORECASE)
        if match:
            return match.group(0).upper()
    return None


def complaint(answer: str) -> str | None:
    """What went wrong, in the customer's words: at least a short sentence, at most 2,000 characters."""
    text = _words(answer)
    content = re.sub(r"[^\w\s]", " ", _COMPLAINT_REQUEST.sub(" ", text)).split()
    if len(content) < _MIN_COMPLAINT_WORDS:
        return None
    return text[:2000]


def complaint_subject(answer: str) -> str | None:
    """The order or invoice a complaint is about: a number, or "geen" when there is none."""
    number = order_number(answer)
    if number:
        return number
    text = _words(answer).lower()
    if text in {
        "geen",
        "nee",
        "niet",
        "geen nummer",
        "heb ik niet",
        "weet ik niet",
        "n.v.t.",
        "nvt",
        UNKNOWN,
    }:
        return UNKNOWN
    return _words(answer)[:200] if len(text) >= 3 else None


RETURN_FIELDS = {"webshop": webshop, "bestelnummer": order_number, "trackingnummer": tracking_number}


def missing_return_fields(given: dict[str, str | None]) -> list[str]:
    """The return form's fields that `given` (slot values) does not answer yet, in the form's order."""
    return [
        name
        for name, parse in RETURN_FIELDS.items()
        if not given.get(name) or (given[name] != UNKNOWN and parse(str(given[name])) is None)
    ]

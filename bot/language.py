"""Which language a customer writes in: Dutch, English, or one the assistant does not speak.

The assistant speaks Dutch and English. A message decides the conversation's language only when it
says enough: a request ("English please", "kun je Nederlands praten?") always does; else a message of
at least three words: Dutch when it has a word only Dutch uses, English when the detector (lingua,
offline and deterministic) gives English the largest share or it has two common English words, and
another language when the detector is sure of one. Short answers ("ok", "Zalando", "1234") decide
nothing, so a form answer never flips the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from bot.wording import DUTCH, ENGLISH

OTHER = "anders"
SPOKEN = (DUTCH, ENGLISH)

# Languages a customer in the Netherlands is likely to write in; others are rare enough that one of
# these, or "undecided", is the better guess.
_CANDIDATES = (
    Language.DUTCH,
    Language.ENGLISH,
    Language.GERMAN,
    Language.FRENCH,
    Language.SPANISH,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.POLISH,
    Language.TURKISH,
    Language.ARABIC,
)
_CODES = {Language.DUTCH: DUTCH, Language.ENGLISH: ENGLISH}

MIN_WORDS = 3  # fewer words than this decide nothing (unless they ask for a language)
MIN_CONFIDENCE = 0.3  # lingua's share for English among the candidates, enough with no Dutch word in sight
MIN_CONFIDENCE_OTHER = 0.8  # another language: a Dutch message with typos must not be refused
MIN_ENGLISH_WORDS = 2  # or this many common English words (short messages where lingua hesitates)

# Words that only Dutch uses: one of them keeps a message from counting as English ("thank you so
# much" from a Dutch customer who then goes on in Dutch is rarer than "hallo, I need help").


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DUTCH_WORDS = _words(
    "ik jij je jullie uw mijn niet een het de wil kan kun kunnen wat hoe waar wanneer waarom zijn heb "
    "hebben heeft graag dank bedankt hallo hoi klantenservice vacatures geen nog ook maar dat dit deze "
    "die wie welke bent moet zijde gij nie wij ons onze naar voor bij hier daar wel nu toch iets "
    "iemand hij zij ze gaat wordt"
)
_ENGLISH_WORDS = _words(
    "i you your my the a an is are do does what when how where why can could would please thanks thank "
    "want need have has with for to of on this that there it me our not don't i'm it's what's"
)
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_WORD = re.compile(r"[^\W\d_]{2,}")
_ENGLISH = r"(?:english|engels|engelse|engelstalig)"
_DUTCH = r"(?:dutch|nederlands|nederlandse|nederlandstalig|hollands)"
# A negation at most two words before the language: "I don't speak Dutch", "ik spreek geen Engels".
_NOT = r"\b(?:not?|don'?t|doesn'?t|can'?t|cannot|niet|geen|nauwelijks)(?:\s+[\w']+){0,2}?\s+"
# Asking for a language takes a verb of speaking, or a bare "English please" / "in het Nederlands?";
# "waarom zijn jullie socials in het Engels" is a question about English, not a request.
_ASKING = re.compile(
    r"\b(?:speak|speaks|talk|write|chat|continue|switch|answer|reply|respond|spreek|spreekt|spreken|praat|"
    r"praten|schrijf|schrijven|antwoord|antwoorden|verder|overschakelen|overstappen)\b",
    re.IGNORECASE,
)
_PLEASE = r"(?:please|pls|plz|graag|alsjeblieft|alstublieft|aub|a\.u\.b\.?)"


def _bare_request(language: str) -> re.Pattern[str]:
    return re.compile(
        rf"^\W*(?:{_PLEASE}\s+)?(?:(?:can|could|kan|kun|kunnen)\s+(?:it|we|het|je|you)\s+(?:ook\s+|also\s+)?)?"
        rf"(?:in\s+)?(?:het\s+)?{language}(?:\s+{_PLEASE})?\W*$",
        re.IGNORECASE,
    )


_ENGLISH_WORD = re.compile(rf"\b{_ENGLISH}\b", re.IGNORECASE)
_DUTCH_WORD = re.compile(rf"\b{_DUTCH}\b", re.IGNORECASE)
_NOT_ENGLISH = re.compile(rf"{_NOT}{_ENGLISH}\b", re.IGNORECASE)
_NOT_DUTCH = re.compile(rf"{_NOT}{_DUTCH}\b", re.IGNORECASE)
_BARE_ENGLISH = _bare_request(_ENGLISH)
_BARE_DUTCH = _bare_request(_DUTCH)


@dataclass(frozen=True)
class Detection:
    """`language` is "nl", "en", "anders" or None (the message does not decide); `requested` is True
    when the customer asked for the language in so many words."""

    language: str | None
    requested: bool = False


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    """Built once per process with its models loaded (a few seconds, about 100 MB), so that no
    customer waits for the first load."""
    return LanguageDetectorBuilder.from_languages(*_CANDIDATES).with_preloaded_language_models().build()


def preload() -> None:
    _detector()


def requested_language(text: str) -> str | None:
    """The language a message asks for: "English please" and "ik spreek geen Nederlands" ask for
    English; "kun je Nederlands praten?" and "I don't speak English" for Dutch."""
    english, dutch = _ENGLISH_WORD.search(text), _DUTCH_WORD.search(text)
    if bool(english) == bool(dutch):
        return None
    if not _ASKING.search(text) and not (_BARE_ENGLISH if english else _BARE_DUTCH).match(text):
        return None
    if english:
        return DUTCH if _NOT_ENGLISH.search(text) else ENGLISH
    return ENGLISH if _NOT_DUTCH.search(text) else DUTCH


def detect(text: str) -> Detection:
    """The language this message decides for the conversation, if any."""
    requested = requested_language(text)
    if requested is not None:
        return Detection(requested, requested=True)
    if len(_WORD.findall(text)) < MIN_WORDS:
        return Detection(None)
    words = [word.lower() for word in _TOKEN.findall(text)]
    dutch_words = sum(word in _DUTCH_WORDS for word in words)
    english_words = sum(word in _ENGLISH_WORDS for word in words)
    values = _detector().compute_language_confidence_values(text)
    best = values[0] if values else None
    sure_of_another = best is not None and best.language not in _CODES and best.value >= MIN_CONFIDENCE_OTHER
    # "je" and "nie" are also French and Polish: one Dutch-looking word does not outweigh the detector.
    if sure_of_another and dutch_words <= 1 and english_words < MIN_ENGLISH_WORDS:
        return Detection(OTHER)
    if dutch_words:
        return Detection(DUTCH)
    english = best is not None and best.language == Language.ENGLISH and best.value >= MIN_CONFIDENCE
    return Detection(ENGLISH if english or english_words >= MIN_ENGLISH_WORDS else None)

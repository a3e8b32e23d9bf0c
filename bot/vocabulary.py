"""The words the assistant has learnt from its in-scope training examples, and whether a message uses
any of them.

A message none of whose words resembles a word of any real question ("sdfkj lkjhq", "blorp") is
nonsense to the assistant, however sure the intent classifier is: its confidence on such a message
says nothing, because nothing in it was seen. A word counts as known when it is in the vocabulary or
close to a word there: SequenceMatcher's ratio of at least CLOSE_ENOUGH keeps one typo in a word of
four letters or more ("facturr", "retur", "klnt") known. Numbers and other messages without a word
of two letters decide nothing (an order number is an answer, not nonsense).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache

WORD = re.compile(r"[^\W\d_]{2,}")
CLOSE_ENOUGH = 0.75  # one changed letter in four: 2 * 3 / 8


def words(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(text)]


class Vocabulary:
    def __init__(self, known: Iterable[str]) -> None:
        self.words = frozenset(word.lower() for word in known)
        self._sorted = sorted(self.words)
        self.knows = lru_cache(maxsize=20_000)(self._knows)

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> Vocabulary:
        return cls(word for text in texts for word in words(text))

    def _knows(self, word: str) -> bool:
        return word in self.words or bool(
            difflib.get_close_matches(word, self._sorted, n=1, cutoff=CLOSE_ENOUGH)
        )

    def knows_none_of(self, text: str) -> bool:
        """True when the message has words and none of them is known or close to a known one;
        exact matches are looked up first, so an ordinary message costs no fuzzy comparison."""
        message_words = words(text)
        if not message_words or any(word in self.words for word in message_words):
            return False
        return not any(self.knows(word) for word in message_words)

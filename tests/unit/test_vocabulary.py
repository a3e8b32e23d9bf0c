import pytest

from bot.vocabulary import Vocabulary, words

VOCABULARY = Vocabulary.of_texts(["Waar blijft mijn factuur?", "ik wil een retour aanmelden", "bedankt"])


def test_words_are_lowercase_letters_of_two_or_more():
    assert words("Mijn FACTUUR 12345, a b!") == ["mijn", "factuur"]


@pytest.mark.parametrize("text", ["sdfkjh qwpoei", "blorp", "zxcv zxcv zxcv"])
def test_a_message_without_a_known_word_is_unknown(text):
    assert VOCABULARY.knows_none_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "factuur",
        "waar is de facturr",  # one typo
        "retur",
        "BEDANKT!!",
        "qwerty mijn",  # one known word is enough
        "12345678",  # no word: decides nothing
        "👍",
        "",
    ],
)
def test_a_message_with_a_known_or_close_word_or_without_words_is_not(text):
    assert not VOCABULARY.knows_none_of(text)


def test_a_word_far_from_every_known_word_is_unknown():
    assert VOCABULARY.knows("retour")
    assert not VOCABULARY.knows("ratio")  # two letters of "retour" changed and one gone

"""Build the Dutch spaCy pipeline that config.yml loads (SpacyNLP needs a directory).

Base: `nl_core_news_sm` when it is installed (its tagger, morphologizer, lemmatizer and NER are
kept), otherwise spaCy's own Dutch language data with the lookup lemmatizer from
`spacy-lookups-data`. Both get the assistant's entity ruler: webshop names from the lookup table
in data/nlu/entities.yml, order and tracking number shapes from bot/entity_shapes.py and day phrases.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import spacy
from spacy.pipeline import EntityRuler

from bot import entity_shapes
from bot.dutch import MONTHS as DUTCH_MONTHS
from bot.dutch import WEEKDAYS
from bot.webshops import NLU_FILE, read_webshops

ROOT = Path(__file__).resolve().parent.parent

# The month names of bot.dutch and the short forms customers type.
MONTHS = (*DUTCH_MONTHS, "jan", "feb", "mrt", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec")
DAY_WORDS = ("vandaag", "morgen", "overmorgen", "weekend", "zaterdagochtend", "zondagochtend")
HOLIDAYS = (
    "nieuwjaarsdag",
    "nieuwjaar",
    "goede vrijdag",
    "pasen",
    "paasmaandag",
    "paaszondag",
    "eerste paasdag",
    "tweede paasdag",
    "1e paasdag",
    "2e paasdag",
    "koningsdag",
    "bevrijdingsdag",
    "hemelvaart",
    "hemelvaartsdag",
    "pinksteren",
    "eerste pinksterdag",
    "tweede pinksterdag",
    "1e pinksterdag",
    "2e pinksterdag",
    "pinkstermaandag",
    "kerst",
    "kerstmis",
    "kerstavond",
    "eerste kerstdag",
    "tweede kerstdag",
    "1e kerstdag",
    "2e kerstdag",
    "oudejaarsdag",
    "oudjaarsdag",
    "oudejaarsavond",
    "oud en nieuw",
    "kerstdagen",
    "feestdagen",
)
ENTITY_LABELS = ("webshop", "bestelnummer", "trackingnummer", "dag")


def _regex_token(pattern: str) -> dict[str, Any]:
    return {"TEXT": {"REGEX": f"(?i)^(?:{pattern})$"}}


def _phrase(nlp: spacy.Language, phrase: str) -> list[dict[str, Any]]:
    return [{"LOWER": token.lower_} for token in nlp.make_doc(phrase)]


def entity_patterns(nlp: spacy.Language, webshops: list[str]) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = []
    for shop in webshops:
        patterns.append({"label": "webshop", "pattern": _phrase(nlp, shop)})
    patterns.append(
        {"label": "trackingnummer", "pattern": [_regex_token(entity_shapes.DISTINCTIVE_TRACKING_NUMBER)]}
    )
    patterns.append({"label": "bestelnummer", "pattern": [_regex_token(entity_shapes.ORDER_NUMBER)]})
    for phrase in (*WEEKDAYS, *DAY_WORDS, *HOLIDAYS):
        patterns.append({"label": "dag", "pattern": _phrase(nlp, phrase)})
    for weekday in WEEKDAYS:
        patterns.append({"label": "dag", "pattern": _phrase(nlp, f"volgende week {weekday}")})
        patterns.append({"label": "dag", "pattern": _phrase(nlp, f"volgende {weekday}")})
        patterns.append({"label": "dag", "pattern": _phrase(nlp, f"aanstaande {weekday}")})
    patterns.append(
        {
            "label": "dag",
            "pattern": [
                {"TEXT": {"REGEX": r"^(?:[1-9]|[12]\d|3[01])$"}},
                {"LOWER": {"IN": list(MONTHS)}},
            ],
        }
    )
    patterns.append(
        {"label": "dag", "pattern": [_regex_token(r"(?:0?[1-9]|[12]\d|3[01])[-/](?:0?[1-9]|1[0-2])")]}
    )
    return patterns


def base_pipeline() -> tuple[spacy.Language, str]:
    """nl_core_news_sm when installed, else Dutch language data with the lookup lemmatizer."""
    try:
        nlp = spacy.load("nl_core_news_sm", exclude=["parser", "senter"])
        return nlp, f"nl_core_news_sm {nlp.meta.get('version', '?')}"
    except OSError:
        nlp = spacy.blank("nl")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        return nlp, "spacy-blank-nl + spacy-lookups-data lookup lemmatizer"


def build(output: Path, nlu_file: Path) -> str:
    nlp, base = base_pipeline()
    # The ruler is added after initialize(): initialize() would drop patterns added before it.
    ruler = nlp.add_pipe(
        "entity_ruler", config={"overwrite_ents": True}, before="ner" if "ner" in nlp.pipe_names else None
    )
    assert isinstance(ruler, EntityRuler)
    ruler.add_patterns(entity_patterns(nlp, read_webshops(nlu_file)[0]))
    nlp.meta["name"] = "klantenservice_nl"
    nlp.meta["klantenservice_base"] = base
    nlp.meta["klantenservice_labels"] = list(ENTITY_LABELS)
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "spacy-nl")
    parser.add_argument("--nlu", type=Path, default=NLU_FILE)
    args = parser.parse_args()
    base = build(args.output, args.nlu)
    print(f"Dutch spaCy pipeline built in {args.output} (base: {base})")


if __name__ == "__main__":
    main()

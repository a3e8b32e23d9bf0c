"""Known webshop names: the `webshop` lookup table and synonyms of the NLU data are the one list."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

# The training-data file with the `webshop` lookup table and the synonyms.
NLU_FILE = Path(__file__).resolve().parent.parent / "data" / "nlu" / "entities.yml"


def _lines(block: str) -> list[str]:
    return [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]


def display_name(name: str) -> str:
    """How a shop is written to a customer: a lower-case lookup name gets capitals ("temu" -> "Temu",
    "jd sports" -> "JD Sports"); a web address ("booking.com") and a name with capitals stay as they are."""
    if name != name.lower() or re.search(r"\.[a-z]{2,}$", name):
        return name
    return " ".join(word.upper() if len(word) <= 2 else word.title() for word in name.split())


def read_webshops(nlu_file: Path = NLU_FILE) -> tuple[list[str], dict[str, str]]:
    """The lookup table's names and a map from every known spelling (lower case) to its canonical name."""
    items = yaml.safe_load(nlu_file.read_text(encoding="utf-8")).get("nlu", [])
    names = next((_lines(item["examples"]) for item in items if item.get("lookup") == "webshop"), [])
    canonical = {name.lower(): display_name(name) for name in names}
    for item in items:
        if "synonym" in item:
            for spelling in _lines(item["examples"]):
                if spelling.lower() in canonical or item["synonym"].lower() in canonical:
                    canonical[spelling.lower()] = item["synonym"]
            if item["synonym"].lower() in canonical:
                canonical[item["synonym"].lower()] = item["synonym"]
    # A shop's own web address is that shop: "amazon.nl" is Amazon when "amazon" is known.
    for spelling in list(canonical):
        base = re.sub(r"\.(nl|be|com|de)$", "", spelling)
        if base != spelling and base in canonical:
            canonical[spelling] = canonical[base]
    return names, canonical


@lru_cache(maxsize=1)
def known_webshops() -> dict[str, str]:
    return read_webshops()[1]

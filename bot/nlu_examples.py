"""Intent examples in Rasa's NLU YAML format (version "3.1"): read from the training files, and the
review file written, so that reviewed messages reach training in a form `rasa train` accepts.

The review file is always written whole, in one fixed layout: a header comment, intents sorted by
name, each intent's examples in the order they were added. Anything other than intents (synonyms,
lookups, regexes) that someone put in it by hand is kept. A new file replaces the old one only
after it has been read back and found to hold exactly the intended examples.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

VERSION = "3.1"
HEADER = """\
# Customer messages the assistant misunderstood, labelled by a team lead in the review inbox of the
# agent console (/agent/review). Personal data is masked (bot/masking.py). Written by
# bot/nlu_examples.py; `rasa train` reads it with the rest of data/.
"""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Rasa's entity annotation: [text](entity), [text]{"entity": ...} or [text][{...}].
_ANNOTATION = re.compile(r"\[([^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[.*?\])")
_ANNOTATION_START = re.compile(r"\]([(\[{])")


class NluFileError(ValueError):
    """A training file that cannot be read as Rasa NLU YAML; the message names the file."""


def plain_text(example: str) -> str:
    """The example as a customer would type it: entity annotations reduced to their text."""
    return _ANNOTATION.sub(r"\1", example)


def normalise(text: str) -> str:
    """What counts as the same sentence: case, punctuation and spacing do not matter."""
    text = unicodedata.normalize("NFKC", plain_text(text)).casefold()
    return " ".join(re.findall(r"\w+", text))


def _yaml_printable(char: str) -> bool:
    code = ord(char)
    return (
        code in (0x09, 0x0A, 0x0D, 0x85)
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        and code != 0xFEFF
        or 0x10000 <= code <= 0x10FFFF
    )


def example_line(text: str) -> str:
    """The text as one safe example line: one line, characters YAML allows, and no bracket
    sequence that Rasa would read as an entity annotation."""
    text = "".join(char for char in text if _yaml_printable(char))
    text = " ".join(text.split())
    return _ANNOTATION_START.sub(r"] \1", text)


# --- reading ----------------------------------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise NluFileError(f"{path}: kan het bestand niet lezen als YAML ({error})") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise NluFileError(f"{path}: verwacht een YAML-mapping met 'nlu:'")
    return data


def _examples_of(item: dict[str, Any]) -> list[str]:
    examples = item.get("examples")
    if isinstance(examples, str):
        return [line[1:].strip() for line in examples.splitlines() if line.startswith("-")]
    if isinstance(examples, list):  # Rasa's extended form: a list of {text: ..., metadata: ...}
        return [
            str(entry.get("text", "")).strip() if isinstance(entry, dict) else str(entry).strip()
            for entry in examples
        ]
    return []


def read_examples(path: Path) -> dict[str, list[str]]:
    """Intent -> its examples as written (annotations included), in file order; {} without a file
    or without NLU data in it."""
    if not path.is_file():
        return {}
    items = _load(path).get("nlu") or []
    found: dict[str, list[str]] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("intent"), str):
            found.setdefault(item["intent"], []).extend(e for e in _examples_of(item) if e)
    return found


def nlu_files(folder: Path) -> list[Path]:
    """The YAML files in a training-data folder (and below) that hold NLU data."""
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    return [path for path in files if "nlu" in _load(path)]


def index(paths: Iterable[Path]) -> dict[str, list[tuple[str, Path]]]:
    """Normalised text -> every (intent, file) it appears under."""
    found: dict[str, list[tuple[str, Path]]] = {}
    for path in paths:
        for intent, examples in read_examples(path).items():
            for example in examples:
                found.setdefault(normalise(example), []).append((intent, path))
    return found


# --- writing ----------------------------------------------------------------------------------------


def render(examples: dict[str, list[str]], other_items: list[Any] | None = None) -> str:
    """The review file's text: intents sorted by name, examples as literal block lines."""
    lines = [HEADER.rstrip("\n"), f'version: "{VERSION}"', "", "nlu:"]
    for intent in sorted(examples):
        texts = [example_line(text) for text in examples[intent]]
        texts = [text for text in texts if text]
        if not texts:
            continue
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    if other_items:
        lines.append(
            yaml.safe_dump(
                other_items, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000
            ).rstrip("\n")
        )
    if lines[-1] == "nlu:":
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"


def _other_items(path: Path) -> list[Any]:
    if not path.is_file():
        return []
    items = _load(path).get("nlu") or []
    return [item for item in items if not (isinstance(item, dict) and "intent" in item)]


def add_example(path: Path, intent: str, text: str) -> str:
    """Adds one example under `intent` to the review file (created when missing); returns the line
    as written. Raises NluFileError, leaving the file as it was, if the result would not read back."""
    if not re.fullmatch(r"[\w.-]+", intent):
        raise NluFileError(f"{intent!r} is geen geldige intentnaam")
    line = example_line(text)
    if not line:
        raise NluFileError("een leeg voorbeeld wordt niet opgeslagen")
    examples = read_examples(path)
    examples.setdefault(intent, []).append(line)
    content = render(examples, _other_items(path))
    written = yaml.load(content, Loader=_Loader)
    expected = {name: [example_line(t) for t in texts] for name, texts in examples.items()}
    check = {item["intent"]: _examples_of(item) for item in written["nlu"] if "intent" in item}
    if written.get("version") != VERSION or check != {k: v for k, v in expected.items() if v}:
        raise NluFileError(f"{path}: het nieuwe bestand leest niet goed terug; er is niets gewijzigd")
    _replace(path, content)
    return line


def _replace(path: Path, content: str) -> None:
    """Writes to a temporary file next to it and renames, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(content)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

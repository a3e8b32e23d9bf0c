"""No secret is committed: the API token and databases live outside git (var/, the environment)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.conftest import ROOT

SECRET_SHAPES = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(
        r"(?i)postgres(?:ql)?://[^:\s/]+:(?!\$|<|password|pw@|wachtwoord)[^@\s]{6,}@"
    ),  # a real password in a URL
    re.compile(r"--auth-token\s+['\"]?[A-Za-z0-9_-]{20,}"),
]


def tracked_files() -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    return subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()


def test_runtime_files_are_not_tracked():
    assert [name for name in tracked_files() if name.startswith(("var/", "models/", ".venv/"))] == []


def test_no_tracked_file_holds_the_token_or_a_secret():
    token = os.environ.get("RASA_TOKEN", "")
    found = []
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file() or path.suffix in (".png", ".tar.gz", ".gz"):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if token and token in text:
            found.append(f"{name}: the RASA_TOKEN")
        found += [f"{name}: {shape.pattern}" for shape in SECRET_SHAPES if shape.search(text)]
    assert found == []

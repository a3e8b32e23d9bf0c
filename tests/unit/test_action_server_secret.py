"""The shared secret of the Rasa server and the action server, from the environment or the file."""

from __future__ import annotations

import stat

from bot import action_server_secret
from bot.action_server_secret import VARIABLE, matches, secret


def test_the_first_use_creates_a_private_file_that_both_sides_then_read(tmp_path, monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    path = tmp_path / "var" / "action_server_secret"
    first = secret(path)
    assert len(first) >= 40 and secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_the_variable_wins_over_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv(VARIABLE, "from-the-environment")
    assert secret(tmp_path / "absent") == "from-the-environment"
    assert not (tmp_path / "absent").exists()


def test_only_the_same_secret_matches():
    assert matches("abc", "abc")
    assert not matches("abd", "abc") and not matches("", "abc") and not matches(None, "abc")
    assert action_server_secret.HEADER.lower().startswith("x-")

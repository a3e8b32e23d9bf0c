"""The fence of rasa_runtime (rasa_runtime/fence.py) in this process: a patch replaces what it names and
logs one line, and another Rasa release or a missing attribute is refused. The patches applied in
real Rasa processes: tests/integration/test_rasa_runtime_install.py."""

from __future__ import annotations

import logging
import types

import pytest
import rasa.version

from rasa_runtime import fence


class Example:
    def greet(self) -> str:
        return "hallo"


def test_the_fence_replaces_and_logs_one_line(caplog):
    owner = types.new_class("Owner", (Example,))
    with caplog.at_level(logging.INFO, logger="rasa_runtime.fence"):
        original = fence.replace(owner, "greet", lambda self: "hoi")
    assert original is Example.greet and owner().greet() == "hoi" and Example().greet() == "hallo"
    assert [r.getMessage() for r in caplog.records] == ["Replaced Owner.greet (rasa 3.6.21)"]


def test_the_fence_refuses_another_rasa_version(monkeypatch):
    monkeypatch.setattr(rasa.version, "__version__", "3.7.0")
    owner = types.new_class("Owner", (Example,))
    with pytest.raises(RuntimeError, match=r"Owner\.greet: .*written for rasa 3\.6\.21, but rasa 3\.7\.0"):
        fence.replace(owner, "greet", lambda self: "hoi")
    assert owner().greet() == "hallo"


def test_the_fence_refuses_a_missing_attribute():
    owner = types.new_class("Owner", (Example,))
    with pytest.raises(RuntimeError, match=r"Owner\.wave: rasa 3\.6\.21 has no such attribute"):
        fence.replace(owner, "wave", lambda self: "hoi")
    assert not hasattr(owner, "wave")


def test_the_fence_checks_other_libraries_by_their_installed_release():
    owner = types.new_class("Owner", (Example,))
    with pytest.raises(RuntimeError, match=r"written for sqlalchemy 0\.1, but sqlalchemy 1\.4\.54"):
        fence.replace(owner, "greet", lambda self: "hoi", library="sqlalchemy", written_for="0.1")
    fence.replace(owner, "greet", lambda self: "hoi", library="sqlalchemy", written_for="1.4.54")
    assert owner().greet() == "hoi"


def test_an_entry_of_a_registry_is_replaced_only_when_it_is_there(caplog):
    registry = {"connect": "rasa's"}
    with caplog.at_level(logging.INFO, logger="rasa_runtime.fence"):
        assert fence.replace_item(registry, "connect", "ours", what="handlers") == "rasa's"
    assert registry == {"connect": "ours"}
    assert [r.getMessage() for r in caplog.records] == ["Replaced handlers['connect'] (rasa 3.6.21)"]
    with pytest.raises(
        fence.FenceError, match=r"handlers\['disconnect'\]: rasa 3\.6\.21 registers no such entry"
    ):
        fence.replace_item(registry, "disconnect", "ours", what="handlers")
    assert registry == {"connect": "ours"}

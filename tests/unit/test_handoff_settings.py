"""The `handoff` section of klantenservice.yml (bot/settings.py `_parse_handoff`)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from bot.settings import ConfigError, Handoff, read_settings, settings_from_dict

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = ROOT / "klantenservice.yml"
RAW = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))


def with_handoff(section):
    raw = copy.deepcopy(RAW)
    raw["handoff"] = section
    return raw


def test_the_shipped_file_has_the_documented_values():
    assert RAW["handoff"] == {
        "default_handling_minutes": 6,
        "agent_online_seconds": 60,
        "handling_history": 50,
        "handling_window_days": 14,
        "handling_minimum_history": 10,
        "handling_lowest_minutes": 2,
        "handling_highest_minutes": 30,
        "follow_up_days": 7,
        "customer_gone_seconds": 180,
    }
    assert read_settings(CONFIG_FILE).handoff == Handoff(default_handling_minutes=6, agent_online_seconds=60)


def test_defaults_without_the_section():
    raw = copy.deepcopy(RAW)
    del raw["handoff"]
    assert settings_from_dict(raw).handoff == Handoff(6, 60)


def test_custom_values():
    handoff = settings_from_dict(
        with_handoff({"default_handling_minutes": 4, "agent_online_seconds": 120})
    ).handoff
    assert (handoff.default_handling_minutes, handoff.agent_online_seconds) == (4, 120)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({}, Handoff(6, 60)),
        ({"default_handling_minutes": 9}, Handoff(9, 60)),
        ({"agent_online_seconds": 1}, Handoff(6, 1)),
        ({"customer_gone_seconds": 5}, Handoff(6, 60, customer_gone_seconds=5)),
    ],
)
def test_a_missing_key_takes_its_default(section, expected):
    assert settings_from_dict(with_handoff(section)).handoff == expected


@pytest.mark.parametrize(
    "key",
    [
        "default_handling_minutes",
        "agent_online_seconds",
        "handling_history",
        "handling_window_days",
        "handling_minimum_history",
        "handling_lowest_minutes",
        "handling_highest_minutes",
        "follow_up_days",
        "customer_gone_seconds",
    ],
)
@pytest.mark.parametrize("value", [0, -5, "x", "6", 1.5, True, None, [6]])
def test_invalid_values_name_the_key(key, value):
    with pytest.raises(ConfigError) as error:
        settings_from_dict(with_handoff({key: value}), source="test.yml")
    message = str(error.value)
    assert "handoff" in message and key in message and repr(value) in message
    assert message.startswith("test.yml")


def test_the_lowest_handling_time_may_not_exceed_the_highest():
    with pytest.raises(ConfigError, match="handling_lowest_minutes"):
        settings_from_dict(with_handoff({"handling_lowest_minutes": 40, "handling_highest_minutes": 30}))


def test_an_unknown_key_is_named():
    with pytest.raises(ConfigError, match="handling_minutes_default") as error:
        settings_from_dict(with_handoff({"handling_minutes_default": 5}))
    assert "handoff" in str(error.value)


@pytest.mark.parametrize("section", ["6", [6, 60], 6])
def test_the_section_must_be_a_mapping(section):
    with pytest.raises(ConfigError, match="handoff: expected a mapping"):
        settings_from_dict(with_handoff(section))


def test_invalid_values_in_a_file_are_reported_with_the_file(tmp_path):
    path = tmp_path / "klantenservice.yml"
    text = CONFIG_FILE.read_text(encoding="utf-8").replace(
        "agent_online_seconds: 60", "agent_online_seconds: 0"
    )
    assert "agent_online_seconds: 0" in text
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="agent_online_seconds") as error:
        read_settings(path)
    assert str(path) in str(error.value)

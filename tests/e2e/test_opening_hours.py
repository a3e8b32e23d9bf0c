"""Opening-hours answers through the whole stack, with the action server's clock pinned."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e


def ask(assistant, message: str) -> str:
    return " ".join(assistant.say(f"hours-{uuid.uuid4().hex[:10]}", message))


def test_open_now_on_a_weekday_morning(clock):
    clock.clock_at("2026-11-24T10:00:00")
    answer = ask(clock, "zijn jullie nu open?")
    assert answer.startswith("Ja")
    assert "18:00" in answer


def test_closed_on_easter_monday_and_back_on_tuesday(clock):
    clock.clock_at("2027-03-29T11:00:00")
    answer = ask(clock, "zijn jullie nu open?")
    assert "Tweede Paasdag" in answer
    assert "dinsdag 30 maart om 09:00" in answer


def test_closed_on_a_sunday_evening(clock):
    clock.clock_at("2026-11-29T20:00:00+01:00")
    answer = ask(clock, "is de klantenservice nu bereikbaar?")
    assert "morgen weer, op maandag 30 november om 09:00" in answer


def test_closed_in_the_evening_after_six(clock):
    clock.clock_at("2026-11-24T18:00:00")
    answer = ask(clock, "zijn jullie nu nog open")
    assert "vandaag al dicht" in answer
    assert "morgen weer, op woensdag 25 november om 09:00" in answer


def test_a_named_day(clock):
    clock.clock_at("2026-11-24T10:00:00")
    answer = ask(clock, "zijn jullie zaterdag open?")
    assert "zaterdag 28 november" in answer
    assert "09:00 tot 13:00" in answer


def test_a_holiday(clock):
    clock.clock_at("2026-11-24T10:00:00")
    answer = ask(clock, "zijn jullie open op tweede kerstdag?")
    assert "26 december" in answer
    assert "gesloten" in answer


def test_a_date_that_does_not_exist(clock):
    clock.clock_at("2026-11-24T10:00:00")
    answer = ask(clock, "zijn jullie open op 30 februari?")
    assert "30 februari bestaat niet" in answer
    assert "van maandag t/m vrijdag van 09:00 tot 18:00" in answer


def test_a_malformed_pinned_clock_stops_the_action_server(assistant, tmp_path):
    from scripts.services import Services

    env = dict(assistant.services.env, KLANTENSERVICE_NOW="gisteren om drie uur", ACTION_PORT="15999")
    broken = Services(env=env, log_dir=tmp_path)
    broken.start("actions")
    with pytest.raises(RuntimeError, match="stopped with exit code"):
        broken.wait_ready("actions", timeout=60)
    assert "KLANTENSERVICE_NOW" in (tmp_path / "actions.log").read_text()

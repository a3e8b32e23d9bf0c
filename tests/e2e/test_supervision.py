"""`make run`'s supervisor as an operator meets it: `kill -9` of any one process, and the assistant
answers again without anyone restarting it, with the conversation so far kept; Ctrl-C stops all."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from scripts.db_servers import free_port
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

RECOVERY_LIMIT = 240  # seconds; generous for a busy 2-core machine, the measured time is printed


class Running:
    """`scripts/run.sh` in the background, with its output collected in a file."""

    def __init__(self, workdir: Path) -> None:
        self.rasa_port, self.action_port, self.web_port = free_port(), free_port(), free_port()
        self.output = workdir / "run.out"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("TEST_",))}
        env.update(
            RASA_PORT=str(self.rasa_port),
            ACTION_PORT=str(self.action_port),
            WEB_PORT=str(self.web_port),
            TRACKER_STORE_URL=f"sqlite:///{workdir / 'tracker.db'}",
            KLANTENSERVICE_DB_URL=f"sqlite:///{workdir / 'klantenservice.db'}",
        )
        for derived in ("ACTION_ENDPOINT_URL", "CORS_ORIGINS", "RASA_URL", "RASA_PUBLIC_URL"):
            env.pop(derived, None)  # scripts/env.sh derives them from the ports above
        self.process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "run.sh")],
            cwd=ROOT,
            env=env,
            stdout=self.output.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_output(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            assert self.process.poll() is None, f"make run stopped:\n{self.text()[-3000:]}"
            assert time.monotonic() < deadline, f"{needle!r} not printed:\n{self.text()[-3000:]}"
            time.sleep(0.5)

    def has_new_child(self, name: str, old_pid: int) -> bool:
        try:
            return self.child(name) != old_pid
        except AssertionError:  # between the crash and the restart
            return False

    def child(self, name: str) -> int:
        """The pid of one supervised process, found among the supervisor's children."""
        marks = {"actions": "actions", "rasa": "--model", "web": "webapp"}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError, ValueError):
                continue
            if parent == self.process.pid and marks[name] in command:
                return int(entry.name)
        raise AssertionError(f"no {name} process under the supervisor")

    def say(self, sender: str, message: str) -> list[str]:
        response = requests.post(
            f"http://localhost:{self.rasa_port}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=30,
        )
        response.raise_for_status()
        return [item.get("text", "") for item in response.json()]

    def answers(self, sender: str, message: str) -> list[str]:
        try:
            return self.say(sender, message)
        except requests.RequestException:
            return []

    def page_serves(self) -> bool:
        try:
            return requests.get(f"http://localhost:{self.web_port}/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    run = Running(tmp_path)
    try:
        run.wait_for_output("The assistant is running", timeout=300)
        yield run
    finally:
        if run.process.poll() is None:
            os.killpg(run.process.pid, signal.SIGINT)
            try:
                run.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(run.process.pid, signal.SIGKILL)
                run.process.wait()


def _recovered(check, timeout: float = RECOVERY_LIMIT) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"not back after {timeout} s")


def test_each_killed_process_is_started_again_and_the_others_keep_running(running, show_figure):
    phone = "wat is jullie telefoonnummer"
    hours = "wanneer zijn jullie open?"
    assert any("020" in text for text in running.say("klant-sup", phone))

    pid = running.child("actions")
    os.kill(pid, signal.SIGKILL)
    # The hours as text need no action server (a response): wait for the new process as well.
    seconds = _recovered(
        lambda: (
            running.has_new_child("actions", pid)
            and any("09:00" in text for text in running.answers("klant-sup", hours))
        )
    )
    show_figure(f"make run: action server killed, custom actions answer again after {seconds:.1f} s")
    assert running.page_serves(), "the web app went down with the action server"

    pid = running.child("rasa")
    os.kill(pid, signal.SIGKILL)
    seconds = _recovered(lambda: any("020" in text for text in running.answers("klant-sup", phone)))
    show_figure(f"make run: Rasa server killed, it answers again after {seconds:.1f} s")
    tracker = requests.get(
        f"http://localhost:{running.rasa_port}/conversations/klant-sup/tracker",
        params={"token": os.environ["RASA_TOKEN"]},
        timeout=30,
    ).json()
    said = [event.get("text") for event in tracker["events"] if event.get("event") == "user"]
    assert said[:2] == [phone, hours], "the conversation before the crash was lost"

    pid = running.child("web")
    os.kill(pid, signal.SIGKILL)
    seconds = _recovered(running.page_serves)
    show_figure(f"make run: web app killed, the chat page serves again after {seconds:.1f} s")

    for name in ("actions", "rasa", "web"):
        assert f"{name} stopped unexpectedly" in running.text()
        running.wait_for_output(f"{name} is running again", timeout=30)  # printed at its next check


def test_ctrl_c_stops_every_process(running):
    children = [running.child(name) for name in ("actions", "rasa", "web")]
    os.killpg(running.process.pid, signal.SIGINT)
    assert running.process.wait(60) == 0
    assert "Stopped." in running.text()
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()

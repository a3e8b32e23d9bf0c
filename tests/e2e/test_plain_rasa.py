"""Rasa's own commands, as a Rasa user types them in a fresh checkout: no project variable set, no
script of the project's, only the trained model. They answer on the embedded defaults."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import requests

from scripts.db_servers import free_port
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

RASA = str(ROOT / ".venv" / "bin" / "rasa")
PHONE = "020 - 808 28 52"
# Everything scripts/env.sh sets: a Rasa user has none of it.
PROJECT_VARIABLES = (
    "ROOT", "RASA_", "ACTION_", "WEB_", "TRACKER_STORE_URL", "LOCK_STORE_URL", "SOCKETIO_", "CORS_ORIGINS",
    "KLANTENSERVICE_", "MODEL_PATH", "PYTHONPATH", "TEST_",
)  # fmt: skip


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's tracked files, the trained model and the built spaCy pipeline; nothing else."""
    folder = tmp_path_factory.mktemp("checkout")
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    (folder / "models").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "models" / "klantenservice.tar.gz", folder / "models" / "klantenservice.tar.gz")
    (folder / "build").symlink_to(ROOT / "build")
    return folder


@pytest.fixture(scope="module")
def plain_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(PROJECT_VARIABLES)}
    return {**env, "RASA_TELEMETRY_ENABLED": "false", "TERM": "dumb"}


@pytest.fixture
def rasa_run(checkout: Path, plain_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    log = (checkout / "rasa-run.log").open("wb")
    process = subprocess.Popen(
        [RASA, "run", "--port", str(port)], cwd=checkout, env=plain_env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 300
        while not _up(url):
            assert process.poll() is None, (checkout / "rasa-run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "rasa run did not start"
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(60)


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def test_rasa_run_answers_on_the_embedded_defaults(rasa_run, checkout):
    response = requests.post(
        f"{rasa_run}/webhooks/rest/webhook",
        json={"sender": "klant-plain", "message": "wat is jullie telefoonnummer"},
        timeout=60,
    )
    assert response.status_code == 200
    assert any(PHONE in item.get("text", "") for item in response.json())
    assert (checkout / "var" / "tracker.db").is_file(), "the conversation is kept in var/tracker.db"


def test_rasa_shell_answers_in_a_terminal(checkout, plain_env):
    shell = pexpect.spawn(
        RASA, ["shell", "--port", str(free_port())], cwd=str(checkout), env=plain_env, encoding="utf-8",
        timeout=300,
    )  # fmt: skip
    try:
        shell.expect("Your input ->")
        shell.sendline("wat is jullie telefoonnummer")
        shell.expect(PHONE, timeout=60)
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        if shell.isalive():
            shell.terminate(force=True)


def test_rasa_run_actions_and_rasa_shell_compute_an_answer_together(checkout, plain_env):
    """The action server as `rasa run actions` starts it and the shell that calls it: the shared secret
    comes from the checkout's own file, the port from the one variable that overrides it."""
    port = free_port()
    log = (checkout / "rasa-run-actions.log").open("wb")
    actions = subprocess.Popen(
        [RASA, "run", "actions", "--port", str(port)],
        cwd=checkout,
        env=plain_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    env = {**plain_env, "ACTION_ENDPOINT_URL": f"http://localhost:{port}/webhook"}
    shell = pexpect.spawn(
        RASA, ["shell", "--port", str(free_port())], cwd=str(checkout), env=env, encoding="utf-8", timeout=300
    )
    try:
        deadline = time.monotonic() + 120
        while not _up(f"http://localhost:{port}/health"):
            assert actions.poll() is None, (checkout / "rasa-run-actions.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "rasa run actions did not start"
            time.sleep(0.5)
        shell.expect("Your input ->")
        shell.sendline("zijn jullie op eerste kerstdag open")
        index = shell.expect(
            [r"Eerste Kerstdag\) zijn we gesloten", "er gaat aan onze kant even iets mis"], timeout=60
        )
        assert index == 0, "the action server's answer, not the apology"
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
        actions.terminate()
        actions.wait(60)

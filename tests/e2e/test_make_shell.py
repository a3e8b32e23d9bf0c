"""`make shell`'s script as a developer uses it: the action server starts beside `rasa shell`, custom
actions answer, and the action server stops again when the shell ends."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pexpect
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

# Ports of their own, next to the session's servers.
SHELL_PORT, ACTION_PORT = "15007", "15057"


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def test_shell_script_runs_the_action_server_beside_rasa_shell(services, tmp_path):
    env = dict(services.env, TERM="dumb", RASA_PORT=SHELL_PORT, ACTION_PORT=ACTION_PORT)
    env.pop("ACTION_ENDPOINT_URL", None)  # derived from ACTION_PORT by scripts/env.sh
    shell = pexpect.spawn(
        "bash", [str(ROOT / "scripts" / "shell.sh")], cwd=str(ROOT), env=env, encoding="utf-8", timeout=240
    )
    try:
        shell.expect("Bot loaded")
        shell.expect("Your input ->")
        assert _serving(f"http://localhost:{ACTION_PORT}/health")
        # Answered by a custom action (action_openingstijden) on the script's action server.
        shell.sendline("wanneer zijn jullie open?")
        shell.expect("maandag t/m vrijdag van 09:00 tot 18:00", timeout=60)
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
    # isalive() above reaped the script: exitstatus is its exit code, signalstatus set if killed.
    assert (shell.exitstatus, shell.signalstatus) == (0, None)
    deadline = time.monotonic() + 20
    while _serving(f"http://localhost:{ACTION_PORT}/health") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _serving(f"http://localhost:{ACTION_PORT}/health"), "the action server outlived the shell"

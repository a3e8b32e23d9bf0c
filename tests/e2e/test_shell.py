"""`rasa shell` as a developer uses it, in a pseudo-terminal."""

from __future__ import annotations

import os

import pexpect
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_rasa_shell_answers_in_dutch(services):
    env = dict(services.env, TERM="dumb")
    shell = pexpect.spawn(
        str(ROOT / ".venv" / "bin" / "rasa"),
        ["shell", "--model", env["MODEL_PATH"], "--endpoints", "endpoints.yml", "--port", "15006"],
        cwd=str(ROOT), env=env, encoding="utf-8", timeout=180,
    )
    try:
        shell.expect("Bot loaded")
        shell.expect("Your input ->")
        shell.sendline("wat is jullie telefoonnummer")
        shell.expect("020 - 808 28 52", timeout=60)
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
    assert os.WEXITSTATUS(shell.exitstatus or 0) == 0

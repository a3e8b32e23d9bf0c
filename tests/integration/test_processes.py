"""What a process does when it starts, checked in a new Python process: the action server's and the
Rasa server's packages install the masking of personal data in log records, and a malformed pinned
clock stops the action package at import."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PERSONAL = "mail jan.jansen@example.nl, bel 06-12345678, IBAN NL91 ABNA 0417 1643 00"


def _log_in_a_new_process(setup: str) -> str:
    code = f"{setup}\nimport logging\nlogging.getLogger('x').warning({PERSONAL!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_the_action_server_package_installs_the_masking():
    logged = _log_in_a_new_process("import actions")
    assert "[EMAIL]" in logged and "example.nl" not in logged


def test_the_rasa_server_fixes_install_the_masking():
    logged = _log_in_a_new_process("from rasa_runtime import fixes; fixes.apply()")
    assert "[IBAN]" in logged and "0417" not in logged


def test_without_installing_nothing_is_masked_in_a_new_process():
    assert "example.nl" in _log_in_a_new_process("pass")  # the check above can fail


def test_a_malformed_pinned_clock_stops_the_action_package_at_import():
    result = subprocess.run(
        [sys.executable, "-c", "import actions"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"KLANTENSERVICE_NOW": "morgen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "KLANTENSERVICE_NOW" in result.stderr

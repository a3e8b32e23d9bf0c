"""Personal data is masked in the log records of every process."""

from __future__ import annotations

import logging
import subprocess
import sys

from bot import log_privacy
from tests.conftest import ROOT

PERSONAL = "mail jan.jansen@example.nl, bel 06-12345678, IBAN NL91 ABNA 0417 1643 00"


def test_log_records_are_masked_whatever_the_logger(caplog):
    log_privacy.install()
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info("Received user message '%s'", PERSONAL)
    [record] = caplog.records
    text = record.getMessage()
    assert "example.nl" not in text and "12345678" not in text and "0417" not in text
    assert "[EMAIL]" in text and "[TELEFOON]" in text and "[IBAN]" in text
    assert text.startswith("Received user message")


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

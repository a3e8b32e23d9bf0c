"""Personal data never reaches a log: every log record's text is masked when it is made.

Installed once per process (the Rasa server through rasa_runtime, the action server through
actions/, the web app in its main) as the logging record factory, so it covers every logger and
handler, Rasa's own included (its debug log repeats each customer message).
"""

from __future__ import annotations

import logging

from bot.masking import mask

_installed = False


def install() -> None:
    """Masks IBANs, phone numbers, e-mail addresses and order numbers in every later log record."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            text = record.getMessage()
        except Exception:  # a malformed call: let logging report it as it would
            return record
        record.msg, record.args = mask(text), None
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True

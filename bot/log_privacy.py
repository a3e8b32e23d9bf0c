"""Personal data never reaches a log: every log record's text is masked when it is made.

Installed once per process (the Rasa server through rasa_runtime, the action server through
actions/, the web app in its main) as the logging record factory, so it covers every logger and
handler, Rasa's own included (its debug log repeats each customer message). The traceback of a
logged exception is masked too: an exception's message often quotes the customer's text (a database
error quotes the values of its statement).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.masking import mask

_installed = False
_TRACEBACKS = logging.Formatter()


def _mask_record(record: logging.LogRecord) -> None:
    """Masks the message, the traceback and the stack of one record, in place.

    The traceback is formatted here, as logging.Formatter would, and kept as the record's
    `exc_text`, which every formatter prints instead of formatting `exc_info` again."""
    try:
        text = record.getMessage()
    except Exception:  # a malformed call: let logging report it as it would
        return
    record.msg, record.args = mask(text), None
    if record.exc_info and not record.exc_text:
        record.exc_text = mask(_TRACEBACKS.formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask(record.stack_info)


def install() -> None:
    """Masks IBANs, phone numbers, e-mail addresses and order numbers in every later log record."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True

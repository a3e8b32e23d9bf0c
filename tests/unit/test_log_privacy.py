"""Personal data is masked in the log records of every process."""

from __future__ import annotations

import io
import logging

import pytest
import sqlalchemy as sa

from bot import database, log_privacy

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


def _logged_output(log) -> str:
    """What a plain handler with the standard formatter writes for the calls in `log`."""
    log_privacy.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.log_privacy")
    logger.addHandler(handler)
    try:
        log(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_the_traceback_of_a_logged_exception_is_masked():
    def log(logger: logging.Logger) -> None:
        try:
            raise ValueError(f"niet te verwerken: {PERSONAL}")
        except ValueError:
            logger.exception("Bericht mislukt")

    text = _logged_output(log)
    assert "Traceback" in text and "ValueError: niet te verwerken" in text
    assert "example.nl" not in text and "12345678" not in text and "0417" not in text
    assert "[EMAIL]" in text and "[TELEFOON]" in text and "[IBAN]" in text


def test_a_stack_logged_with_the_record_is_masked():
    # the stack quotes this source line, and with it the address
    text = _logged_output(lambda logger: logger.warning("Mail aan piet@example.nl", stack_info=True))
    assert "Stack (most recent call last)" in text and "lambda logger" in text
    assert "piet@example.nl" not in text and 'warning("Mail aan [EMAIL]", stack_info' in text


def test_a_failing_statement_does_not_quote_its_parameters():
    engine = database.create_engine("sqlite://")
    name = "Jantje de Vries"  # no pattern finds a name: only hiding the parameters keeps it out
    with pytest.raises(sa.exc.DBAPIError) as failed, engine.connect() as connection:
        connection.execute(sa.text("INSERT INTO geen_tabel VALUES (:naam)"), {"naam": name})
    assert "geen_tabel" in str(failed.value) and name not in str(failed.value)

    def log(logger: logging.Logger) -> None:
        logger.error("Opslaan mislukt", exc_info=failed.value)

    text = _logged_output(log)
    assert "geen_tabel" in text and name not in text
    engine.dispose()


def test_without_hiding_a_failing_statement_would_quote_its_parameters():
    engine = sa.create_engine("sqlite://")  # the check above can fail
    with pytest.raises(sa.exc.DBAPIError) as failed, engine.connect() as connection:
        connection.execute(sa.text("INSERT INTO geen_tabel VALUES (:naam)"), {"naam": "Jantje de Vries"})
    assert "Jantje de Vries" in str(failed.value)
    engine.dispose()


def _insert_fails_without_quoting(engine: sa.engine.Engine) -> None:
    name = "Jantje de Vries"
    with pytest.raises(sa.exc.DBAPIError) as failed, engine.connect() as connection:
        connection.execute(sa.text("INSERT INTO geen_tabel VALUES (:naam)"), {"naam": name})
    assert "geen_tabel" in str(failed.value) and name not in str(failed.value)


def test_the_tracker_store_does_not_quote_customers_texts_in_errors(tmp_path):
    from rasa.shared.core.domain import Domain

    from rasa_runtime.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    _insert_fails_without_quoting(store.engine)
    store.engine.dispose()

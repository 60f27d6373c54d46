"""Log lines never keep personal data, whichever library writes them."""

import logging
from typing import Iterator

import pytest

from bot.privacy import log_redaction

PHONE = "07700 900123"


@pytest.fixture
def redacting_logs() -> Iterator[None]:
    original = logging.getLogRecordFactory()
    log_redaction.install()
    yield
    logging.setLogRecordFactory(original)


def test_a_library_logging_a_survivor_message_logs_it_redacted(
    redacting_logs: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("Received message '%s'", f"call me on {PHONE}")
        logging.getLogger("some.library").info("postcode SE15 4QT")
    assert [record.getMessage() for record in caplog.records if record.name == "some.library"] == [
        "Received message 'call me on [phone number]'",
        "postcode SE15 [postcode]",
    ]
    assert PHONE not in caplog.text


def test_installing_twice_redacts_once(redacting_logs: None) -> None:
    factory = logging.getLogRecordFactory()
    log_redaction.install()
    assert logging.getLogRecordFactory() is factory


def test_a_record_that_cannot_be_formatted_is_still_logged(redacting_logs: None) -> None:
    record = logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "%d apples", ("not a number",), None)
    assert record.msg == "%d apples"

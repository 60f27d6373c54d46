"""`python -m bot`: several gateway workers only with Redis, which is what lets them hear each other."""

import logging

import pytest

from bot.__main__ import main


def test_several_workers_without_redis_refuse_to_start_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SANIC_WORKERS", "2")
    monkeypatch.delenv("HAVEN_REDIS_URL", raising=False)
    with caplog.at_level(logging.ERROR, logger="bot.__main__"):
        assert main() == 2
    assert "SANIC_WORKERS=2 needs HAVEN_REDIS_URL" in caplog.text

"""Shared fixtures: the trained model, loaded once per test session."""

import asyncio
import os
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import yaml

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "haven.tar.gz"


@pytest.fixture(scope="session")
def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One loop for the session, so the session-scoped agent can be used from every test."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` (make test does it first).")
    return MODEL


@pytest.fixture(scope="session")
def domain_responses() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


@pytest.fixture(scope="session")
def emergency_text(domain_responses: Dict[str, Any]) -> str:
    return str(domain_responses["utter_emergency"][0]["text"])

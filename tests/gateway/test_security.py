"""Whom the gateway trusts: pages by their configured origin (never by the request's Host header), and
conversation ids by the keyed tag only a gateway with the secret can make."""

import logging
import stat
import threading
from pathlib import Path
from typing import List

import pytest

from bot.gateway.chat.protocol import is_conversation_id
from bot.gateway.edge.security import ConversationIds, TrustedOrigins, id_secret, normal_origin, origin_allowed
from bot.settings import Settings

CONSOLE = frozenset({"https://chat.example.org"})


@pytest.mark.parametrize(
    "origin, normal",
    [
        ("https://Chat.Example.org", "https://chat.example.org"),
        ("https://chat.example.org:443", "https://chat.example.org"),
        ("https://chat.example.org/", "https://chat.example.org"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("null", None),
        ("chat.example.org", None),
        ("ws://chat.example.org", None),
        ("https://chat.example.org/staff", None),
        ("https://user@chat.example.org", None),
        ("https://chat.example.org:99999", None),
    ],
)
def test_an_origin_is_spelt_one_way_or_is_none(origin: str, normal: str) -> None:
    assert normal_origin(origin) == normal


def test_scheme_host_and_port_must_all_match_a_configured_origin() -> None:
    assert origin_allowed("https://chat.example.org", CONSOLE)
    assert not origin_allowed("http://chat.example.org", CONSOLE), "the scheme counts"
    assert not origin_allowed("https://chat.example.org:8443", CONSOLE), "the port counts"
    assert not origin_allowed("https://chat.example.org.evil.example", CONSOLE)
    assert not origin_allowed("chat.example.org", CONSOLE)


def test_without_an_origin_only_requests_that_do_not_need_one_pass() -> None:
    assert origin_allowed(None, CONSOLE), "not a browser page: the survivor's routes don't need one"
    assert origin_allowed("null", CONSOLE), "a quick exit's beacon from a page that sends no referrer"
    assert not origin_allowed(None, CONSOLE, required=True), "a staff change always comes with one"
    assert not origin_allowed("", CONSOLE, required=True)
    assert not origin_allowed("null", CONSOLE, required=True)


def test_make_run_trusts_its_own_loopback_address_by_number_and_by_name() -> None:
    origins = TrustedOrigins.from_settings(Settings.from_env({"HAVEN_GATEWAY_PORT": "8080"}))
    assert origins.own == {"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"}
    assert origins.sites == frozenset()


def test_a_deployment_names_its_public_origin_and_the_charity_sites(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings.from_env({
        "HAVEN_GATEWAY_HOST": "10.0.0.11",
        "HAVEN_PUBLIC_ORIGIN": "https://chat.example.org/",
        "HAVEN_ALLOWED_ORIGINS": "https://www.charity.example, charity.example",
    })
    origins = TrustedOrigins.from_settings(settings)
    assert origins.own == CONSOLE
    assert origins.sites == {"https://www.charity.example"}
    assert origins.survivor == {"https://chat.example.org", "https://www.charity.example"}
    assert "'charity.example' is not an origin" in caplog.text, "a mistyped setting is named, not silently dropped"


def test_a_gateway_on_a_private_address_without_its_public_origin_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        origins = TrustedOrigins.from_settings(Settings.from_env({"HAVEN_GATEWAY_HOST": "10.0.0.11"}))
    assert origins.own == {"http://10.0.0.11:8080"}
    assert "HAVEN_PUBLIC_ORIGIN is not set" in caplog.text


def test_issued_ids_have_the_protocols_shape_and_only_the_issuer_knows_them() -> None:
    ids = ConversationIds(b"one secret")
    issued = [ids.new() for _ in range(200)]
    assert all(is_conversation_id(conversation) for conversation in issued)
    assert len(set(issued)) == 200
    assert all(ids.issued(conversation) for conversation in issued)
    assert all(ConversationIds(b"one secret").issued(conversation) for conversation in issued), "any instance"
    assert not any(ConversationIds(b"another secret").issued(conversation) for conversation in issued)
    forged = issued[0][:-1] + ("0" if issued[0][-1] != "0" else "1")
    assert not ids.issued(forged)
    assert not ids.issued("0" * 32)


def test_the_id_secret_comes_from_the_environment_or_a_private_file_made_once(tmp_path: Path) -> None:
    path = tmp_path / "var" / "id-secret"
    assert id_secret("from the environment", path) == b"from the environment"
    assert not path.exists(), "a configured secret writes nothing"
    made = id_secret("", path)
    assert len(made) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert id_secret("", path) == made, "a restarted gateway still knows the ids it issued"
    assert [entry.name for entry in path.parent.iterdir()] == ["id-secret"], "no draft left behind"


def test_gateways_starting_at_once_agree_on_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "id-secret"
    secrets: List[bytes] = []
    threads = [threading.Thread(target=lambda: secrets.append(id_secret("", path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(secrets) == 8 and len(set(secrets)) == 1


def test_an_empty_secret_file_stops_the_gateway_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "id-secret"
    path.write_text("\n")
    with pytest.raises(ValueError, match="is empty: delete it"):
        id_secret("", path)

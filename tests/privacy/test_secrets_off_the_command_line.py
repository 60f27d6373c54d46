"""No secret on a command line, where every local account can read it (`ps`, /proc/PID/cmdline): the Rasa
server's entry point hands the API token from the environment to Rasa inside its own process (security
review 2026-12-03, finding 4). tests/e2e/test_private_by_default.py checks a running stack's processes."""

from typing import List

import pytest
from rasa.__main__ import create_argument_parser

from bot.assistant.__main__ import TOKEN_ENV, rasa_arguments

TOKEN = "-starts-with-a-dash-like-one-token-in-64"
SERVER = ["run", "--model", "models/haven.tar.gz", "--enable-api", "--port", "5005"]


def test_the_api_token_comes_from_the_environment_and_rasa_reads_it() -> None:
    arguments = rasa_arguments(SERVER, {TOKEN_ENV: TOKEN})
    assert create_argument_parser().parse_args(arguments).auth_token == TOKEN


def test_without_the_api_nothing_is_added() -> None:
    assert rasa_arguments(["shell", "--port", "5006"], {TOKEN_ENV: TOKEN}) == ["shell", "--port", "5006"]


@pytest.mark.parametrize(
    "secret",
    [["--auth-token", TOKEN], [f"--auth-token={TOKEN}"], ["-t", TOKEN], [f"-t{TOKEN}"], ["--auth-tok", TOKEN],
     ["--jwt-secret", "s3cret"], ["--ssl-password", "s3cret"]],
)
def test_a_secret_on_the_command_line_is_refused(secret: List[str]) -> None:
    with pytest.raises(SystemExit, match="never given on the command line"):
        rasa_arguments([*SERVER, *secret], {TOKEN_ENV: TOKEN})


@pytest.mark.parametrize("api", ["--enable-api", "--enable-a"])
def test_the_api_without_a_token_is_refused(api: str) -> None:
    with pytest.raises(SystemExit, match="needs HAVEN_RASA_TOKEN"):
        rasa_arguments(["run", api], {})

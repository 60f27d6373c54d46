"""The Procfile (docs/deployment.md) stays a working scale-out layout as the code changes."""

import re
import shlex
from typing import Dict

from bot.settings import ROOT


def _processes() -> Dict[str, str]:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def test_every_gateway_has_its_own_port_and_its_own_rasa_on_the_scaleout_endpoints() -> None:
    processes = _processes()
    rasa_ports = {
        name: re.search(r"--port (\d+)", command).group(1)  # type: ignore[union-attr]
        for name, command in processes.items()
        if name.startswith("rasa")
    }
    assert len(rasa_ports) >= 2 and len(set(rasa_ports.values())) == len(rasa_ports)
    for name in rasa_ports:
        assert "--endpoints endpoints-scaleout.yml" in processes[name], f"{name} must use Redis locks"
        assert "-m bot.assistant run" in processes[name], f"{name} must start through Haven's entry point"
    gateways = {
        name: dict(re.findall(r"(\w+)=(\S+)", command))
        for name, command in processes.items()
        if command.endswith("-m bot")
    }
    assert len(gateways) >= 2
    assert len({settings["HAVEN_GATEWAY_PORT"] for settings in gateways.values()}) == len(gateways)
    used = {settings["HAVEN_RASA_URL"].rsplit(":", 1)[1] for settings in gateways.values()}
    assert used == set(rasa_ports.values()), "each Rasa serves a gateway"
    assert "bot.privacy purge" in processes["purge"], "the retention job runs in the layout"


def test_every_configuration_file_the_procfile_names_exists() -> None:
    for command in _processes().values():
        for word in shlex.split(command):
            if word.endswith(".yml"):
                assert (ROOT / word).exists(), f"{word} does not exist"

"""Soak test: many survivor conversations at once through a real gateway, for a bounded time.

    python -m tools.bench.soak [--conversations 200] [--seconds 120] [--rasa-url URL]

Starts a gateway process on a free loopback port in front of a stand-in Rasa that echoes each message
after a realistic NLU delay (or in front of a real Rasa with --rasa-url). Each simulated survivor
starts a conversation, sends a message, waits for every reply, pauses like a person typing, and at the
end deletes the chat. Prints lost and reordered replies, 5xx answers, reply latency (p50/p95) and the
gateway's memory at the start and end. Only loopback addresses are used; it stops by itself.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import aiohttp
from aiohttp import web

from bot.settings import ROOT
from tools.bench import free_port, percentile, rss_mb
from tools.bench.client import Turn, WidgetClient


@dataclass
class Figures:
    """What the run measured."""

    conversations: int = 0
    sent: int = 0
    answered: int = 0
    lost: int = 0
    reordered: int = 0
    fallbacks: int = 0
    server_errors: int = 0
    failures: List[str] = field(default_factory=list)
    latencies: List[float] = field(default_factory=list)


async def stand_in_rasa(port: int, delay_s: float) -> web.AppRunner:
    """Rasa's REST channel as the gateway sees it: the message echoed after an NLU-like delay."""

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(random.uniform(0.5, 1.5) * delay_s)
        return web.json_response([{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def start_gateway(rasa_url: str, port: int, log: Path, **settings: str) -> "subprocess.Popen[bytes]":
    """A gateway with its own database beside the log; `settings` add or override HAVEN_* variables."""
    env = {
        **os.environ,
        "HAVEN_GATEWAY_PORT": str(port),
        "HAVEN_RASA_URL": rasa_url,
        "HAVEN_RATE_CONVERSATIONS": "100000",
        "HAVEN_MAX_SOCKETS_PER_ADDRESS": "100000",
        "HAVEN_DATABASE_URL": f"sqlite:///{log.with_suffix('.db')}",
        **settings,
    }
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


async def wait_healthy(session: aiohttp.ClientSession, base: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{base}/health") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.5)
    raise SystemExit(f"The gateway did not start within {timeout_s:.0f} s.")


def count(turn: Turn, expected: str, echo: bool, figures: Figures) -> None:
    """With the stand-in Rasa, the echo of `expected` must come, and only it (anything else is reordered
    or lost); with a real Rasa, at least one real answer."""
    figures.fallbacks += turn.fallbacks
    if turn.first_reply_seconds is not None:
        figures.latencies.append(turn.first_reply_seconds)
    if turn.error == "timeout":
        figures.lost += 1
        return
    if turn.error is not None:
        figures.failures.append(turn.error)
        return
    expected_echo = f"echo: {expected}"
    if (echo and turn.answers == [expected_echo]) or (not echo and turn.answers):
        figures.answered += 1
    elif expected_echo in turn.answers:
        figures.reordered += 1
    else:
        figures.lost += 1


async def survivor(
    number: int, base: str, session: aiohttp.ClientSession, deadline: float, pace: float, echo: bool, figures: Figures
) -> None:
    """One survivor's conversation until the deadline, then "Delete chat"."""
    await asyncio.sleep(random.uniform(0, min(10.0, pace * 2)))  # people don't all arrive at once
    async with WidgetClient(base) as widget:
        conversation = await widget.start()
        figures.conversations += 1
        turn = 0
        while time.monotonic() < deadline:
            turn += 1
            text = f"survivor {number} message {turn}: is this chat private? 😀"
            figures.sent += 1
            count(await widget.say(text), text, echo, figures)
            await asyncio.sleep(random.uniform(0.5, 1.5) * pace)
    async with session.post(f"{base}/chat/delete", data=json.dumps({"conversation": conversation})) as response:
        if response.status >= 500:
            figures.server_errors += 1


async def poll_pages(base: str, session: aiohttp.ClientSession, deadline: float, figures: Figures) -> None:
    """Someone loading the page and the widget while the chats go on: any 5xx counts."""
    while time.monotonic() < deadline:
        for path in ("/", "/widget/haven-widget.js", "/health"):
            async with session.get(base + path) as response:
                await response.read()
                if response.status >= 500:
                    figures.server_errors += 1
        await asyncio.sleep(1)


async def run(conversations: int, seconds: float, pace: float, rasa_url: Optional[str], nlu_delay: float) -> int:
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    rasa_runner = None
    echo = rasa_url is None
    if rasa_url is None:
        rasa_port = free_port()
        rasa_runner = await stand_in_rasa(rasa_port, nlu_delay)
        rasa_url = f"http://127.0.0.1:{rasa_port}"
    port = free_port()
    gateway = start_gateway(rasa_url, port, work / "soak-gateway.log")
    base = f"http://127.0.0.1:{port}"
    figures = Figures()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            await wait_healthy(session, base)
            rss_start = rss_mb(gateway.pid)
            deadline = time.monotonic() + seconds
            await asyncio.gather(
                poll_pages(base, session, deadline, figures),
                *(survivor(n, base, session, deadline, pace, echo, figures) for n in range(conversations)),
            )
            rss_end = rss_mb(gateway.pid)
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)
        if rasa_runner is not None:
            await rasa_runner.cleanup()
    report(figures, conversations, seconds, rss_start, rss_end)
    return 0 if figures.lost == figures.reordered == figures.server_errors == 0 and not figures.failures else 1


def report(figures: Figures, conversations: int, seconds: float, rss_start: float, rss_end: float) -> None:
    ms = [1000 * value for value in figures.latencies]
    print(f"Soak: {conversations} concurrent survivor conversations for {seconds:.0f} s through the gateway")
    print(f"  conversations started      {figures.conversations}")
    print(f"  messages sent / answered   {figures.sent} / {figures.answered}")
    print(f"  lost / reordered replies   {figures.lost} / {figures.reordered}")
    print(f"  gateway fallbacks (>3 s)   {figures.fallbacks}")
    print(f"  error frames               {len(figures.failures)} {sorted(set(figures.failures))}")
    print(f"  5xx answers                {figures.server_errors}")
    print(f"  first reply p50 / p95      {percentile(ms, 0.5):.0f} ms / {percentile(ms, 0.95):.0f} ms")
    if ms:
        print(f"  first reply mean / max     {statistics.mean(ms):.0f} ms / {max(ms):.0f} ms")
    print(f"  gateway memory start / end {rss_start:.0f} MB / {rss_end:.0f} MB ({rss_end - rss_start:+.0f} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--pace", type=float, default=4.0, help="mean seconds a survivor takes between messages")
    parser.add_argument("--nlu-delay", type=float, default=0.3, help="the stand-in Rasa's mean reply time (s)")
    parser.add_argument("--rasa-url", help="a real Rasa to use instead of the stand-in (loopback only)")
    args = parser.parse_args()
    if args.rasa_url and not args.rasa_url.startswith(("http://127.", "http://localhost")):
        parser.error("--rasa-url must be on this machine (loopback)")
    return asyncio.run(run(args.conversations, args.seconds, args.pace, args.rasa_url, args.nlu_delay))


if __name__ == "__main__":
    sys.exit(main())

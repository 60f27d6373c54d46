"""How fast a support worker's message reaches the survivor's screen, through a real gateway.

    python -m tools.bench.handoff [--messages 200]

Starts a gateway process on loopback in front of a stand-in Rasa (its REST channel queues the survivor
as action_request_handoff does, and its HTTP API accepts appended events at once: so the figure
includes the gateway's call to append the staff message to the tracker, but not a real tracker store's
write). A staff member signs in, takes the conversation and sends messages one at a time over the staff
socket; each is timed from the staff socket's send to the `staff` frame arriving on the survivor's
socket. Prints p50/p95/max. Loopback only; it stops by itself.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, List

import aiohttp
from aiohttp import web
from websockets.legacy.client import connect

from bot.database.engine import make_engine
from bot.handoff import queue
from bot.risk import Risk
from bot.staff import accounts
from tools.bench import free_port, percentile
from tools.bench.soak import start_gateway, wait_healthy

TOKEN = "bench-token"
PASSWORD = "quiet lantern for timing"
TARGET_P95_MS = 100.0


async def stand_in_rasa(port: int) -> web.AppRunner:
    """Rasa as the gateway sees it in a handoff: queued on the first message, paused after."""

    async def webhook(request: web.Request) -> web.Response:
        await request.json()
        return web.json_response([{"text": "A support worker will join this chat."},
                                  {"custom": {"handoff": "queued", "position": 1}}])

    async def append(request: web.Request) -> web.Response:
        if request.query.get("token") != TOKEN:
            return web.Response(status=401)
        await request.json()
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_post("/conversations/{conversation}/tracker/events", append)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def frame_of(ws: Any, kind: str) -> Any:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if frame.get("type") == kind:
            return frame


async def measure(base: str, database: Path, messages: int) -> List[float]:
    engine = make_engine(f"sqlite:///{database}")
    accounts.create(engine, "bench", "Bench", "support_worker", PASSWORD)
    ws_base = base.replace("http", "ws")
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: cookies for an IP address (loopback)
    async with aiohttp.ClientSession(headers={"Origin": base}, cookie_jar=jar) as http, \
            connect(f"{ws_base}/chat/socket") as survivor:
        await survivor.send(json.dumps({"type": "start"}))
        conversation = (await frame_of(survivor, "started"))["conversation"]
        queue.request(engine, conversation, Risk.NONE, "")
        await survivor.send(json.dumps({"type": "message", "text": "can I talk to someone"}))
        await frame_of(survivor, "handoff")
        async with http.post(f"{base}/staff/api/login", json={"username": "bench", "password": PASSWORD}) as login:
            csrf = (await login.json())["csrf"]
            cookie = login.cookies["haven_staff"].value
        handoff = queue.open_handoff(engine, conversation)
        assert handoff is not None
        async with http.post(f"{base}/staff/api/handoffs/{handoff.id}/take", headers={"X-CSRF-Token": csrf}) as took:
            assert took.status == 200, await took.text()
        latencies: List[float] = []
        async with connect(f"{ws_base}/staff/socket", origin=base,  # type: ignore[arg-type]
                           extra_headers={"Cookie": f"haven_staff={cookie}"}) as staff:
            await frame_of(staff, "queue")
            for number in range(messages):
                started = time.perf_counter()
                await staff.send(json.dumps({"type": "message", "handoff": handoff.id, "text": f"m{number}"}))
                frame = await frame_of(survivor, "staff")
                latencies.append((time.perf_counter() - started) * 1000)
                assert frame["text"] == f"m{number}", frame
    engine.dispose()
    return latencies


async def run(messages: int) -> int:
    rasa_port, gateway_port = free_port(), free_port()
    rasa = await stand_in_rasa(rasa_port)
    with tempfile.TemporaryDirectory(prefix="haven-bench-") as work:
        log = Path(work) / "gateway.log"
        gateway = start_gateway(f"http://127.0.0.1:{rasa_port}", gateway_port, log, HAVEN_RASA_TOKEN=TOKEN)
        base = f"http://127.0.0.1:{gateway_port}"
        try:
            async with aiohttp.ClientSession() as session:
                await wait_healthy(session, base)
            latencies = await measure(base, log.with_suffix(".db"), messages)
        finally:
            gateway.terminate()
            gateway.wait(timeout=30)
            await rasa.cleanup()
    p95 = percentile(latencies, 0.95)
    print(f"Staff message -> survivor's socket, {len(latencies)} messages on loopback (append to a stand-in "
          f"Rasa included): p50 {percentile(latencies, 0.5):.1f} ms, p95 {p95:.1f} ms, max {max(latencies):.1f} ms "
          f"(target p95 < {TARGET_P95_MS:.0f} ms)")
    return 0 if p95 < TARGET_P95_MS else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    return asyncio.run(run(parser.parse_args().messages))


if __name__ == "__main__":
    sys.exit(main())

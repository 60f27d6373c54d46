"""The gateway: the only public port. Serves the widget and demo page and relays chats to Rasa.

python -m bot          (make run starts it with Rasa and the action server)
"""

import asyncio
import json as jsonlib
import logging
from html import escape
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import unquote

from sanic import Sanic
from sanic.exceptions import NotFound, WebsocketClosed
from sanic.request import Request
from sanic.response import HTTPResponse, empty, html, json, raw
from sqlalchemy.exc import SQLAlchemyError
from websockets.exceptions import ConnectionClosed

from bot.database import migrate
from bot.database.engine import make_engine
from bot.database.offloop import Database
from bot.gateway.chat.limits import GatewayLimits
from bot.gateway.chat.outbox import outbox_from_settings
from bot.gateway.chat.protocol import error_frame, is_conversation_id
from bot.gateway.chat.socket import TRY_AGAIN_LATER, SurvivorSocket
from bot.gateway.console.routes import same_origin, session_limits, staff
from bot.gateway.console.socket import StaffSocket
from bot.gateway.edge import metrics
from bot.gateway.edge.security import ConversationIds, TrustedOrigins, headers_for, id_secret, origin_allowed
from bot.gateway.ops.operator import add_operator_routes
from bot.gateway.relay.bus import BusUnavailableError
from bot.gateway.relay.handoff import HandoffService
from bot.gateway.relay.rasa_client import RasaClient
from bot.gateway.relay.redis_bus import bus_from_settings
from bot.privacy.erasure import ConversationEraser
from bot.settings import Settings
from bot.staff import quick_replies, sessions
from bot.staff.login import LoginGuard
from bot.wording import widget_helpline_line

logger = logging.getLogger(__name__)

WIDGET_DIR = Path(__file__).resolve().parent / "widget"
STATIC_DIR = WIDGET_DIR / "static"
DEMO_PAGE = WIDGET_DIR / "templates" / "demo.html"
WIDGET_SCRIPT = STATIC_DIR / "haven-widget.js"
HELPLINE_PLACEHOLDER = "'{{HELPLINE}}'"
"""Where the widget's script takes the helpline sentence: filled in once per app from the facts."""
MAX_WEBSOCKET_BYTES = 1_048_576
"""Frames up to this size reach the protocol, which answers anything over `Settings.max_frame_bytes`
(32 KB) with a kind error; only beyond it does the socket layer close the connection."""
POLICY_VIOLATION = 1008
NOT_DELETED = (
    "Sorry, I couldn't delete that chat. It has been cleared from this window, and it will be deleted "
    "automatically after the charity's retention period."
)
NOT_DELETED_BUSY = (
    "Sorry, I couldn't delete that chat just now: a lot of chats have been deleted from this connection. "
    "It has been cleared from this window, and it will be deleted automatically after the charity's "
    "retention period."
)


def demo_page(settings: Settings) -> str:
    """The demo charity page with the widget on it (built once per app, not per request)."""
    page = DEMO_PAGE.read_text(encoding="utf-8")
    return page.replace("{{EXIT_URL}}", escape(settings.exit_url)).replace("{{WIDGET_SRC}}", "/widget/haven-widget.js")


def widget_script() -> str:
    """The widget's script with the helpline sentence from the facts file (built once per app)."""
    script = WIDGET_SCRIPT.read_text(encoding="utf-8")
    if HELPLINE_PLACEHOLDER not in script:
        raise ValueError(f"{WIDGET_SCRIPT} has no {HELPLINE_PLACEHOLDER} for the helpline sentence.")
    return script.replace(HELPLINE_PLACEHOLDER, jsonlib.dumps(widget_helpline_line()))


def _conversation_in(body: bytes) -> Optional[str]:
    """The conversation id in a quick-exit beacon, or None for anything else."""
    try:
        data = jsonlib.loads(body[:200] or b"null")
    except (ValueError, RecursionError):
        return None
    conversation = data.get("conversation") if isinstance(data, dict) else None
    return conversation if is_conversation_id(conversation) else None


def _client(request: Request) -> str:
    """The client's address (the survivor's, behind SANIC_PROXIES_COUNT proxies), for per-address limits."""
    return request.remote_addr or request.ip


def create_app(settings: Optional[Settings] = None, name: str = "haven_gateway") -> Sanic:
    """A gateway app configured from `settings` (default: the environment)."""
    settings = settings or Settings.from_env()
    app = Sanic(name)
    app.config.WEBSOCKET_MAX_SIZE = MAX_WEBSOCKET_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "text"
    _set_up_context(app, settings)
    app.blueprint(staff)
    _add_lifecycle_listeners(app, settings)
    _add_security_headers(app)
    _refuse_null_bytes(app)
    _add_page_routes(app, settings)
    _add_chat_routes(app, settings)
    _add_survivor_socket(app, settings)
    _add_staff_socket(app, settings)
    add_operator_routes(app, settings)
    return app


def _set_up_context(app: Sanic, settings: Settings) -> None:
    """The app's shared objects, built once before the server starts; what needs a connection per worker
    process is opened by the listeners in `_add_lifecycle_listeners`."""
    app.ctx.settings = settings
    app.ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_s, settings.rasa_token)
    app.ctx.database = Database(make_engine(settings.database_url))
    app.ctx.eraser = ConversationEraser(app.ctx.database.engine)
    app.ctx.origins = TrustedOrigins.from_settings(settings)
    app.ctx.ids = ConversationIds(id_secret(settings.id_secret))
    app.ctx.staff_logins = LoginGuard(settings.staff_login_failures, settings.staff_login_window_s)


def _add_lifecycle_listeners(app: Sanic, settings: Settings) -> None:
    """Connections opened in each worker once it has forked, and closed when it stops."""

    @app.before_server_start
    async def open_connections(app: Sanic, _: Any) -> None:
        """Per worker process: Redis connections can't be shared across a fork. The queue, accounts and
        audit tables exist before anyone can ask for a person (idempotent)."""
        await app.ctx.rasa.start()
        app.ctx.bus = bus_from_settings(settings)
        app.ctx.outbox = outbox_from_settings(settings)
        app.ctx.limits = GatewayLimits.from_settings(settings)
        app.ctx.handoff = HandoffService(app.ctx.database, app.ctx.rasa, app.ctx.bus)
        try:
            migrate.upgrade(app.ctx.database.engine)
            quick_replies.ensure_defaults(app.ctx.database.engine)
        except SQLAlchemyError as error:
            logger.error(
                "The database can't be reached (%s): live chat with staff and deleting chats fail until it is "
                "back; survivors are still answered by the assistant.",
                type(error).__name__,
            )

    @app.after_server_stop
    async def close_connections(app: Sanic, _: Any) -> None:
        await app.ctx.rasa.close()
        await app.ctx.bus.close()
        await app.ctx.outbox.close()
        await app.ctx.limits.close()


def _add_security_headers(app: Sanic) -> None:
    """Every response carries the security headers for its path (only the widget's assets may be read
    cross-origin)."""

    @app.on_response
    async def add_security_headers(request: Request, response: HTTPResponse) -> None:
        response.headers.update(headers_for(request.path))


def _refuse_null_bytes(app: Sanic) -> None:
    """A NUL in a path (`/widget/haven-widget.js%00.txt`) names no file: 404, before Sanic's static handler
    fails on it with a 500 and a traceback."""

    @app.on_request
    async def no_null_bytes(request: Request) -> None:
        if "\x00" in unquote(request.path):
            raise NotFound("Not Found")


def _add_page_routes(app: Sanic, settings: Settings) -> None:
    """The demo page, the widget's files and the health check: the same for everyone, built once."""
    page = demo_page(settings)
    script = widget_script()

    @app.get("/")
    async def demo(_: Request) -> HTTPResponse:
        return html(page)

    @app.get("/favicon.ico")
    async def no_favicon(_: Request) -> HTTPResponse:
        return empty()

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/widget/haven-widget.js")
    async def widget(_: Request) -> HTTPResponse:
        return raw(script, content_type="text/javascript; charset=utf-8")

    app.static("/widget", str(STATIC_DIR), name="widget")


async def _erase(app: Sanic, settings: Settings, conversation: str) -> None:
    """Tells a staff member holding the conversation, deletes it now, and again once any turn still in
    Rasa has been stored; then the replies kept for the survivor's return (the database first: a Redis
    outage must not keep it)."""
    try:
        await app.ctx.handoff.survivor_left(conversation, "erased")
    except BusUnavailableError:
        logger.error("Could not tell the staff member holding an erased conversation: the bus is down.")
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, app.ctx.eraser.erase, conversation)
    loop.call_later(settings.rasa_timeout_s, loop.run_in_executor, None, app.ctx.eraser.erase, conversation)
    await app.ctx.outbox.drop(conversation)
    metrics.ERASURES.inc()


def _survivor_page(app: Sanic, request: Request) -> bool:
    """From the gateway's own pages, a charity site in HAVEN_ALLOWED_ORIGINS, or no browser page at all."""
    return origin_allowed(request.headers.get("origin"), app.ctx.origins.survivor)


def _cors(app: Sanic, request: Request) -> Dict[str, str]:
    """A charity site's page may read the answer."""
    origin = request.headers.get("origin")
    if origin and origin_allowed(origin, app.ctx.origins.sites, required=True):
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


def _erasure_allowed(app: Sanic, request: Request, conversation: str) -> bool:
    """A conversation this service issued may be erased a few times a minute on a budget of its own, so
    nobody else's requests use it up; an id it never issued is charged to the address like a new chat."""
    limits: GatewayLimits = app.ctx.limits
    if app.ctx.ids.issued(conversation):
        return limits.erasures.allow(conversation)
    return limits.new_conversations.allow(_client(request))


def _add_chat_routes(app: Sanic, settings: Settings) -> None:
    """The widget's two ways of erasing a survivor's conversation: quick exit and "Delete chat"."""
    _add_quick_exit(app, settings)
    _add_delete_chat(app, settings)


def _add_quick_exit(app: Sanic, settings: Settings) -> None:
    @app.post("/chat/exit")
    async def quick_exit(request: Request) -> HTTPResponse:
        """The widget's beacon on quick exit: erase the conversation when configured. 204 whether or not a
        conversation existed; 403 from another site's page and 429 over the limits, with nothing erased."""
        if not _survivor_page(app, request):
            logger.warning("Refused a quick exit from another site.")
            return empty(status=403)
        conversation = _conversation_in(request.body)
        if not (settings.erase_on_exit and conversation):
            return empty()
        if not _erasure_allowed(app, request, conversation):
            logger.warning("Refused a quick exit's erasure: over the limit.")
            metrics.refused("erasures")
            return empty(status=429)
        try:
            await _erase(app, settings, conversation)
        except (SQLAlchemyError, BusUnavailableError) as error:
            logger.error("Could not erase a conversation on quick exit (%s).", type(error).__name__)
        return empty()


def _add_delete_chat(app: Sanic, settings: Settings) -> None:
    @app.post("/chat/delete")
    async def delete_chat(request: Request) -> HTTPResponse:
        """The widget's "Delete chat": erase the conversation whatever HAVEN_ERASE_ON_EXIT says.
        The id is the key; the answer is the same whether or not anything was stored."""
        if not _survivor_page(app, request):
            logger.warning("Refused a Delete chat from another site.")
            return json({"deleted": False, "text": NOT_DELETED}, status=403)
        cors = _cors(app, request)
        conversation = _conversation_in(request.body)
        if conversation is None:
            return json({"deleted": False, "text": NOT_DELETED}, status=400, headers=cors)
        if not _erasure_allowed(app, request, conversation):
            logger.warning("Refused a Delete chat: over the limit.")
            metrics.refused("erasures")
            return json({"deleted": False, "text": NOT_DELETED_BUSY}, status=429, headers=cors)
        try:
            await _erase(app, settings, conversation)
        except (SQLAlchemyError, BusUnavailableError) as error:
            logger.error("Could not delete a conversation: %s.", type(error).__name__)
            return json({"deleted": False, "text": NOT_DELETED}, status=503, headers=cors)
        return json({"deleted": True}, headers=cors)


def _add_survivor_socket(app: Sanic, settings: Settings) -> None:
    """The widget's chat socket, refused to pages on other sites, and to an address with too many open."""

    @app.websocket("/chat/socket")
    async def chat_socket(request: Request, ws: Any) -> None:
        if not _survivor_page(app, request):
            logger.warning("Refused a chat socket from another site.")
            await ws.close(code=POLICY_VIOLATION)
            return
        client = _client(request)
        try:
            with app.ctx.limits.sockets.hold(client) as admitted:
                if not admitted:
                    await _refuse_crowded(ws)
                    return
                await SurvivorSocket(
                    ws, app.ctx.rasa, settings, app.ctx.outbox, client, app.ctx.limits, app.ctx.handoff, app.ctx.ids
                ).serve()
        except (ConnectionClosed, WebsocketClosed):
            logger.debug("A survivor socket closed.")


async def _refuse_crowded(ws: Any) -> None:
    """Too many sockets open from this address: the widget shows why, with the helpline, and tries again."""
    logger.warning("Refused a chat socket: too many open from one address.")
    metrics.refused("sockets")
    await ws.send(error_frame("too_many_connections"))
    await ws.close(code=TRY_AGAIN_LATER)


def _add_staff_socket(app: Sanic, settings: Settings) -> None:
    """The staff console's socket, only for a signed-in staff member on the console's own page."""

    @app.websocket("/staff/socket")
    async def staff_socket(request: Request, ws: Any) -> None:
        token = request.cookies.get(sessions.COOKIE)
        limits = session_limits(settings)
        session = await app.ctx.database.run(sessions.find, token, limits, False)
        if session is None or not same_origin(request):
            logger.warning("Refused a staff socket (not signed in, or from another site).")
            await ws.close(code=POLICY_VIOLATION)
            return
        metrics.STAFF_ONLINE.inc()
        try:
            await StaffSocket(ws, session, app.ctx.handoff, token or "", limits).serve()
        except (ConnectionClosed, WebsocketClosed):
            logger.debug("A staff socket closed.")
        finally:
            metrics.STAFF_ONLINE.dec()

"""The staff console's pages and JSON API, as a Sanic Blueprint under /staff.

Every API call checks the session and the role it needs, every change also the CSRF token (header
X-CSRF-Token) and the Origin; nobody reads a conversation they don't hold unless they are a supervisor.
Conversations are addressed by their handoff's id and named by a short reference (bot/staff/references.py):
the conversation id is the credential for the survivor's chat, so the console never gets it.
Kind, specific refusals: the console shows `text` as-is.
"""

import functools
import json as jsonlib
import logging
from pathlib import Path
from typing import Any, Callable, Coroutine, Dict, List, Optional, Tuple

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, html, json

from bot.database.offloop import Database
from bot.gateway.edge import metrics
from bot.gateway.edge.security import origin_allowed
from bot.gateway.relay.bus import BusUnavailableError
from bot.gateway.relay.handoff import HandoffRefusedError, HandoffService, staff_metadata
from bot.gateway.relay.rasa_client import RasaUnavailableError
from bot.handoff import audit, notes, queue
from bot.risk import event_risk
from bot.settings import Settings
from bot.staff import accounts, quick_replies, sessions
from bot.staff.accounts import Account, AccountError
from bot.staff.login import LoginGuard, Reservation
from bot.staff.models import PRESENCE, ROLES
from bot.staff.references import reference
from bot.staff.sessions import COOKIE, COOKIE_PATH, Session

logger = logging.getLogger(__name__)

STAFF_DIR = Path(__file__).resolve().parent
CONSOLE_PAGE = (STAFF_DIR / "templates" / "console.html").read_text(encoding="utf-8")
MAX_BODY_BYTES = 16_384
REFUSALS: Dict[str, str] = {
    "signed_out": "You've been signed out. Please sign in again.",
    "forbidden": "Your role can't do that. Ask a supervisor or an admin.",
    "csrf": "That request couldn't be checked. Please reload the console and try again.",
    "bad_login": "That username and password didn't match (after several wrong passwords in a row, signing in "
    "to that account from here is paused for a while).",
    "too_many_logins": "Too many sign-in attempts from here. Please wait a few minutes.",
    "wrong_password": "Your current password wasn't right, so nothing was changed.",
    "taken": "A colleague has already taken this conversation.",
    "gone": "This survivor is no longer waiting: they cancelled or left.",
    "not_yours": "You're not holding this conversation (it may have been handed back, ended or transferred).",
    "no_colleague": "That colleague can't take this conversation (account not found or disabled).",
    "bad_request": "Something in that request wasn't right. Please check it and try again.",
    "not_found": "There's nothing here.",
    "not_delivered": "That didn't reach the survivor: the assistant's server can't be reached just now. "
    "Please try again in a moment.",
    "live_unavailable": "Live chat isn't working just now: this server can't reach Redis, which passes messages "
    "between the gateways. Survivors are still answered by the assistant and told to call the helpline. "
    "Reload in a minute; if it goes on, tell your IT contact.",
}
STATUS = {"signed_out": 401, "forbidden": 403, "csrf": 403, "bad_login": 401, "too_many_logins": 429,
          "wrong_password": 403, "taken": 409,
          "gone": 409, "not_yours": 409, "no_colleague": 409, "bad_request": 400, "not_found": 404,
          "not_delivered": 503, "live_unavailable": 503}

staff = Blueprint("staff", url_prefix="/staff")
staff.static("/static", str(STAFF_DIR / "static"), name="static")
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def refuse(reason: str) -> HTTPResponse:
    return json({"error": reason, "text": REFUSALS[reason]}, status=STATUS[reason])


@staff.exception(BusUnavailableError)
async def bus_unavailable(request: Request, error: BusUnavailableError) -> HTTPResponse:
    """Redis down in scale-out: the change is in the database, but the live update couldn't go out."""
    logger.error("A console request could not reach the bus (%s).", error)
    return refuse("live_unavailable")


def _service(request: Request) -> HandoffService:
    return request.app.ctx.handoff


def _database(request: Request) -> Database:
    return request.app.ctx.database


def same_origin(request: Request) -> bool:
    """Changes come only from the console's own pages (a browser always sends Origin on a POST): the gateway's
    configured public origin, never judged by the request's own Host header."""
    return origin_allowed(request.headers.get("origin"), request.app.ctx.origins.own, required=True)


def _guard(request: Request) -> LoginGuard:
    return request.app.ctx.staff_logins


def _client(request: Request) -> str:
    """The client's address (behind SANIC_PROXIES_COUNT proxies, the one they saw), for the sign-in limits."""
    return request.remote_addr or request.ip


def session_limits(settings: Settings) -> sessions.Limits:
    """HAVEN_STAFF_IDLE_MINUTES and HAVEN_STAFF_SESSION_HOURS, for every check of a session."""
    return sessions.Limits(idle_s=settings.staff_idle_minutes * 60, lifetime_s=settings.staff_session_hours * 3600)


async def current_session(request: Request, touch: bool = True) -> Optional[Session]:
    limits = session_limits(request.app.ctx.settings)
    return await _database(request).run(sessions.find, request.cookies.get(COOKIE), limits, touch)


def body(request: Request) -> Dict[str, Any]:
    """The JSON object sent, or {} for anything else (too large, not JSON, not an object)."""
    if len(request.body) > MAX_BODY_BYTES:
        return {}
    try:
        data = jsonlib.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def api(role: str = "support_worker", change: bool = False) -> Callable[[Handler], Handler]:
    """Session, role and (for changes) Origin + CSRF checks, on every call."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = await current_session(request)
            if session is None:
                return refuse("signed_out")
            if not session.account.has_role(role):
                logger.warning("Refused a staff request that needs role %s (account id %d).", role, session.account.id)
                return refuse("forbidden")
            if change and not (same_origin(request) and sessions.csrf_ok(session, request.headers.get("x-csrf-token"))):
                return refuse("csrf")
            try:
                return await handler(request, session, *args, **kwargs)
            except HandoffRefusedError as refused:
                return refuse(refused.reason)
            except AccountError as error:
                return json({"error": "bad_request", "text": str(error)}, status=400)
            except RasaUnavailableError as error:
                logger.error("Rasa could not be reached for a staff request (%s).", error)
                return refuse("not_delivered")

        return checked

    return decorate


def me(session: Session) -> Dict[str, Any]:
    account = session.account
    return {"id": account.id, "display_name": account.display_name, "role": account.role,
            "presence": account.presence, "csrf": session.csrf}


def handoff_json(handoff: queue.Handoff) -> Dict[str, Any]:
    """A queue entry as the console gets it: addressed by the handoff's id, named by its reference."""
    return {"id": handoff.id, "reference": reference(handoff.conversation), "state": handoff.state,
            "urgent": handoff.risk.urgent, "risk": handoff.risk.value, "requested_at": handoff.requested_at,
            "preview": handoff.preview}


def queue_json(waiting: List[queue.Handoff], mine: List[queue.Handoff]) -> Dict[str, List[Dict[str, Any]]]:
    """The queue and what this staff member holds, as the console gets them (HTTP and socket alike)."""
    return {"waiting": [handoff_json(h) for h in waiting], "mine": [handoff_json(h) for h in mine]}


def holds(account: Account, handoff: Optional[queue.Handoff]) -> bool:
    return handoff is not None and handoff.state == queue.ACTIVE and handoff.staff_id == account.id


async def readable(database: Database, account: Account, handoff_id: int) -> Optional[queue.Handoff]:
    """The handoff whose conversation `account` may read: the holder's, or for supervisors and admins any
    (None otherwise, whether or not it exists)."""
    handoff = await database.run(queue.get, handoff_id)
    if handoff is not None and (holds(account, handoff) or account.has_role("supervisor")):
        return handoff
    return None


async def held_conversation(database: Database, account: Account, handoff_id: int) -> str:
    """The conversation of a handoff `account` holds now, for acting on it; refuses (not_yours) otherwise."""
    handoff = await database.run(queue.get, handoff_id)
    if handoff is None or not holds(account, handoff):
        raise HandoffRefusedError("not_yours")
    return handoff.conversation


@staff.get("")
async def console_page(_: Request) -> HTTPResponse:
    return html(CONSOLE_PAGE)


async def checked_password(request: Request, reservation: Reservation, username: str,
                           password: str) -> Optional[Account]:
    """The account if the password is right and this address isn't locked out of it; either way the sign-in
    limits learn the outcome (a right password gives its reservation back)."""
    guard = _guard(request)
    attempt = await _database(request).run(accounts.authenticate, username, password)
    if attempt.account is not None and not guard.locked(reservation.address, attempt.account.id):
        guard.succeeded(reservation, attempt.account.id)
        return attempt.account
    guard.failed(reservation, attempt.account_id)
    return None


def set_cookie(request: Request, response: HTTPResponse, token: str) -> None:
    """The session cookie on the console's own path; an empty token deletes it (the same path, or the
    browser would keep it)."""
    response.cookies[COOKIE] = token
    cookie = response.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = COOKIE_PATH
    cookie["secure"] = request.scheme in ("https", "wss")
    if not token:
        cookie["max-age"] = 0


@staff.post("/api/login")
async def login(request: Request) -> HTTPResponse:
    """Signs in. The attempt reserves its place in the address's limit before any password is checked."""
    if not same_origin(request):
        return refuse("csrf")
    reservation = _guard(request).reserve(_client(request))
    if reservation is None:
        metrics.refused("staff_logins")
        return refuse("too_many_logins")
    sent = body(request)
    username, password = sent.get("username"), sent.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        _guard(request).failed(reservation, None)
        return refuse("bad_login")
    account = await checked_password(request, reservation, username, password)
    if account is None:
        return refuse("bad_login")
    token, session = await _database(request).run(sessions.start, account, session_limits(request.app.ctx.settings))
    response = json(me(session))
    set_cookie(request, response, token)
    logger.info("A staff member signed in (account id %d).", account.id)
    return response


@staff.post("/api/logout")
@api(change=True)
async def logout(request: Request, session: Session) -> HTTPResponse:
    await _database(request).run(accounts.set_presence, session.account.id, "away")
    await _database(request).run(sessions.end, session)
    response = json({"signed_out": True})
    set_cookie(request, response, "")
    return response


@staff.post("/api/password")
@api(change=True)
async def change_password(request: Request, session: Session) -> HTTPResponse:
    """Anyone changes their own password with their current one (checked like a sign-in, within the same
    limits); their other sessions end, this one goes on."""
    sent = body(request)
    current, new = sent.get("current"), sent.get("new")
    if not isinstance(current, str) or not isinstance(new, str):
        return refuse("bad_request")
    reservation = _guard(request).reserve(_client(request))
    if reservation is None:
        metrics.refused("staff_logins")
        return refuse("too_many_logins")
    if await checked_password(request, reservation, session.account.username, current) is None:
        return refuse("wrong_password")
    await _database(request).run(accounts.set_password, session.account.id, new)
    await _database(request).run(sessions.end_all, session.account.id, session)
    return json({"changed": True})


@staff.get("/api/me")
@api()
async def who_am_i(_: Request, session: Session) -> HTTPResponse:
    return json(me(session))


@staff.post("/api/presence")
@api(change=True)
async def presence(request: Request, session: Session) -> HTTPResponse:
    wanted = body(request).get("presence")
    if wanted not in PRESENCE:
        return refuse("bad_request")
    await _database(request).run(accounts.set_presence, session.account.id, wanted)
    await _service(request).queue_changed()
    return json({"presence": wanted})


@staff.get("/api/queue")
@api()
async def queue_now(request: Request, session: Session) -> HTTPResponse:
    database = _database(request)
    return json(queue_json(await database.run(queue.waiting), await database.run(queue.held_by, session.account.id)))


@staff.post("/api/handoffs/<handoff_id:int>/take")
@api(change=True)
async def take(request: Request, session: Session, handoff_id: int) -> HTTPResponse:
    handoff = await _service(request).take(session.account, handoff_id)
    return json({"id": handoff.id, "reference": reference(handoff.conversation)})


@staff.get("/api/handoffs/<handoff_id:int>/transcript")
@api()
async def transcript(request: Request, session: Session, handoff_id: int) -> HTTPResponse:
    handoff = await readable(_database(request), session.account, handoff_id)
    if handoff is None:
        return refuse("forbidden")
    await _database(request).run(audit.opened, session.account.id, handoff.conversation)
    events = await _service(request).rasa.transcript(handoff.conversation)
    return json({"messages": [line for event in events if (line := transcript_line(event))]})


def transcript_line(event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """What staff see of one stored event: who said what (text as stored, redacted), and when; for the
    survivor's messages, any risk to life the assistant recognised, so staff who take an urgent conversation
    see which message made it so."""
    kind = event.get("event")
    if kind not in ("user", "bot") or not isinstance(event.get("text"), str):
        return None
    staff_meta = staff_metadata(event)
    who = "survivor" if kind == "user" else ("staff" if staff_meta else "assistant")
    line = {"from": who, "text": event["text"], "at": event.get("timestamp")}
    if kind == "user":
        line["risk"] = event_risk(event).value
    if staff_meta:
        line["name"] = str(staff_meta.get("display_name", ""))
    return line


@staff.post("/api/handoffs/<handoff_id:int>/handback")
@api(change=True)
async def hand_back(request: Request, session: Session, handoff_id: int) -> HTTPResponse:
    conversation = await held_conversation(_database(request), session.account, handoff_id)
    await _service(request).hand_back(session.account, conversation)
    return json({"state": queue.HANDED_BACK})


@staff.post("/api/handoffs/<handoff_id:int>/end")
@api(change=True)
async def end(request: Request, session: Session, handoff_id: int) -> HTTPResponse:
    conversation = await held_conversation(_database(request), session.account, handoff_id)
    await _service(request).end(session.account, conversation)
    return json({"state": queue.ENDED})


@staff.post("/api/handoffs/<handoff_id:int>/transfer")
@api(change=True)
async def transfer(request: Request, session: Session, handoff_id: int) -> HTTPResponse:
    to = body(request).get("to")
    if not isinstance(to, int):
        return refuse("bad_request")
    conversation = await held_conversation(_database(request), session.account, handoff_id)
    colleague = await _service(request).transfer(session.account, conversation, to)
    return json({"to": colleague.display_name})


@staff.get("/api/handoffs/<handoff_id:int>/notes")
@api()
async def read_notes(request: Request, session: Session, handoff_id: int) -> HTTPResponse:
    handoff = await readable(_database(request), session.account, handoff_id)
    if handoff is None:
        return refuse("forbidden")
    return json({"notes": await _database(request).run(notes.for_conversation, handoff.conversation)})


@staff.post("/api/handoffs/<handoff_id:int>/notes")
@api(change=True)
async def add_note(request: Request, session: Session, handoff_id: int) -> HTTPResponse:
    text = body(request).get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > notes.MAX_NOTE_CHARS:
        return refuse("bad_request")
    conversation = await held_conversation(_database(request), session.account, handoff_id)
    await _database(request).run(notes.add, conversation, session.account.id, text.strip())
    return json({"saved": True})


@staff.get("/api/colleagues")
@api()
async def colleagues(request: Request, session: Session) -> HTTPResponse:
    everyone = await _database(request).run(accounts.all_accounts)
    return json({"colleagues": [{"id": a.id, "display_name": a.display_name, "presence": a.presence}
                                for a in everyone if a.active and a.id != session.account.id]})


@staff.get("/api/quick-replies")
@api()
async def list_quick_replies(request: Request, _: Session) -> HTTPResponse:
    return json({"replies": await _database(request).run(quick_replies.all_replies)})


def _quick_reply(request: Request) -> Optional[Tuple[str, str]]:
    """The (title, text) of a standard reply sent by the console, trimmed; None if either is blank or too long."""
    sent = body(request)
    title, text = sent.get("title"), sent.get("text")
    if not (isinstance(title, str) and isinstance(text, str) and title.strip() and text.strip()
            and len(title) <= quick_replies.MAX_TITLE_CHARS and len(text) <= quick_replies.MAX_TEXT_CHARS):
        return None
    return title.strip(), text.strip()


@staff.post("/api/quick-replies")
@api(role="admin", change=True)
async def add_quick_reply(request: Request, _: Session) -> HTTPResponse:
    reply = _quick_reply(request)
    if reply is None:
        return refuse("bad_request")
    return json({"id": await _database(request).run(quick_replies.add, *reply)})


@staff.put("/api/quick-replies/<reply_id:int>")
@api(role="admin", change=True)
async def edit_quick_reply(request: Request, _: Session, reply_id: int) -> HTTPResponse:
    reply = _quick_reply(request)
    if reply is None:
        return refuse("bad_request")
    if not await _database(request).run(quick_replies.update, reply_id, *reply):
        return refuse("not_found")
    return json({"updated": True})


@staff.delete("/api/quick-replies/<reply_id:int>")
@api(role="admin", change=True)
async def remove_quick_reply(request: Request, _: Session, reply_id: int) -> HTTPResponse:
    if not await _database(request).run(quick_replies.remove, reply_id):
        return refuse("not_found")
    return json({"removed": True})


@staff.get("/api/accounts")
@api(role="admin")
async def list_accounts(request: Request, _: Session) -> HTTPResponse:
    everyone = await _database(request).run(accounts.all_accounts)
    return json({"accounts": [{"id": a.id, "username": a.username, "display_name": a.display_name, "role": a.role,
                               "active": a.active} for a in everyone], "roles": list(ROLES)})


@staff.post("/api/accounts")
@api(role="admin", change=True)
async def create_account(request: Request, _: Session) -> HTTPResponse:
    sent = body(request)
    fields = [sent.get(name) for name in ("username", "display_name", "role", "password")]
    if not all(isinstance(value, str) for value in fields):
        return refuse("bad_request")
    account = await _database(request).run(accounts.create, *fields)
    return json({"id": account.id})


@staff.post("/api/accounts/<account_id:int>")
@api(role="admin", change=True)
async def change_account(request: Request, session: Session, account_id: int) -> HTTPResponse:
    sent = body(request)
    role, active = sent.get("role"), sent.get("active")
    if (role is not None and not isinstance(role, str)) or (active is not None and not isinstance(active, bool)):
        return refuse("bad_request")
    if account_id == session.account.id and (active is False or (role is not None and role != "admin")):
        raise AccountError("You can't disable yourself or lower your own role: ask another admin.")
    if not await _database(request).run(accounts.update, account_id, role, active):
        return refuse("not_found")
    if active is False:
        await _database(request).run(sessions.end_all, account_id)
    return json({"changed": True})


@staff.post("/api/accounts/<account_id:int>/password")
@api(role="admin", change=True)
async def reset_password(request: Request, session: Session, account_id: int) -> HTTPResponse:
    """An admin gives a colleague a new password (for one forgotten or leaked): every session of theirs ends."""
    password = body(request).get("password")
    if not isinstance(password, str):
        return refuse("bad_request")
    if account_id == session.account.id:
        raise AccountError("To change your own password, use 'Change your password': it asks for the current one.")
    if not await _database(request).run(accounts.set_password, account_id, password):
        return refuse("not_found")
    await _database(request).run(sessions.end_all, account_id)
    logger.info("An admin reset a staff password (account id %d, by account id %d).", account_id, session.account.id)
    return json({"reset": True})


@staff.get("/api/audit")
@api(role="supervisor")
async def audit_entries(request: Request, _: Session) -> HTTPResponse:
    return json({"entries": await _database(request).run(audit.recent)})

"""What the gateway tells browsers and whom it trusts: the headers on every response, the origins whose pages
may use it, and the conversation ids it issued itself."""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Optional
from urllib.parse import urlsplit

from bot.file_modes import server_secret
from bot.settings import LOOPBACK_HOSTS, ROOT, Settings

logger = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: Dict[str, str] = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
WIDGET_ASSETS_PREFIX = "/widget/"
DEFAULT_PORTS = {"http": 80, "https": 443}
OPAQUE_ORIGIN = "null"
ID_SECRET_FILE = ROOT / "var" / "id-secret"
ID_RANDOM_HEX = 24
"""96 random bits: nobody finds a conversation by guessing its id."""
ID_TAG_HEX = 8
"""A 32-bit keyed tag: a made-up id passes one time in 4 billion, and each try is charged like a new chat."""
ID_PURPOSE = b"haven conversation id:"


def headers_for(path: str) -> Dict[str, str]:
    """The security headers for a response to `path`.

    The widget's own script and stylesheet are embedded in charity sites, so only they may be read
    cross-origin; everything else is same-origin.
    """
    resource_policy = "cross-origin" if path.startswith(WIDGET_ASSETS_PREFIX) else "same-origin"
    return {**SECURITY_HEADERS, "Cross-Origin-Resource-Policy": resource_policy}


def normal_origin(origin: str) -> Optional[str]:
    """`scheme://host[:port]` spelt one way (lower case, no default port), or None for what is not an origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    extra = "@" in parts.netloc or parts.path not in ("", "/") or parts.query or parts.fragment
    if parts.scheme not in DEFAULT_PORTS or not host or extra:
        return None
    shown_host = f"[{host}]" if ":" in host else host
    shown_port = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{shown_host}{shown_port}"


def origin_allowed(origin: Optional[str], trusted: FrozenSet[str], required: bool = False) -> bool:
    """Whether a browser's request comes from a trusted page: scheme, host and port against configured
    origins, never against the request's own Host header (whoever sends the request chooses that, so a
    rebound DNS name would pass). With no Origin, or `null` (what the Fetch standard has a page without
    referrers send with a beacon), no site can be named, as with a request from outside a browser, which
    may send anything anyway: allowed unless `required` (staff changes, where browsers send a real one)."""
    if not origin or origin == OPAQUE_ORIGIN:
        return not required
    return normal_origin(origin) in trusted


def _trusted(origins: Iterable[str], setting: str) -> FrozenSet[str]:
    trusted = set()
    for origin in origins:
        normal = normal_origin(origin)
        if normal is None:
            logger.warning("%s: %r is not an origin (scheme://host[:port]); it is ignored.", setting, origin)
        else:
            trusted.add(normal)
    return frozenset(trusted)


@dataclass(frozen=True)
class TrustedOrigins:
    """The pages the gateway serves itself (the staff console, the demo page) and the charity sites that
    embed the widget; survivors' requests may come from either, staff changes only from the first."""

    own: FrozenSet[str]
    sites: FrozenSet[str]

    @property
    def survivor(self) -> FrozenSet[str]:
        return self.own | self.sites

    @classmethod
    def from_settings(cls, settings: Settings) -> "TrustedOrigins":
        if not settings.public_origins and settings.host not in LOOPBACK_HOSTS:
            logger.warning(
                "HAVEN_PUBLIC_ORIGIN is not set: the staff console and demo page only work opened at %s. "
                "Set it to the address people use (e.g. https://chat.example.org).",
                settings.own_origins()[0],
            )
        origins = cls(_trusted(settings.own_origins(), "HAVEN_PUBLIC_ORIGIN"),
                      _trusted(settings.allowed_origins, "HAVEN_ALLOWED_ORIGINS"))
        logger.info("Trusted origins: own pages %s; charity sites %s.", sorted(origins.own), sorted(origins.sites))
        return origins


class ConversationIds:
    """Conversation ids in the protocol's shape (32 lowercase hex characters): 96 random bits, then a keyed
    tag of them. Any gateway with the same secret knows an id it issued from one someone made up."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def new(self) -> str:
        random_part = secrets.token_hex(ID_RANDOM_HEX // 2)
        return random_part + self._tag(random_part)

    def issued(self, conversation: str) -> bool:
        """Whether `conversation` (already checked to be 32 hex characters) was issued with this secret."""
        random_part, tag = conversation[:ID_RANDOM_HEX], conversation[ID_RANDOM_HEX:]
        return hmac.compare_digest(self._tag(random_part), tag)

    def _tag(self, random_part: str) -> str:
        return hmac.new(self._secret, ID_PURPOSE + random_part.encode(), hashlib.sha256).hexdigest()[:ID_TAG_HEX]


def id_secret(configured: str, path: Path = ID_SECRET_FILE) -> bytes:
    """HAVEN_ID_SECRET, or else the secret in `path` (made once), so a restarted gateway, and every gateway on
    this machine, still knows the ids it issued."""
    return server_secret(configured, path, "HAVEN_ID_SECRET")

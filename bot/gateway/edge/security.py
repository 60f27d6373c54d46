"""Headers on every gateway response: nothing cached, nothing leaked, nothing loaded from elsewhere."""

from typing import Dict

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


def headers_for(path: str) -> Dict[str, str]:
    """The security headers for a response to `path`.

    The widget's own script and stylesheet are embedded in charity sites, so only they may be read
    cross-origin; everything else is same-origin.
    """
    resource_policy = "cross-origin" if path.startswith(WIDGET_ASSETS_PREFIX) else "same-origin"
    return {**SECURITY_HEADERS, "Cross-Origin-Resource-Policy": resource_policy}

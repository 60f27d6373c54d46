"""What staff and the audit log hold instead of a conversation id: a keyed hash of it.

A conversation id is the only credential for a survivor's chat: whoever has it can resume the chat. So the
console shows support workers a short reference, and the audit log keeps a longer one, both cut from an
HMAC-SHA256 of the id with a server-side secret: neither can be turned back into the id, nor matched against
a guessed id without the secret. The reference in the console is the start of the one in the audit log, so
a supervisor can find a conversation's entries.

The secret is HAVEN_AUDIT_SECRET, or else the file var/audit-secret, made once with mode 0600 (like
var/rasa-token). Every process that writes the audit log (the gateways, the action server) must have the same.
"""

import functools
import hashlib
import hmac
import logging
import os
from pathlib import Path
from typing import Mapping

from bot.file_modes import server_secret
from bot.settings import ROOT

logger = logging.getLogger(__name__)

KEY_VARIABLE = "HAVEN_AUDIT_SECRET"
KEY_FILE = ROOT / "var" / "audit-secret"
HASH_CHARS = 32
"""What the audit log keeps: 128 bits of the HMAC, as hex (the width of a conversation id)."""
REFERENCE_CHARS = 8
"""What the console shows: enough to tell a shift's conversations apart."""


def load_key(env: Mapping[str, str], path: Path) -> bytes:
    """The secret from `env`, or else from the file at `path`, made if it doesn't exist yet."""
    return server_secret(env.get(KEY_VARIABLE, ""), path, KEY_VARIABLE)


@functools.lru_cache(maxsize=1)
def server_key() -> bytes:
    """This process's secret, read once."""
    return load_key(os.environ, KEY_FILE)


def conversation_hash(conversation: str) -> str:
    """What the audit log keeps of a conversation id."""
    return hmac.new(server_key(), conversation.encode("utf-8"), hashlib.sha256).hexdigest()[:HASH_CHARS]


def reference(conversation: str) -> str:
    """What the console shows of a conversation id."""
    return conversation_hash(conversation)[:REFERENCE_CHARS]

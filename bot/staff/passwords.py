"""What a new staff password must be: long enough, and not one that attackers try first.

Length alone let `password1234` through. A password is also refused when it (or it without the digits and
symbols people add at either end, or without its spaces) is in the list of common passwords shipped in
data/passwords/ (from breach corpora; source and licence in its README), when it has hardly any different
characters (`aaaaaaaaaaaa`, `121212121212`), or when it contains the account's username (of 4 characters or
more: a 3-letter one turns up inside ordinary words).
"""

import functools
import gzip
import logging
import string
from typing import FrozenSet, Optional, Set

from bot.settings import ROOT

logger = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 200
MIN_DISTINCT_CHARS = 5
MIN_BASE_CHARS = 4
"""A common word with digits or symbols added counts as common only from this length ("a" + 12 digits doesn't);
so does a username inside a password."""
COMMON_PASSWORDS = ROOT / "data" / "passwords" / "common-passwords.txt.gz"
PADDING = string.digits + string.punctuation + string.whitespace
"""What people add at either end of a common word to pass a length rule."""


@functools.lru_cache(maxsize=1)
def common_passwords() -> FrozenSet[str]:
    """The shipped list, lowercased, read once per process (about 20,000 entries)."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _variants(password: str) -> Set[str]:
    """The password as an attacker's list would spell it: lowercased, without added padding, without spaces."""
    lowered = password.lower()
    variants = {lowered, lowered.replace(" ", "")}
    base = lowered.strip(PADDING)
    if len(base) >= MIN_BASE_CHARS:
        variants.add(base)
    return variants


def password_problem(password: str, username: str = "") -> Optional[str]:
    """Why `password` can't be used, in words for the person choosing it; None if it can."""
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        return f"The password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long."
    if len(set(password)) < MIN_DISTINCT_CHARS:
        return "The password repeats too few characters: use a few unrelated words instead."
    if len(username) >= MIN_BASE_CHARS and username.lower() in password.lower():
        return "The password must not contain the username."
    if _variants(password) & common_passwords():
        return ("That password is one of the most common ones, which attackers try first: "
                "use a few unrelated words instead.")
    return None

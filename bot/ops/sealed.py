"""Encrypted backup files: authenticated encryption (AES-256-GCM) in chunks, so a database of any size is
encrypted as it streams and is never written to disk in the clear.

A file is: MAGIC, the header's length (4 bytes) and the header (JSON: which database, when, a random salt,
the key's id, the chunk size), then chunks, each its length (4 bytes) and its ciphertext. Each file has its
own key, derived from the charity's key and the file's salt (HKDF-SHA256), and each chunk's nonce is its
number and whether it is the last one; the whole header is authenticated with every chunk. So a changed
byte, a changed header, chunks in another order, a missing end or a different key are all detected, and
no chunk is used before it has been checked.

The key id (an HMAC of a fixed text under the key) tells "another key" from "a damaged file" without
revealing anything about the key.
"""

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Dict, Iterable, Iterator, Mapping, Optional, Tuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.ops.errors import OpsError

logger = logging.getLogger(__name__)

KEY_VARIABLE = "HAVEN_BACKUP_KEY"
KEY_BYTES = 32
MAGIC = b"HAVEN-BACKUP-1\n"
LENGTH = struct.Struct(">I")
MAX_HEADER_BYTES = 4096
CHUNK_BYTES = 1 << 20
TAG_BYTES = 16
SALT_BYTES = 16
FILE_KEY_INFO = b"haven backup file key v1"
KEY_ID_TEXT = b"haven backup key id"
DATABASES = ("sqlite", "postgresql")
MAKE_A_KEY = "python -m bot.ops backup-key --out FILE"
OTHERS_MAY_READ = 0o004


def new_key() -> str:
    """A new random key, as the charity writes it down: 44 letters, digits, '-' and '_'."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def parse_key(text: str, where: str) -> bytes:
    """The key written in `text` (read from `where`), or a plain explanation of why it isn't one."""
    try:
        key = base64.b64decode(text.strip(), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise OpsError(
            f"{where} doesn't hold a backup key. A key is 44 letters, digits, '-' and '_', made by "
            f"`{MAKE_A_KEY}`. Nothing was done."
        )
    return key


def write_new_key(path: Path) -> None:
    """Writes a new key to `path`, readable by this account only. Never replaces a key: backups made with
    the old one could no longer be read."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise OpsError(
            f"{path} already exists, and a key is never overwritten: the backups made with it could no longer "
            "be read. Choose another file name."
        ) from None
    except OSError as error:
        raise OpsError(f"The key can't be written to {path} ({error.strerror}).") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(new_key() + "\n")


def load_key(key_file: Optional[Path], env: Mapping[str, str]) -> bytes:
    """The charity's key: from `key_file` if given, else from HAVEN_BACKUP_KEY."""
    if key_file is not None:
        return parse_key(_read_key_file(key_file), str(key_file))
    if env.get(KEY_VARIABLE, "").strip():
        return parse_key(env[KEY_VARIABLE], KEY_VARIABLE)
    raise OpsError(
        f"There is no backup key: set {KEY_VARIABLE} or give --key-file. Make one once with `{MAKE_A_KEY}` "
        "and keep a copy in the charity's password manager: without it no backup can be read. Nothing was done."
    )


def _read_key_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        raise OpsError(f"There is no key file at {path}. Nothing was done.") from None
    except OSError as error:
        raise OpsError(f"The key file {path} can't be read ({error.strerror}). Nothing was done.") from None
    if path.stat().st_mode & OTHERS_MAY_READ:
        logger.warning("The key file %s can be read by every account on this machine: chmod 600 %s", path, path)
    return text


def key_id(key: bytes) -> str:
    """Names the key without revealing it, so a restore can tell "another key" from "damaged"."""
    return hmac.new(key, KEY_ID_TEXT, hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Header:
    """What a backup file says about itself, in the clear but authenticated."""

    database: str
    created: str
    salt: bytes
    key_id: str
    chunk_bytes: int

    def encode(self) -> bytes:
        fields = {"format": 1, "database": self.database, "created": self.created, "salt": self.salt.hex(),
                  "key_id": self.key_id, "chunk_bytes": self.chunk_bytes}
        return json.dumps(fields, sort_keys=True).encode("utf-8")

    @classmethod
    def decode(cls, raw: bytes) -> "Header":
        fields: Dict[str, Any] = json.loads(raw.decode("utf-8"))
        header = cls(fields["database"], str(fields["created"]), bytes.fromhex(fields["salt"]),
                     str(fields["key_id"]), int(fields["chunk_bytes"]))
        if fields["format"] != 1 or header.database not in DATABASES or not 0 < header.chunk_bytes <= CHUNK_BYTES:
            raise ValueError("not a header this version of Haven can read")
        return header


def _prefix(header: Header) -> bytes:
    encoded = header.encode()
    return MAGIC + LENGTH.pack(len(encoded)) + encoded


def _cipher(key: bytes, salt: bytes) -> AESGCM:
    return AESGCM(HKDF(hashes.SHA256(), KEY_BYTES, salt, FILE_KEY_INFO).derive(key))


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def encrypt(pieces: Iterable[bytes], out: BinaryIO, key: bytes, database: str,
            chunk_bytes: int = CHUNK_BYTES) -> Header:
    """Writes `pieces` (a database's backup, streamed) to `out`, encrypted; returns the file's header."""
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    header = Header(database, created, secrets.token_bytes(SALT_BYTES), key_id(key), chunk_bytes)
    prefix = _prefix(header)
    cipher = _cipher(key, header.salt)
    out.write(prefix)
    buffer = bytearray()
    number = 0
    for piece in pieces:
        buffer += piece
        while len(buffer) >= chunk_bytes:
            _write_chunk(out, cipher.encrypt(_nonce(number, False), bytes(buffer[:chunk_bytes]), prefix))
            del buffer[:chunk_bytes]
            number += 1
    _write_chunk(out, cipher.encrypt(_nonce(number, True), bytes(buffer), prefix))
    return header


def _write_chunk(out: BinaryIO, sealed: bytes) -> None:
    out.write(LENGTH.pack(len(sealed)))
    out.write(sealed)


def open_backup(source: BinaryIO, key: bytes, name: str) -> Tuple[Header, Iterator[bytes]]:
    """The header of the backup `source` (named `name` in messages), checked to be for `key`, and its
    content, decrypted one checked chunk at a time as it is read."""
    if source.read(len(MAGIC)) != MAGIC:
        raise OpsError(f"{name} isn't a Haven backup (made by `python -m bot.ops backup`). Nothing was restored.")
    raw = _read_exactly(source, _read_length(source, name, MAX_HEADER_BYTES), name)
    try:
        header = Header.decode(raw)
    except (ValueError, KeyError, TypeError):
        raise OpsError(f"{name} is damaged: its header can't be read. Nothing was restored.") from None
    if not hmac.compare_digest(header.key_id, key_id(key)):
        raise OpsError(
            f"{name} was made with a different backup key. Check {KEY_VARIABLE} or --key-file: it must be the key "
            "that was in use when the backup was made. Nothing was restored."
        )
    prefix = MAGIC + LENGTH.pack(len(raw)) + raw
    return header, _chunks(source, _cipher(key, header.salt), prefix, header.chunk_bytes + TAG_BYTES, name)


def _chunks(source: BinaryIO, cipher: AESGCM, prefix: bytes, most: int, name: str) -> Iterator[bytes]:
    number = 0
    while True:
        sealed = _read_exactly(source, _read_length(source, name, most), name)
        last = _open_chunk(cipher, number, sealed, prefix, name)
        yield last[1]
        if last[0]:
            break
        number += 1
    if source.read(1):
        raise OpsError(f"{name} is damaged: it has data after its end. Nothing was restored.")


def _open_chunk(cipher: AESGCM, number: int, sealed: bytes, prefix: bytes, name: str) -> Tuple[bool, bytes]:
    """(whether it is the last chunk, its content); a chunk that fails its check as either is damaged."""
    for last in (False, True):
        try:
            return last, cipher.decrypt(_nonce(number, last), sealed, prefix)
        except InvalidTag:
            continue
    raise OpsError(
        f"{name} is damaged: part {number + 1} of it fails its integrity check (it was changed or corrupted "
        "after it was made). Nothing was restored. Try another copy of the backup."
    )


def _read_length(source: BinaryIO, name: str, most: int) -> int:
    raw = _read_exactly(source, LENGTH.size, name)
    length = int(LENGTH.unpack(raw)[0])
    if length > most:
        raise OpsError(f"{name} is damaged: a part of it has an impossible length. Nothing was restored.")
    return length


def _read_exactly(source: BinaryIO, size: int, name: str) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise OpsError(
            f"{name} is incomplete: it ends before the backup does (was it copied in full?). Nothing was restored."
        )
    return data

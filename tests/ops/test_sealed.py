"""The encrypted backup format: what goes in comes out, under the right key only, and any change to the file
(a byte, the header, the order of its parts, its end) is refused with a plain message before it is used."""

import io
import json
import stat
from pathlib import Path
from typing import List, Tuple

import pytest

from bot.ops.errors import OpsError
from bot.ops.sealed import (
    KEY_VARIABLE,
    LENGTH,
    MAGIC,
    encrypt,
    load_key,
    new_key,
    open_backup,
    parse_key,
    write_new_key,
)

KEY = parse_key(new_key(), "test")
SMALL_CHUNKS = 64
CONTENT = bytes(range(256)) * 3  # 12 chunks of 64 bytes, and an empty last one


def sealed(content: bytes = CONTENT, key: bytes = KEY, chunk_bytes: int = SMALL_CHUNKS) -> bytes:
    out = io.BytesIO()
    encrypt([content[:100], content[100:]], out, key, "sqlite", chunk_bytes)
    return out.getvalue()


def opened(data: bytes, key: bytes = KEY) -> bytes:
    _, content = open_backup(io.BytesIO(data), key, "haven.backup")
    return b"".join(content)


def parts(data: bytes) -> Tuple[bytes, List[bytes]]:
    """The file's prefix (magic and header) and each sealed part with its length."""
    header_end = len(MAGIC) + LENGTH.size + LENGTH.unpack(data[len(MAGIC):len(MAGIC) + LENGTH.size])[0]
    chunks, position = [], header_end
    while position < len(data):
        size = LENGTH.unpack(data[position:position + LENGTH.size])[0]
        chunks.append(data[position:position + LENGTH.size + size])
        position += LENGTH.size + size
    return data[:header_end], chunks


@pytest.mark.parametrize("content", [CONTENT, b"", b"x" * SMALL_CHUNKS, b"one short piece"])
def test_what_goes_in_comes_out_whatever_its_size(content: bytes) -> None:
    assert opened(sealed(content)) == content


def test_the_header_says_which_database_and_the_same_content_never_encrypts_the_same() -> None:
    data = sealed()
    header, _ = open_backup(io.BytesIO(data), KEY, "haven.backup")
    assert header.database == "sqlite" and header.chunk_bytes == SMALL_CHUNKS
    assert parts(data)[1] != parts(sealed())[1], "each file has its own salt, so its own key"
    assert CONTENT[:32] not in data


def _refused(data: bytes, reason: str, key: bytes = KEY) -> None:
    with pytest.raises(OpsError, match=reason) as refused:
        opened(data, key)
    assert "Nothing was restored" in str(refused.value)


def test_another_key_is_named_as_such() -> None:
    _refused(sealed(), "haven.backup was made with a different backup key", parse_key(new_key(), "other"))


def test_a_changed_byte_anywhere_in_the_content_is_refused() -> None:
    data = bytearray(sealed())
    data[-5] ^= 0x01
    _refused(bytes(data), r"is damaged: part 13 of it fails its integrity check")


def test_a_changed_header_is_refused() -> None:
    data = sealed()
    prefix, chunks = parts(data)
    fields = json.loads(prefix[len(MAGIC) + LENGTH.size:])
    fields["created"] = "2020-01-01T00:00:00+00:00"
    forged = json.dumps(fields, sort_keys=True).encode()
    _refused(MAGIC + LENGTH.pack(len(forged)) + forged + b"".join(chunks), "part 1 of it fails its integrity check")
    _refused(MAGIC + LENGTH.pack(9) + b"not json!" + b"".join(chunks), "its header can't be read")


def test_parts_in_another_order_are_refused() -> None:
    prefix, chunks = parts(sealed())
    swapped = [chunks[1], chunks[0], *chunks[2:]]
    _refused(prefix + b"".join(swapped), "part 1 of it fails its integrity check")


def test_a_file_cut_short_or_with_its_last_part_missing_is_incomplete() -> None:
    data = sealed()
    prefix, chunks = parts(data)
    _refused(prefix + b"".join(chunks[:-1]), "is incomplete: it ends before the backup does")
    _refused(data[:-7], "is incomplete")


def test_data_after_the_end_is_refused() -> None:
    _refused(sealed() + b"extra", "has data after its end")


def test_anything_else_is_not_a_haven_backup() -> None:
    _refused(b"SQLite format 3\x00" + bytes(100), r"isn't a Haven backup \(made by `python -m bot.ops backup`\)")
    _refused(b"", "isn't a Haven backup")


@pytest.mark.parametrize("text", ["", "short", new_key()[:-4], new_key() + "AAAA", "!" * 44, "a b c"])
def test_what_is_not_a_key_is_refused_plainly(text: str) -> None:
    with pytest.raises(OpsError, match=r"HAVEN_BACKUP_KEY doesn't hold a backup key\. A key is 44 letters"):
        parse_key(text, KEY_VARIABLE)


def test_a_key_file_is_written_once_for_this_account_only(tmp_path: Path) -> None:
    path = tmp_path / "backup.key"
    write_new_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_text()
    with pytest.raises(OpsError, match="a key is never overwritten"):
        write_new_key(path)
    assert path.read_text() == written
    assert load_key(path, {KEY_VARIABLE: new_key()}) == parse_key(written, "file"), "the file given wins"


def test_the_key_comes_from_the_environment_or_its_absence_is_explained(tmp_path: Path) -> None:
    key = new_key()
    assert load_key(None, {KEY_VARIABLE: f"  {key}\n"}) == parse_key(key, "test")
    with pytest.raises(OpsError, match="There is no backup key: set HAVEN_BACKUP_KEY or give --key-file"):
        load_key(None, {})
    with pytest.raises(OpsError, match="There is no key file at"):
        load_key(tmp_path / "missing.key", {})


def test_a_key_file_others_can_read_is_used_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "backup.key"
    path.write_text(new_key())
    path.chmod(0o644)
    assert len(load_key(path, {})) == 32
    assert f"can be read by every account on this machine: chmod 600 {path}" in caplog.text

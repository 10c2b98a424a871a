"""Reading landing files as text without losing a byte: undecodable bytes are found per row, not per file."""

from __future__ import annotations

import re
from pathlib import Path

from warehouse.loaders.batch import UnusableFile

_UNDECODABLE = re.compile("[\\udc80-\\udcff]")


def decode(path: Path) -> str:
    """The file as text; undecodable bytes are kept as surrogates (`surrogateescape`), found per row later."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnusableFile(path, f"unreadable: {error.strerror or error}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "surrogateescape")


def undecodable(text: str) -> str | None:
    """'invalid UTF-8: byte 0xe9 at column 6' for the first undecodable byte of a row, or None."""
    match = _UNDECODABLE.search(text)
    if match is None:
        return None
    byte = ord(match.group()) - 0xDC00
    return f"not valid UTF-8: byte 0x{byte:02x} at column {match.start() + 1}"


def encodable(value: str | None) -> bool:
    if value is None:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

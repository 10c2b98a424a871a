"""The three number forms of staking amounts (unsigned 128-bit integers, 18 decimals)."""

from __future__ import annotations

import re

U64_LIMIT = 2**64
U128_LIMIT = 2**128
TOKEN = 10**18

# below 2^64: mostly a JSON number, sometimes a string form; from 2^64 on: always a string form
NUMBER_SHARE = 0.82
COMMA_SHARE_SMALL = 0.12
COMMA_SHARE_LARGE = 0.6


def encode_amount(value: int, u: float) -> int | str:
    """The wire form of ``value`` chosen by the uniform draw ``u``: JSON number, ``"1,234"`` or ``"0x4d2"``."""
    if not 0 <= value < U128_LIMIT:
        raise ValueError(f"amount out of u128 range: {value}")
    if value < U64_LIMIT:
        if u < NUMBER_SHARE:
            return value
        return f"{value:,}" if u < NUMBER_SHARE + COMMA_SHARE_SMALL else hex(value)
    return f"{value:,}" if u < COMMA_SHARE_LARGE else hex(value)


_COMMA = re.compile(r"^\d{1,3}(,\d{3})*$")
_HEX = re.compile(r"^0[xX][0-9a-fA-F]+$")


def decode_amount(raw: int | str) -> int:
    """The exact integer back from any of the three forms (raises ``ValueError`` otherwise)."""
    if isinstance(raw, bool):
        raise ValueError("booleans are not amounts")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _HEX.match(raw):
        value = int(raw, 16)
    elif isinstance(raw, str) and (_COMMA.match(raw) or raw.isdigit()):
        value = int(raw.replace(",", ""))
    else:
        raise ValueError(f"not an amount: {raw!r}")
    if not 0 <= value < U128_LIMIT:
        raise ValueError(f"amount out of u128 range: {raw!r}")
    return value

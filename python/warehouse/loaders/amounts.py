"""Exact unsigned 128-bit amounts from the three landing forms (staking.md)."""

from __future__ import annotations

import re

U128_MAX = 2**128 - 1

_DECIMAL = re.compile(r"\d+|\d{1,3}(?:,\d{3})+")
_HEX = re.compile(r"0[xX][0-9a-fA-F]{1,32}")


class AmountError(ValueError):
    """A value that is not an unsigned 128-bit amount in any accepted form."""


def parse_u128(value: object) -> int:
    """A JSON number (integral), a decimal string with optional thousands commas, or a 0x hex string.

    Raises AmountError for anything else: floats, signs, blanks, malformed grouping, values ≥ 2^128.
    """
    if isinstance(value, bool):
        raise AmountError(f"not an amount: {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if _DECIMAL.fullmatch(text):
            number = int(text.replace(",", ""))
        elif _HEX.fullmatch(text):
            number = int(text, 16)
        else:
            raise AmountError(f"not a number in any accepted form: {value!r}")
    else:
        raise AmountError(f"not an integer amount: {value!r}")
    if number < 0 or number > U128_MAX:
        raise AmountError(f"outside the unsigned 128-bit range: {value!r}")
    return number

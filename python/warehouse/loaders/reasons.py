"""Every reason a row can be rejected (`raw.rejects.reason_code`), what it means and what to do about it.

`reason` in `raw.rejects` is the detailed message for one row; `reason_code` is one of the codes below.
The loaders README and `warehouse status` print this catalog.
"""

from __future__ import annotations

#: code -> (what it means, what to do about it)
REASONS: dict[str, tuple[str, str]] = {
    "malformed_row": (
        "the row cannot be parsed: a CSV line with the wrong number of fields, an unterminated or stray quote, "
        "a truncated last line; a JSON line or document that is not valid JSON, not an object, or has "
        "unexpected fields",
        "repair the line in the file (raw_text holds it, position its line) and load the file again",
    ),
    "invalid_utf8": (
        "the row holds bytes that are not UTF-8 (a latin-1 export, for example); raw_text shows them as \\xNN",
        "re-export the file as UTF-8 (iconv -f latin1 -t utf-8) and load it again",
    ),
    "nul_byte": (
        "a value holds a NUL character (\\x00), which PostgreSQL cannot store; rejected on every engine",
        "remove the NUL characters at the source and load the file again",
    ),
    "missing_value": (
        "a required value (a key, a timestamp, an identity field) is empty",
        "fill in the value at the source; rows without their key cannot be matched later",
    ),
    "unparseable_value": (
        "a timestamp, number or amount does not parse (nothing is coerced to a default)",
        "fix the value (ISO-8601 timestamps, plain decimal numbers) and load the file again",
    ),
    "out_of_range": (
        "a number outside the range the contract allows (a slider value above 100, an amount above 2^128-1)",
        "check the producer of the data; the contract's limits are in the sources YAML",
    ),
    "unknown_value": (
        "a value outside the accepted values of its column (a vote_type, an action, a status, a role)",
        "fix the value, or add it to the column's `values` in the sources YAML if it is a new legitimate one",
    ),
    "rule_violation": (
        "the row breaks a rule across columns (nft_a equals nft_b, the winner is not in the pair)",
        "fix the row at the source",
    ),
    "timestamp_out_of_range": (
        "a timestamp outside the plausible window: before `landing_min_timestamp` (default 2015-01-01), after "
        "the load time plus `landing_max_clock_skew_minutes` (default 10), or `infinity`",
        "fix the clock or the value at the source; for a replay of old data set WAREHOUSE_LANDING_MIN_TIMESTAMP, "
        "for data stamped ahead of this machine's clock set WAREHOUSE_LANDING_REFERENCE_AT",
    ),
    "conflicting_duplicate": (
        "a row with a key that has already landed (or appears earlier in the load) with different content; "
        "the first version is kept and raw_text holds the new one",
        "find out which version is right; an event never changes once sent, so a producer re-using ids needs "
        "fixing. To replace the landed row, remove it from raw and load the corrected file",
    ),
    "invalid_document": (
        "a document (epoch, roster snapshot) misses an identity field or has a field of the wrong type",
        "fix the document at the source and load the file again",
    ),
    "invalid_member": (
        "a roster member without a tag, with a field of the wrong type, an unknown role or a repeated tag; "
        "the rest of the snapshot lands and the member keeps its last good state",
        "fix the member at the source; the next good snapshot brings the member up to date",
    ),
}


def explain(code: str) -> tuple[str, str]:
    """(meaning, what to do) of a reason code; an unknown code gets a generic answer."""
    return REASONS.get(code, ("a row-level problem", "look at raw.rejects for the row and its reason"))

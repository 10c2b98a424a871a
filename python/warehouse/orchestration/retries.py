"""Retries with backoff, for transient failures only: the warehouse held by another writer, a DuckDB file
lock, a dropped or refused database connection. Anything else fails the step at once (retrying a failed
data test or a bad file would only repeat it)."""

import dagster as dg

from warehouse.locking import WarehouseBusy

MAX_RETRIES = 3
#: Seconds before the first retry; doubled before each further one (5 s, 10 s, 20 s).
FIRST_DELAY_SECONDS = 5

TRANSIENT_SIGNS = (
    "another build holds the warehouse",
    "could not set lock",
    "conflicting lock",
    "could not connect to server",
    "connection refused",
    "server closed the connection",
    "terminating connection",
    "connection timed out",
    "connection to server",
    "ssl syscall error",
)


def is_transient(error: BaseException | str | None) -> bool:
    if isinstance(error, WarehouseBusy):
        return True
    text = str(error or "").lower()
    return any(sign in text for sign in TRANSIENT_SIGNS)


def retry_if_transient(context: dg.OpExecutionContext, error: BaseException | str | None) -> None:
    """Asks Dagster to run the step again after a backoff when `error` is transient; returns otherwise."""
    if not is_transient(error):
        return
    wait = FIRST_DELAY_SECONDS * 2**context.retry_number
    context.log.warning(f"transient failure, retrying in {wait} s ({context.retry_number + 1}/{MAX_RETRIES}): {error}")
    raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait)

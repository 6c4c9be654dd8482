"""How a failed database write is read: retry it, stop the crawl, or record the one page as failed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT = "transient"  # another writer holds the lock, the connection dropped: the same write may pass soon
FATAL = "fatal"  # the database takes no more writes (disk full, read-only): every later write fails too
PAGE = "page"  # this page's data was refused (a constraint, a value the database rejects)

_TRANSIENT_TEXT = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "could not serialize access",
    "deadlock detected",
    "server closed the connection",
    "connection refused",
    "terminating connection",
    "connection is closed",
    "consuming input failed",
    "the connection is lost",
)
_FATAL_TEXT = (
    "database or disk is full",
    "disk i/o error",
    "no space left on device",
    "file too large",
    "readonly database",
    "read-only",
    "read only",
    "unable to open database file",
    "could not extend file",
    "disk quota exceeded",
)


def classify(error: BaseException) -> str:
    text = str(error).lower()
    if any(marker in text for marker in _FATAL_TEXT) or isinstance(error, OSError):
        return FATAL
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return TRANSIENT
    if any(marker in text for marker in _TRANSIENT_TEXT):
        return TRANSIENT
    return PAGE


class WriteFailed(Exception):
    """A write that failed for good: `kind` is FATAL or PAGE, `error` the last error."""

    def __init__(self, kind: str, error: BaseException) -> None:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        super().__init__(f"{type(error).__name__}: {first_line}")
        self.kind = kind
        self.error = error


def with_retries(write: Callable[..., T], *args: object, budget: float = 120.0, first_wait: float = 0.25) -> T:
    """Run `write` (one transaction of its own); retry it with backoff while its errors are transient, for up to
    `budget` seconds of waiting. Raises WriteFailed when it fails for good."""
    wait, waited = first_wait, 0.0
    while True:
        try:
            return write(*args)
        except Exception as error:
            kind = classify(error)
            if kind != TRANSIENT or waited + wait > budget:
                raise WriteFailed(kind, error) from error
            log.warning("write failed (%s), retrying in %.1f s", WriteFailed(kind, error), wait)
            time.sleep(wait)  # on a store thread, never the crawl's loop
            waited += wait
            wait = min(wait * 2, 15.0)

"""A time limit on a read: SQLite stops it from a progress handler, PostgreSQL by statement_timeout (set before each
statement to the time the block has left, so several statements share one limit).

A search, trend, facet or context query that runs past the limit is cut and raises TimeLimitExceeded (a
QueryError, so every caller that shows a bad query's message shows this one too), and the one request or command
that asked pays for it instead of every other user.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from db.types import connection_of
from ground.query import QueryError

if TYPE_CHECKING:
    from db.types import Reader

DEFAULT_SECONDS = 2.0
# SQLite calls the handler every this many virtual-machine instructions (about a millisecond's work).
STEPS = 10_000


class TimeLimitExceeded(QueryError):
    """The query ran longer than its time limit and was stopped."""


def default_seconds() -> float:
    """NEWSMON_QUERY_TIMEOUT (seconds) if set, else 2 s; 0 means no limit."""
    value = os.environ.get("NEWSMON_QUERY_TIMEOUT", "")
    try:
        return float(value) if value else DEFAULT_SECONDS
    except ValueError as error:
        raise QueryError(f"NEWSMON_QUERY_TIMEOUT must be a number of seconds, not {value!r}") from error


_DEADLINE = "newsmon_deadline"  # session.info key: (deadline on time.monotonic(), the limit in seconds)


def check(session: Reader) -> None:
    """Raise TimeLimitExceeded if the session's time limit has passed: for work done in Python between
    statements (reading bodies or rows a batch at a time), where neither SQLite's progress handler nor PostgreSQL's
    statement_timeout runs. Outside a time limit it does nothing."""
    kept = session.info.get(_DEADLINE)
    if kept is not None and time.monotonic() > kept[0]:
        raise TimeLimitExceeded(_message(kept[1]))


def seconds_left(session: Reader) -> float | None:
    """Seconds the session's time limit has left (0 once past it), or None outside a time limit."""
    kept = session.info.get(_DEADLINE)
    return None if kept is None else max(0.0, kept[0] - time.monotonic())


def _message(seconds: float) -> str:
    return (
        f"this query took longer than its time limit ({seconds:g} s) and was stopped: narrow it (a longer phrase, "
        "fewer OR branches, a site or a date range)"
    )


@contextmanager
def time_limit(session: Reader, seconds: float | None = None) -> Iterator[None]:
    """Every statement the session runs inside the block together stops after `seconds` (None: the default;
    0: no limit), raising TimeLimitExceeded."""
    seconds = default_seconds() if seconds is None else seconds
    if seconds <= 0:
        yield
        return
    connection = connection_of(session)
    deadline = time.monotonic() + seconds
    outer = session.info.get(_DEADLINE)
    session.info[_DEADLINE] = (deadline, seconds)
    postgresql = connection.dialect.name == "postgresql"

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        """Before each statement: none starts past the deadline; on PostgreSQL, statement_timeout is set to the
        time the block has left."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeLimitExceeded(_message(seconds))
        if postgresql:  # on the connection: a server-side cursor (rows read a batch at a time) takes no SET
            cursor.connection.execute(f"SET LOCAL statement_timeout = {max(1, int(left * 1000))}")

    event.listen(connection, "before_cursor_execute", before)
    raw: Any = None if postgresql else connection.connection.driver_connection
    if raw is not None:  # SQLite: a long statement is interrupted from its progress handler
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), STEPS)
    try:
        yield
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == "57014" or "interrupted" in str(error.orig):
            raise TimeLimitExceeded(_message(seconds)) from error
        raise
    finally:
        if outer is None:
            session.info.pop(_DEADLINE, None)
        else:
            session.info[_DEADLINE] = outer
        event.remove(connection, "before_cursor_execute", before)
        if raw is not None:
            raw.set_progress_handler(None, 0)

"""The dashboard's answers kept until the database changes.

A search, trend or context page computed for one analyst is handed to the next who asks the same thing, as long
as nothing was written to the database in between. What "written" means is asked of the database on every
request, at a cost of microseconds:

- SQLite: `PRAGMA data_version` on a connection kept for the purpose, which changes whenever any other
  connection, in this process or another (a crawl, `newsmon db`, a script), commits to the file;
- PostgreSQL: `pg_current_snapshot()`, which changes whenever a transaction anywhere in the cluster is given a
  transaction id (its first write) or ends one (so some answers are dropped that were still right, none is kept
  that is wrong); unlike the WAL position it does not move with checkpoints, vacuum or the pruning of pages.

An answer is filed under the change mark read before it was computed, so a write that commits while it is being
computed makes it stale at once. Requests for an answer being computed wait for it instead of computing it again
(one query per question, however many analysts ask at once); if it fails or is cut by the time limit, each
waiter gets the same error and nothing is kept. At most `size` answers are kept, the least recently used
dropped first; `size` 0 keeps none.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine

T = TypeVar("T")


class ChangeMark:
    """What the database says of its last write: equal marks, no write in between."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._sqlite: Any = None  # the DB-API connection kept for PRAGMA data_version

    def read(self) -> Hashable:
        with self._lock:
            if self._engine.dialect.name == "postgresql":
                with self._engine.connect() as connection:
                    return str(connection.exec_driver_sql("SELECT pg_current_snapshot()").scalar())
            if self._sqlite is None:
                # Kept out of the pool: its data_version counts the commits of every other connection.
                self._sqlite = self._engine.raw_connection()
            cursor = self._sqlite.cursor()
            try:
                cursor.execute("PRAGMA data_version")
                return int(cursor.fetchone()[0])
            finally:
                cursor.close()

    def close(self) -> None:
        with self._lock:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class Answers:
    """Answers by question, each valid while the database's change mark stays what it was when computed."""

    def __init__(self, engine: Engine, size: int) -> None:
        self.size = size
        self._mark = ChangeMark(engine)
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._pending: dict[tuple[Hashable, Hashable], _Pending] = {}
        self.hits = 0
        self.misses = 0

    def mark(self) -> Hashable:
        """The database's change mark now."""
        return self._mark.read()

    def get(self, question: Hashable, compute: Callable[[], T]) -> T:
        """The answer to `question`: kept if the database has not changed since, else `compute()` (once, however
        many ask meanwhile). The caller gets its own copy, free to change."""
        if self.size <= 0:
            return compute()
        mark = self.mark()
        with self._lock:
            kept = self._kept.get(question)
            if kept is not None and kept[0] == mark:
                self._kept.move_to_end(question)
                self.hits += 1
                return copy.deepcopy(kept[1])
            pending = self._pending.get((question, mark))
            leader = pending is None
            if pending is None:
                pending = self._pending[(question, mark)] = _Pending()
            self.misses += 1
        if not leader:
            pending.done.wait()
            if pending.error is not None:
                raise pending.error
            return copy.deepcopy(pending.value)
        try:
            value = compute()
        except BaseException as error:
            pending.error = error
            raise
        else:
            pending.value = value
            with self._lock:
                self._kept[question] = (mark, value)
                self._kept.move_to_end(question)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
            return copy.deepcopy(value)
        finally:
            with self._lock:
                self._pending.pop((question, mark), None)
            pending.done.set()

    def close(self) -> None:
        self._mark.close()

"""Opening the database for a command: read commands open it read-only, write commands migrate it first;
only `newsmon init` creates one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cli.output import fail

if TYPE_CHECKING:
    from db.engine import Database


@contextlib.contextmanager
def reading(db: str | None) -> Iterator[Database]:
    """The database opened read-only: nothing is migrated, seeded or written, and a read-only file will do."""
    from db.engine import open_read_only

    with _opening(db):
        database = open_read_only(db)
    try:
        yield database
    finally:
        database.dispose()


@contextlib.contextmanager
def writing(db: str | None, *, create: bool = False) -> Iterator[Database]:
    """The database migrated to head with the registry and seed in place; created only when `create`."""
    from pipelines.seed import open_database

    with _opening(db):
        database = open_database(db, create=create)
    try:
        yield database
    finally:
        database.dispose()


def require_newsmon_database(db: str | None) -> None:
    """Refuse, as opening would, a database that does not exist or that newsmon never created; any revision
    is accepted (for `db upgrade`)."""
    from db.engine import DatabaseUnusable, current_revision, database_url, make_read_only_engine, require_existing

    with _opening(db):
        url = database_url(db)
        require_existing(url)
        engine = make_read_only_engine(url)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
        if revision is None:
            raise DatabaseUnusable(f"{_shown(url)} is not a newsmon database: create it with `newsmon init`")


@contextlib.contextmanager
def _opening(db: str | None) -> Iterator[None]:
    """A database that cannot be opened is a one-line error: exit 2 for what the user named wrongly (a missing
    file, not a newsmon database, another revision, a malformed URL), 1 for anything else (a server down)."""
    from sqlalchemy.exc import ArgumentError

    from db.engine import DatabaseUnusable, database_url

    try:
        yield
    except (DatabaseUnusable, ArgumentError) as error:
        fail(str(error), code=2)
    except Exception as error:
        fail(f"cannot open database {_shown(database_url(db))}: {type(error).__name__}: {error}")


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(the URL given)"

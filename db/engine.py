"""The one engine/session factory: resolves the database URL, tunes SQLite, opens for reading or for writing.

Opening reads the schema revision from the `alembic_version` table and compares it with HEAD_REVISION, so no
migration script (nor Alembic) is imported unless a migration actually runs.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url

from ground.settings import setting

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration in db/migrations/versions; tests/test_cli_startup.py checks it against Alembic's head.
HEAD_REVISION = "0015"


class DatabaseUnusable(RuntimeError):
    """A database newsmon will not open as asked: missing, not a newsmon database, or at another revision."""


def database_url(explicit: str | None = None) -> str:
    """--db wins, then the database.url setting (NEWSMON_DATABASE_URL, newsmon.toml), then ./newsmon.db.

    Plain postgresql:// URLs are read as psycopg 3 (the driver newsmon ships with).
    """
    url = explicit or setting("database.url")
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets analysts read while a crawl writes; busy_timeout waits out a concurrent writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def sqlite_path(url: str) -> Path | None:
    """The file a sqlite:/// URL names (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def require_existing(url: str) -> None:
    """Refuse a SQLite file that does not exist (only `newsmon init` creates one)."""
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise DatabaseUnusable(f"no database at {path}: create it with `newsmon init`")


def make_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if make_url(url).get_backend_name() == "sqlite":
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=_json_text)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=_json_text)


def _json_text(value: Any) -> str:
    """JSON columns as UTF-8 text (不是 \\u escapes), so sqlite3, Datasette and psql show the Chinese."""
    return json.dumps(value, ensure_ascii=False)


def _sqlite_read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=30000")


def make_read_only_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened with mode=ro (so a read-only file or directory is fine and
    the journal mode is left as it is), PostgreSQL sessions in read-only transactions."""
    path = sqlite_path(url)
    if path is None:
        engine = make_engine(url)
        event.listen(engine, "connect", _read_only)
        return engine
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not os.access(path.parent, os.W_OK) and not (wal.exists() and wal.stat().st_size):
        # A WAL database in a directory we cannot write: SQLite cannot create the -shm file readers share, so
        # it reads the file as immutable (nobody can be writing: a writer would need that directory too).
        uri += "&immutable=1"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    engine = create_engine(url, creator=connect, json_serializer=_json_text)
    event.listen(engine, "connect", _sqlite_read_pragmas)
    event.listen(engine, "connect", _read_only)
    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in alembic_version (None for a database newsmon never migrated)."""
    with engine.connect() as connection:
        return revision_of(connection)


def revision_of(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    return HEAD_REVISION


def script_head() -> str | None:
    """The head of the migration scripts as Alembic reads them (imports every script: for tests and upgrades)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` inside one transaction per migration (Alembic's own)."""
    from alembic import command

    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@dataclass
class Database:
    """An open database at head: the engine, ORM sessions for code that writes, Core connections for code that
    only reads (the ORM is imported only when a session is first asked for)."""

    url: str
    engine: Engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """One transaction on a Core connection, for reading code built on db/tables.py."""
        with self.engine.begin() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def open_migrated(url: str | None = None, *, create: bool = True) -> Database:
    """Open the database for writing, migrated to head (pipelines.seed.open_database also seeds it).

    With create=False a database that does not exist (no SQLite file, no newsmon schema) is refused instead of
    created."""
    resolved = database_url(url)
    if not create:
        require_existing(resolved)
    engine = make_engine(resolved)
    revision = current_revision(engine)
    if revision is None and not create:
        engine.dispose()
        raise DatabaseUnusable(f"{_shown(resolved)} is not a newsmon database: create it with `newsmon init`")
    if revision != head_revision():
        log.info("migrating %s to head", engine.url.render_as_string(hide_password=True))
        upgrade(engine)
    return Database(resolved, engine)


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor.execute("PRAGMA query_only=ON")
    else:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()
    cursor.close()


def open_read_only(url: str | None = None) -> Database:
    """Open an existing database for reading only (read commands, the dashboard): no migration, no seed, no
    write of any kind, so the file is left byte for byte as it was and may be read-only."""
    resolved = database_url(url)
    require_existing(resolved)
    engine = make_read_only_engine(resolved)
    revision = current_revision(engine)
    if revision != head_revision():
        engine.dispose()
        if revision is None:
            raise DatabaseUnusable(f"{_shown(resolved)} is not a newsmon database: create it with `newsmon init`")
        raise DatabaseUnusable(
            f"the database is at revision {revision}, not {head_revision()}: run `newsmon db upgrade`"
        )
    return Database(resolved, engine)


def _shown(url: str) -> str:
    path = sqlite_path(url)
    return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)

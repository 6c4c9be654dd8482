"""The one engine/session factory: resolves the database URL, tunes SQLite, and migrates to head on open."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from db import fts

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///newsmon.db"
ENV_VAR = "NEWSMON_DATABASE_URL"
MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(explicit: str | None = None) -> str:
    """--db wins, then NEWSMON_DATABASE_URL, then newsmon.db in the working directory.

    Plain postgresql:// URLs are read as psycopg 3 (the driver newsmon ships with).
    """
    url = explicit or os.environ.get(ENV_VAR) or DEFAULT_URL
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
    # The full-text triggers (migration 0005) call this to tokenise titles and bodies.
    dbapi_connection.create_function(fts.SQL_FUNCTION, 1, fts.bigram_text, deterministic=True)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` inside one transaction per migration (Alembic's own)."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@dataclass
class Database:
    """An open database at head: the engine plus a session factory whose sessions are transactions."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, *, seed: bool = True) -> Database:
    """Open (creating if needed) the database, migrate it to head and make sure the seed is article 1."""
    resolved = database_url(url)
    engine = make_engine(resolved)
    if current_revision(engine) != head_revision():
        log.info("migrating %s to head", engine.url.render_as_string(hide_password=True))
        upgrade(engine)
    database = Database(resolved, engine, sessionmaker(engine, expire_on_commit=False))
    if seed:
        from db.seed import ensure_seed  # the seed importer uses the extraction package

        ensure_seed(database)
    return database


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor.execute("PRAGMA query_only=ON")
    else:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()
    cursor.close()


def open_read_only(url: str | None = None) -> Database:
    """Open an existing database for reading only (the dashboard): no migration, no seed, writes refused."""
    resolved = database_url(url)
    engine = make_engine(resolved)
    event.listen(engine, "connect", _read_only)
    revision = current_revision(engine)
    if revision != head_revision():
        engine.dispose()
        raise RuntimeError(f"the database is at revision {revision}, not {head_revision()}: run `newsmon db upgrade`")
    return Database(resolved, engine, sessionmaker(engine, expire_on_commit=False))

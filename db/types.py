"""Column types: timezone-aware datetimes that always come back in Asia/Shanghai, compressed bytes."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, DateTime, LargeBinary, String
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    # What reading code runs its statements on: an ORM session (the dashboard, writing commands) or a Core
    # connection (a command line search, which then never imports the ORM). Both execute Core statements alike.
    Reader = Session | Connection

SHANGHAI = ZoneInfo("Asia/Shanghai")


class ShanghaiDateTime(TypeDecorator[datetime]):
    """A point in time, read back aware in Asia/Shanghai. Naive datetimes are refused on write: every time in
    newsmon says which zone it is in.

    PostgreSQL stores timestamptz. SQLite stores ISO 8601 text with its offset, which sqlite3, Datasette and
    SQLite's own date functions read: `2024-01-15T10:00:00.000000+08:00`. A column keeps one offset (`stored_in`:
    UTC unless told, Asia/Shanghai for article dates), so that the text sorts and compares as the times do.
    Text in SQLAlchemy's older form (naive UTC, a space before the time) is still read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def __init__(self, stored_in: tzinfo = UTC) -> None:
        super().__init__()
        self.stored_in = stored_in

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: newsmon stores timezone-aware times only")
        if dialect.name == "sqlite":
            return value.astimezone(self.stored_in).isoformat(timespec="microseconds")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | str | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(SHANGHAI)


class Compressed(TypeDecorator[bytes]):
    """Raw page bytes, zlib-compressed at rest (Chinese HTML shrinks about 4×)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return zlib.compress(value, 6) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        return zlib.decompress(bytes(value)) if value is not None else None


class JSONDocument(TypeDecorator[Any]):
    """A JSON document: JSONB on PostgreSQL, JSON text elsewhere. PostgreSQL's dialect module is imported only
    when a PostgreSQL database is opened, so that a command on SQLite does not pay for it."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


def now_shanghai() -> datetime:
    return datetime.now(SHANGHAI)


def dialect_name(reader: Reader) -> str:
    """ "sqlite" or "postgresql": the database a session or connection talks to."""
    return reader.dialect.name if isinstance(reader, Connection) else reader.get_bind().dialect.name


def connection_of(reader: Reader) -> Connection:
    """The Core connection under a session (a connection is its own)."""
    return reader if isinstance(reader, Connection) else reader.connection()


def insert_for(session: Session, table: Any) -> Any:
    """INSERT … ON CONFLICT support for the dialect in use (SQLite and PostgreSQL both have it)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


# How a count treats reprints: every copy, or each speech once (its reprint cluster's original).
Dedupe = Literal["copies", "reprints"]


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the offset, or None."""
    return value.isoformat() if value else None

"""Column types: timezone-aware datetimes that always come back in Asia/Shanghai, compressed bytes."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, LargeBinary
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

SHANGHAI = ZoneInfo("Asia/Shanghai")


class ShanghaiDateTime(TypeDecorator[datetime]):
    """Stored as UTC (timestamptz on PostgreSQL, naive UTC text on SQLite); read back aware in Asia/Shanghai.

    Naive datetimes are refused on write: every time in newsmon says which zone it is in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: newsmon stores timezone-aware times only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
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


def now_shanghai() -> datetime:
    return datetime.now(SHANGHAI)


def insert_for(session: Session, table: Any) -> Any:
    """INSERT … ON CONFLICT support for the dialect in use (SQLite and PostgreSQL both have it)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)

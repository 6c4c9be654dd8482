"""`newsmon import`: plain-text files through the crawl's write path (validate → attribute → store → match)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from db.articles import Stored
from db.engine import Database
from db.write_errors import FATAL, WriteFailed, with_retries
from extraction.plaintext import import_url, parse_plaintext
from ground.article import Extracted, ExtractionError
from pipelines.ingest import Ready, Refused, prepare, write

MAX_FILE_BYTES = 5 * 1024 * 1024  # an article is tens of KB; anything this big is not one
# C0 controls but tab, newline and carriage return, and DEL: never part of a UTF-8 or GB18030 multi-byte
# character (their trail bytes are 0x30 and above), so they can be dropped from the bytes before decoding.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Imported:
    """One file's outcome: new, changed or unchanged with the article's id, or error with the reason."""

    file: str
    status: str
    article_id: int | None = None
    title: str | None = None
    reason: str | None = None


class DatabaseRefused(RuntimeError):
    """The database takes no more writes (disk full, read-only): the rest of the batch cannot be stored."""


def import_file(
    database: Database, path: Path, *, site: str, url: str | None = None, max_bytes: int = MAX_FILE_BYTES
) -> Imported:
    """Import one file; any problem with it is its own result, never an exception (but DatabaseRefused)."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Imported(name, "error", reason=f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        data = path.read_bytes().translate(None, _CONTROL_BYTES)
        record = parse_plaintext(data, url=url or import_url(data), site=site)
    except ExtractionError as error:
        return Imported(name, "error", reason=error.reason)
    except (OSError, ValueError) as error:
        return Imported(name, "error", reason=f"{type(error).__name__}: {error}")
    _strip_controls(record)
    try:
        ready = prepare(record)
    except Refused as refused:
        return Imported(name, "error", title=record.title, reason=str(refused))
    except Exception as error:  # a bug on one file must not cost the rest of the batch
        return Imported(name, "error", title=record.title, reason=f"{type(error).__name__}: {error}")
    try:
        stored = with_retries(_store, database, ready)
    except WriteFailed as error:
        if error.kind == FATAL:
            raise DatabaseRefused(f"the database refused a write: {error}") from error
        return Imported(name, "error", title=record.title, reason=f"could not be stored: {error}")
    except Exception as error:  # a bug on one file must not cost the rest of the batch
        return Imported(name, "error", title=record.title, reason=f"{type(error).__name__}: {error}")
    return Imported(name, stored.outcome, article_id=stored.article_id, title=record.title)


def _store(database: Database, ready: Ready) -> Stored:
    with database.session() as session:
        return write(session, ready)


def _strip_controls(record: Extracted) -> None:
    for field in ("title", "body", "source"):
        value = getattr(record, field)
        if isinstance(value, str):
            setattr(record, field, _CONTROL_TEXT.sub("", value).strip() or None)
    record.authors = [_CONTROL_TEXT.sub("", a) for a in record.authors]
    record.editors = [_CONTROL_TEXT.sub("", e) for e in record.editors]

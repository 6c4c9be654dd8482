"""The watchlists' classes (migration 0010): saved queries, what they matched, new terms, digests sent, mapped onto
the tables of db/tables.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Mapped

from db import tables
from db.models import Base


class Watch(Base):
    """A saved query an analyst follows: search's query language and filters, matched at ingest."""

    __table__ = tables.watches

    id: Mapped[int]
    name: Mapped[str]
    query: Mapped[str]
    site: Mapped[str | None]
    speaker: Mapped[str | None]
    org: Mapped[str | None]
    kind: Mapped[str | None]
    new_term: Mapped[bool]
    status: Mapped[str]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_digest_at: Mapped[datetime | None]
    terms_checked_through: Mapped[int]


class WatchMatch(Base):
    """An article a watch matched at ingest, with the sentence that matched. A reprint of a speech the watch
    already matched is a copy (copy_of: the first match), not a new match: digests and feeds show it under it."""

    __table__ = tables.watch_matches

    id: Mapped[int]
    watch_id: Mapped[int]
    article_id: Mapped[int]
    copy_of: Mapped[int | None]
    sentence: Mapped[str]
    matched_at: Mapped[datetime]
    run_id: Mapped[int | None]
    pending: Mapped[bool]
    delivered: Mapped[dict[str, Any]]


class WatchTerm(Base):
    """A term a --new-term watch reported: new to the archive, or whose share of articles jumped; with the first
    article that used it (where a new 提法 first appeared)."""

    __table__ = tables.watch_terms

    id: Mapped[int]
    watch_id: Mapped[int]
    term: Mapped[str]
    change: Mapped[str]
    first_article_id: Mapped[int | None]
    articles: Mapped[int]
    share_before: Mapped[float]
    share_now: Mapped[float]
    found_at: Mapped[datetime]
    run_id: Mapped[int | None]
    pending: Mapped[bool]
    delivered: Mapped[dict[str, Any]]


class WatchDigest(Base):
    """One attempt to send a watch's digest on one channel: how it went, after how many tries, what it held."""

    __table__ = tables.watch_digests

    id: Mapped[int]
    watch_id: Mapped[int]
    run_id: Mapped[int | None]
    channel: Mapped[str]
    sent_at: Mapped[datetime]
    status: Mapped[str]
    attempts: Mapped[int]
    error: Mapped[str | None]
    matches: Mapped[int]
    terms: Mapped[int]

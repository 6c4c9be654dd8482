"""The watchlists' schema (migration 0010): saved queries, what they matched, new terms, digests sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class Watch(Base):
    """A saved query an analyst follows: search's query language and filters, matched at ingest."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    query: Mapped[str] = mapped_column(Text)  # "" with a filter: every article the filters let through
    site: Mapped[str | None] = mapped_column(String(253))
    speaker: Mapped[str | None] = mapped_column(String(100))
    org: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(32))
    new_term: Mapped[bool] = mapped_column(Boolean, default=False)  # also report new and rising terms
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | paused
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]  # any change (status too): the ingest matcher recompiles when it moves
    last_digest_at: Mapped[datetime | None]
    terms_checked_through: Mapped[int] = mapped_column(Integer, default=0)  # last match the term check read


class WatchMatch(Base):
    """An article a watch matched at ingest, with the sentence that matched. A reprint of a speech the watch
    already matched is a copy (copy_of: the first match), not a new match: digests and feeds show it under it."""

    __tablename__ = "watch_matches"
    __table_args__ = (
        UniqueConstraint("watch_id", "article_id", name="uq_watch_matches_watch_article"),
        Index("ix_watch_matches_pending", "watch_id", "pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    copy_of: Mapped[int | None] = mapped_column(Integer)
    sentence: Mapped[str] = mapped_column(Text, default="")
    matched_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(Integer)
    # Not yet sent on every configured channel; `delivered` says which channels have it (channel -> time).
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    delivered: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WatchTerm(Base):
    """A term a --new-term watch reported: new to the archive, or whose share of articles jumped; with the first
    article that used it (where a new 提法 first appeared)."""

    __tablename__ = "watch_terms"
    __table_args__ = (
        UniqueConstraint("watch_id", "term", name="uq_watch_terms_watch_term"),
        Index("ix_watch_terms_pending", "watch_id", "pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(100))
    change: Mapped[str] = mapped_column(String(10))  # new | rising
    first_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    articles: Mapped[int] = mapped_column(Integer, default=0)  # articles of the batch using it
    share_before: Mapped[float] = mapped_column(Float, default=0.0)  # per 1000 articles
    share_now: Mapped[float] = mapped_column(Float, default=0.0)
    found_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(Integer)
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    delivered: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WatchDigest(Base):
    """One attempt to send a watch's digest on one channel: how it went, after how many tries, what it held."""

    __tablename__ = "watch_digests"
    __table_args__ = (Index("ix_watch_digests_watch", "watch_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))  # webhook | email
    sent_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))  # sent | failed
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    matches: Mapped[int] = mapped_column(Integer, default=0)
    terms: Mapped[int] = mapped_column(Integer, default=0)

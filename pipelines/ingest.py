"""The one write path of an article, whoever brings it (a crawl, a distributed worker, `newsmon import`, the
seed): check → attribute and sign → store → match reprints → match watches.

`prepare` is the CPU work (attribution, the reprint signature), done before the article's transaction opens;
`write` is the database work, in the caller's transaction; `ingest` runs the whole sequence in a transaction of
its own. docs/architecture.md draws the flow.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from analysis.reprints import Prepared, match_article
from analysis.reprints import prepare as sign
from analysis.watch_match import match_watches
from attribution import attribute_record
from db.articles import RawInput, Stored, store_article
from db.engine import Database
from db.reprints import ArticleText
from extraction.text import has_cjk
from ground.article import Extracted
from ground.sites import site_name
from ground.speech import Attribution

MIN_BODY_CHARS = 30
MAX_TITLE_CHARS = 300


class Refused(ValueError):
    """The record must not be stored as an article; `problems` says why (a person can act on each)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("validation failed: " + "; ".join(problems))
        self.problems = problems


def check(record: Extracted) -> list[str]:
    """Why the record must not be stored as an article (empty list: it may)."""
    found = []
    if not record.title or len(record.title) > MAX_TITLE_CHARS:
        found.append(f"title missing or longer than {MAX_TITLE_CHARS} characters")
    if not record.body or len(record.body) < MIN_BODY_CHARS:
        found.append(f"body shorter than {MIN_BODY_CHARS} characters")
    elif not has_cjk(record.body):
        found.append("body has no Chinese text (wrong charset or not an article)")
    if record.published_at is None:
        found.append("no publish date")
    return found


@dataclass
class Ready:
    """A checked record with what the CPU could work out before its transaction: who spoke, its signature."""

    record: Extracted
    attribution: Attribution
    signature: Prepared


def prepare(record: Extracted, *, attribution: Attribution | None = None) -> Ready:
    """Attribute (unless an attribution is given) and sign a record that passed `check` (raises Refused for one
    that did not)."""
    if problems := check(record):
        raise Refused(problems)
    assert record.title is not None and record.body is not None
    signature = sign(title=record.title, body=record.body, source=record.source, site=record.site)
    return Ready(record, attribution or attribute_record(record), signature)


def write(session: Session, ready: Ready, *, raw: RawInput | None = None, run_id: int | None = None) -> Stored:
    """Store the article, match it to earlier copies and to the watches, in the session's transaction."""
    record = ready.record
    stored = store_article(
        session, record, site_name=site_name(record.site), raw=raw, run_id=run_id, attribution=ready.attribution
    )
    if stored.outcome == "unchanged":  # the stored row may differ from the record (a date fixed): match what is stored
        match_article(session, stored.article_id, ready.signature)
    else:
        assert record.title is not None and record.body is not None
        written = ArticleText(
            stored.article_id,
            record.site,
            record.title,
            record.body,
            record.source,
            ready.signature.content_hash,
            record.published_at,
        )
        match_article(session, stored.article_id, ready.signature, written=written, new=stored.outcome == "new")
    match_watches(session, stored, record, ready.attribution, run_id=run_id)
    return stored


def ingest(database: Database, record: Extracted, *, raw: RawInput | None = None, run_id: int | None = None) -> Stored:
    """The whole sequence for one record, in a transaction of its own (Refused if it fails the check)."""
    ready = prepare(record)
    with database.session() as session:
        return write(session, ready, raw=raw, run_id=run_id)

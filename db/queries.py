"""Reads of articles and sites for the CLI and the dashboard: lists, one article with its versions and reprints,
site activity and health."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from db.filters import Filters, Sites, copies_passing
from db.filters import apply as apply_filters
from db.models import (
    Alert,
    Article,
    ArticleReprint,
    ArticleVersion,
    CrawlRun,
    FailedPage,
    Site,
)
from db.registry import article_speakers
from db.runs import last_run, run_record
from db.summary import article_summary
from db.types import Dedupe, iso


def with_reprints(query: Select[Any]) -> Select[Any]:
    """Outer-join each article's reprint membership, so speech_key() can be selected, grouped or counted."""
    return query.outerjoin(ArticleReprint, ArticleReprint.article_id == Article.id)


ALERT_STATUSES = ("open", "resolved")


def _filters(
    site: Sites,
    date_from: date | None,
    date_to: date | None,
    speaker: str | None,
    org: str | None,
    kind: str | None,
    dedupe: Dedupe,
    contains: str | None,
) -> Filters:
    """The keyword arguments of list_articles and count_articles as the one filter set (db/filters.py)."""
    return Filters(
        site=site if site is None or isinstance(site, str) else tuple(site),
        date_from=date_from,
        date_to=date_to,
        speaker=speaker,
        org=org,
        kind=kind,
        dedupe=dedupe,
        contains=contains,
    )


def list_articles(
    session: Session,
    *,
    site: Sites = None,
    date_from: date | None = None,
    date_to: date | None = None,
    contains: str | None = None,
    limit: int = 50,
    offset: int = 0,
    dedupe: Dedupe = "copies",
    speaker: str | None = None,
    org: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Articles newest first. date_to is inclusive; `contains` matches title or body (plain substring).

    `speaker` is a person's name, `org` a body's name or alias (工信部 finds its departments' speakers too),
    `kind` an attribution kind (speech_full_text, speech_report, press_conference …).

    dedupe="reprints" lists each speech once among the articles that pass the filters (db/filters.py); `copies`
    then says how many copies passed.
    """
    filters = _filters(site, date_from, date_to, speaker, org, kind, dedupe, contains)
    order = (Article.published_at.desc().nulls_last(), Article.id.desc())
    query = apply_filters(session, select(Article, Site).join(Site), filters).order_by(*order)
    rows = session.execute(query.limit(limit).offset(offset)).all()
    if dedupe == "copies":
        return [article_summary(a, s) for a, s in rows]
    copies = copies_passing(session, [a.id for a, _ in rows], filters)
    return [{**article_summary(a, s), "copies": copies[a.id]} for a, s in rows]


def count_articles(
    session: Session,
    *,
    site: Sites = None,
    date_from: date | None = None,
    date_to: date | None = None,
    contains: str | None = None,
    dedupe: Dedupe = "copies",
    speaker: str | None = None,
    org: str | None = None,
    kind: str | None = None,
) -> int:
    """How many articles pass the filters: every copy, or each speech once (dedupe="reprints")."""
    filters = _filters(site, date_from, date_to, speaker, org, kind, dedupe, contains)
    return int(session.scalar(apply_filters(session, select(func.count(Article.id)), filters)) or 0)


def reprint_cluster(session: Session, article_id: int) -> dict[str, Any]:
    """The article's reprint cluster: its original and every other copy, with each copy's similarity to the
    original (Jaccard of character 5-grams) and the paragraphs it added or removed. An article with no copies
    is its own original."""
    from ground.similarity import paragraph_changes, similarity

    membership = session.get(ArticleReprint, article_id)
    query = with_reprints(select(Article, Site, ArticleReprint).join(Site))
    if membership is None:
        query = query.where(Article.id == article_id)
    else:
        query = query.where(ArticleReprint.cluster_id == membership.cluster_id)
    rows = session.execute(query.order_by(Article.published_at.asc().nulls_last(), Article.id)).all()
    canonical_id = membership.canonical_id if membership else article_id
    original, original_site = next((a, s) for a, s, _ in rows if a.id == canonical_id)
    copies = []
    for copy, site, row in rows:
        if copy.id == canonical_id:
            continue
        copies.append(
            {
                **article_summary(copy, site),
                "this": copy.id == article_id,
                "similarity": similarity(original.body, copy.body),
                "changes": paragraph_changes(original.body, copy.body),
                "matched_with": row.matched_with if row else None,
                "match_reason": row.match_reason if row else None,
                "stated_source_site": row.stated_site if row else None,
            }
        )
    return {
        "cluster_id": membership.cluster_id if membership else None,
        "original": {**article_summary(original, original_site), "this": original.id == article_id},
        "reprints": copies,
    }


def get_article(session: Session, article_id: int) -> dict[str, Any] | None:
    row = session.execute(select(Article, Site).join(Site).where(Article.id == article_id)).first()
    if row is None:
        return None
    article, site = row
    return {
        **article_summary(article, site),
        "published_precision": article.published_precision,
        "editors": article.editors,
        "body": article.body,
        "content_hash": article.content_hash,
        "charset": article.charset,
        "field_rules": article.field_rules,
        "warnings": article.warnings,
        "first_seen_at": iso(article.first_seen_at),
        "last_seen_at": iso(article.last_seen_at),
        "removed_at": iso(article.removed_at),
        "occasion": article.occasion,
        "place": article.place,
        "spoken_on": article.spoken_on.isoformat() if article.spoken_on else None,
        "speakers": article_speakers(session, article.id),
        "attribution": article.attribution,
        **reprint_cluster(session, article_id),
    }


def articles_per_site(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Site.domain, Site.name, func.count(Article.id), func.max(Article.published_at))
        .outerjoin(Article)
        .group_by(Site.id)
        .order_by(func.count(Article.id).desc(), Site.domain)
    ).all()
    return [{"site": d, "name": n, "articles": c, "newest": iso(m)} for d, n, c, m in rows]


GONE_AFTER_RUNS = 2  # a 404/410 is believed once seen in this many runs: one may be a glitch of the site


def gone_urls(session: Session, sites: tuple[str, ...]) -> set[str]:
    """URLs of the sites' pages that answered 404 or 410 in two runs: removed old items, not worth asking for
    again."""
    rows = session.scalars(
        select(FailedPage.url)
        .join(CrawlRun, FailedPage.run_id == CrawlRun.id)
        .join(Site, CrawlRun.site_id == Site.id)
        .where(Site.domain.in_(sites), FailedPage.http_status.in_((404, 410)))
        .group_by(FailedPage.url)
        .having(func.count(func.distinct(FailedPage.run_id)) >= GONE_AFTER_RUNS)
    )
    return set(rows)


def seen_gone_before(session: Session, url: str, run_id: int | None) -> bool:
    """Whether another run than `run_id` already found the page answering 404 or 410."""
    query = select(FailedPage.id).where(FailedPage.url == url, FailedPage.http_status.in_((404, 410)))
    if run_id is not None:
        query = query.where(FailedPage.run_id != run_id)
    return session.scalar(query.limit(1)) is not None


def site_activity(session: Session) -> dict[str, dict[str, Any]]:
    """Per site domain: stored articles, and the last crawl run (when it started and how it ended)."""
    counts = {
        domain: count
        for domain, count in session.execute(
            select(Site.domain, func.count(Article.id)).outerjoin(Article).group_by(Site.id)
        ).tuples()
    }
    last_ids = select(func.max(CrawlRun.id)).group_by(CrawlRun.site_id)
    last_runs = session.execute(select(CrawlRun, Site).join(Site).where(CrawlRun.id.in_(last_ids))).all()
    activity: dict[str, dict[str, Any]] = {d: {"articles": int(c), "last_run": None} for d, c in counts.items()}
    for run, site in last_runs:
        activity.setdefault(site.domain, {"articles": 0})["last_run"] = run_record(run, site)
    return activity


# ---- Speakers and the registry of officials --------------------------------------------------------------


def publish_times(session: Session, site: str, *, limit: int = 30) -> list[datetime]:
    """The site's newest publish times, newest first: its rhythm, for the quiet-site check."""
    rows = session.scalars(
        select(Article.published_at)
        .join(Site)
        .where(Site.domain == site, Article.published_at.is_not(None))
        .order_by(Article.published_at.desc())
        .limit(limit)
    )
    return [t for t in rows if t is not None]


def article_history(session: Session, article_id: int) -> list[dict[str, Any]]:
    """Every stored version of an article, oldest first."""
    versions = session.scalars(
        select(ArticleVersion).where(ArticleVersion.article_id == article_id).order_by(ArticleVersion.version)
    )
    return [
        {
            "version": v.version,
            "seen_at": iso(v.seen_at),
            "run_id": v.run_id,
            "title": v.title,
            "body": v.body,
            "source": v.source,
            "published_at": iso(v.published_at),
            "content_hash": v.content_hash,
        }
        for v in versions
    ]


def site_health(session: Session, *, now: datetime, weeks: int = 8) -> list[dict[str, Any]]:
    """Per site: last run, articles published in the last 7 days against the weekly mean of the weeks before,
    open alerts. (Next run times live in the scheduler's job store; scheduler.py adds them.)"""
    week_start = now - timedelta(days=7)
    history_start = week_start - timedelta(weeks=weeks)
    result = []
    for site in session.scalars(select(Site).order_by(Site.domain)):
        last = last_run(session, site.domain)
        recent = session.scalar(
            select(func.count(Article.id)).where(Article.site_id == site.id, Article.published_at >= week_start)
        )
        before = session.scalar(
            select(func.count(Article.id)).where(
                Article.site_id == site.id,
                Article.published_at >= history_start,
                Article.published_at < week_start,
            )
        )
        open_alerts = session.scalar(
            select(func.count(Alert.id)).where(Alert.site_id == site.id, Alert.status == "open")
        )
        result.append(
            {
                "site": site.domain,
                "name": site.name,
                "last_run": last,
                "articles_7d": int(recent or 0),
                "usual_7d": round(int(before or 0) / weeks, 1),
                "open_alerts": int(open_alerts or 0),
            }
        )
    return result


def recent_article_urls(session: Session, site: str, *, since: datetime) -> list[str]:
    """URLs of the site's articles first seen or published since `since` and not marked removed."""
    rows = session.scalars(
        select(Article.url)
        .join(Site)
        .where(
            Site.domain == site,
            Article.removed_at.is_(None),
            or_(Article.first_seen_at >= since, Article.published_at >= since),
        )
        .order_by(Article.id)
    )
    return list(rows)

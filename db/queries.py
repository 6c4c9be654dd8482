"""Reads shared by the CLI and the web dashboard: articles and their versions, runs, alerts, status, speakers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from db.models import (
    Alert,
    Article,
    ArticleReprint,
    ArticleSpeaker,
    ArticleVersion,
    CrawlRun,
    FailedPage,
    Lease,
    Organisation,
    OrganisationAlias,
    Person,
    PersonRole,
    Site,
)
from db.types import SHANGHAI


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


def article_summary(article: Article, site: Site) -> dict[str, Any]:
    return {
        "id": article.id,
        "url": article.url,
        "site": site.domain,
        "site_name": site.name,
        "title": article.title,
        "published_at": _iso(article.published_at),
        "source": article.source,
        "authors": article.authors,
        "chars": len(article.body),
        "kind": article.kind,
    }


Dedupe = Literal["copies", "reprints"]


def speech_key() -> ColumnElement[int]:
    """One value per speech: the id of the article's reprint-cluster original (its own id when it has no copies
    or was stored before matching existed). Needs `with_reprints(query)`; count with COUNT(DISTINCT speech_key())."""
    return func.coalesce(ArticleReprint.canonical_id, Article.id)


def with_reprints(query: Select[Any]) -> Select[Any]:
    """Outer-join each article's reprint membership, so speech_key() can be selected, grouped or counted."""
    return query.outerjoin(ArticleReprint, ArticleReprint.article_id == Article.id)


Sites = str | Sequence[str] | None  # one site or several (their articles together), by domain or name
ALERT_STATUSES = ("open", "resolved")


def site_condition(sites: Sites) -> ColumnElement[bool]:
    """Site rows named by domain or name (people.com.cn or 人民网), one or several."""
    names = [sites] if isinstance(sites, str) else list(sites or ())
    return or_(Site.domain.in_(names), Site.name.in_(names))


def known_sites(session: Session) -> list[tuple[str, str]]:
    """(domain, name) of every site the database holds, by domain."""
    return [(d, n) for d, n in session.execute(select(Site.domain, Site.name).order_by(Site.domain))]


def _filtered(
    query: Select[Any],
    *,
    site: Sites = None,
    date_from: date | None = None,
    date_to: date | None = None,
    contains: str | None = None,
    speaker: str | None = None,
    org_ids: list[int] | None = None,
    kind: str | None = None,
) -> Select[Any]:
    if site:
        query = query.where(site_condition(site))
    if date_from:
        query = query.where(Article.published_at >= _day_start(date_from))
    if date_to:
        query = query.where(Article.published_at < _day_start(date_to + timedelta(days=1)))
    if contains:
        query = query.where(
            or_(Article.title.contains(contains, autoescape=True), Article.body.contains(contains, autoescape=True))
        )
    if kind:
        query = query.where(Article.kind == kind)
    if speaker:
        query = query.where(
            Article.id.in_(select(ArticleSpeaker.article_id).join(Person).where(Person.name == speaker))
        )
    if org_ids is not None:
        query = query.where(
            Article.id.in_(select(ArticleSpeaker.article_id).where(ArticleSpeaker.organisation_id.in_(org_ids)))
        )
    return query


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

    dedupe="reprints" lists each speech once among the articles that pass the filters: the cluster's original
    when it passes them, else its earliest copy that does; `copies` then says how many copies passed.
    """
    filters: dict[str, Any] = {
        "site": site,
        "date_from": date_from,
        "date_to": date_to,
        "contains": contains,
        "speaker": speaker,
        "org_ids": organisation_ids(session, org) if org else None,
        "kind": kind,
    }
    order = (Article.published_at.desc().nulls_last(), Article.id.desc())
    if dedupe == "copies":
        query: Select[Any] = _filtered(select(Article, Site).join(Site), **filters)
        query = query.order_by(*order).limit(limit).offset(offset)
        return [article_summary(a, s) for a, s in session.execute(query).all()]
    first = case((Article.id == ArticleReprint.canonical_id, 0), else_=1)
    ranked = _filtered(
        with_reprints(
            select(
                Article.id.label("id"),
                func.row_number()
                .over(partition_by=speech_key(), order_by=(first, Article.published_at.asc().nulls_last(), Article.id))
                .label("rank"),
                func.count().over(partition_by=speech_key()).label("copies"),
            )
            .select_from(Article)
            .join(Site)
        ),
        **filters,
    ).subquery()
    query = (
        select(Article, Site, ranked.c.copies)
        .join(Site)
        .join(ranked, ranked.c.id == Article.id)
        .where(ranked.c.rank == 1)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return [{**article_summary(a, s), "copies": int(n)} for a, s, n in session.execute(query).all()]


def count_articles(
    session: Session,
    *,
    site: Sites = None,
    date_from: date | None = None,
    date_to: date | None = None,
    contains: str | None = None,
    dedupe: Dedupe = "copies",
) -> int:
    """How many articles pass the filters: every copy, or each speech once (dedupe="reprints")."""
    counted = func.count(Article.id) if dedupe == "copies" else func.count(distinct(speech_key()))
    query = _filtered(
        with_reprints(select(counted).select_from(Article).join(Site)),
        site=site,
        date_from=date_from,
        date_to=date_to,
        contains=contains,
    )
    return int(session.scalar(query) or 0)


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
        "first_seen_at": _iso(article.first_seen_at),
        "last_seen_at": _iso(article.last_seen_at),
        "removed_at": _iso(article.removed_at),
        "occasion": article.occasion,
        "place": article.place,
        "spoken_on": article.spoken_on.isoformat() if article.spoken_on else None,
        "speakers": article_speakers(session, article.id),
        "attribution": article.attribution,
        **reprint_cluster(session, article_id),
    }


def run_record(run: CrawlRun, site: Site) -> dict[str, Any]:
    return {
        "id": run.id,
        "site": site.domain,
        "spider": run.spider,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "pages_fetched": run.pages_fetched,
        "articles_new": run.articles_new,
        "articles_changed": run.articles_changed,
        "articles_unchanged": run.articles_unchanged,
        "pages_failed": run.pages_failed,
        "pages_skipped": run.pages_skipped,
        "http_errors": run.http_errors,
        "articles_removed": run.articles_removed,
        "http_status_counts": run.http_status_counts,
        "field_coverage": run.field_coverage,
        "resumed_from": run.resumed_from,
        "message": run.message,
    }


# A crawl run whose process may live on another machine (a distributed worker) holds the lease
# "crawl-run:<id>" and renews it with its heartbeat; the lease outliving its expiry means the process is gone.
RUN_LEASE_PREFIX = "crawl-run:"


def abandoned_message(owner: str, expires_at: datetime) -> str:
    return (
        f"worker {owner} stopped its heartbeat (lease expired {expires_at:%Y-%m-%d %H:%M:%S}): "
        "the process is gone; its unfinished requests went back to the shared queue"
    )


def show_abandoned(session: Session, runs: list[dict[str, Any]], *, now: datetime) -> list[dict[str, Any]]:
    """Runs still marked running whose worker's heartbeat lease has expired, shown as interrupted (with the
    message the next crawl or worker records when it closes them): a listing never shows a dead worker's run
    as running, and reading writes nothing."""
    running = {run["id"] for run in runs if run["status"] == "running"}
    if not running:
        return runs
    expired = {
        int(name.removeprefix(RUN_LEASE_PREFIX)): abandoned_message(owner, expires_at)
        for name, owner, expires_at in session.execute(
            select(Lease.name, Lease.owner, Lease.expires_at).where(
                Lease.name.in_([f"{RUN_LEASE_PREFIX}{run_id}" for run_id in running]), Lease.expires_at < now
            )
        )
    }
    for run in runs:
        if run["id"] in expired:
            run.update(status="interrupted", message=expired[run["id"]])
    return runs


def list_runs(session: Session, *, site: Sites = None, limit: int = 20) -> list[dict[str, Any]]:
    query = select(CrawlRun, Site).join(Site)
    if site:
        query = query.where(site_condition(site))
    rows = session.execute(query.order_by(CrawlRun.id.desc()).limit(limit)).all()
    return [run_record(r, s) for r, s in rows]


def get_run(session: Session, run_id: int) -> dict[str, Any] | None:
    row = session.execute(select(CrawlRun, Site).join(Site).where(CrawlRun.id == run_id)).first()
    if row is None:
        return None
    record = run_record(*row)
    failed = session.execute(
        select(FailedPage.id, FailedPage.url, FailedPage.reason, FailedPage.http_status)
        .where(FailedPage.run_id == run_id)
        .order_by(FailedPage.id)
    ).all()
    record["failed_pages"] = [
        {"id": f.id, "url": f.url, "reason": f.reason, "http_status": f.http_status} for f in failed
    ]
    record["stats"] = row[0].stats
    return record


def list_failed_pages(session: Session, *, run_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    query = select(FailedPage).order_by(FailedPage.id.desc()).limit(limit)
    if run_id is not None:
        query = query.where(FailedPage.run_id == run_id)
    return [
        {
            "id": f.id,
            "run_id": f.run_id,
            "url": f.url,
            "reason": f.reason,
            "http_status": f.http_status,
            "failed_at": _iso(f.failed_at),
            "bytes": len(f.body) if f.body else 0,
        }
        for f in session.scalars(query)
    ]


def articles_per_site(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Site.domain, Site.name, func.count(Article.id), func.max(Article.published_at))
        .outerjoin(Article)
        .group_by(Site.id)
        .order_by(func.count(Article.id).desc(), Site.domain)
    ).all()
    return [{"site": d, "name": n, "articles": c, "newest": _iso(m)} for d, n, c, m in rows]


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


def organisation_ids(session: Session, name: str) -> list[int]:
    """The body named `name` (its name or an alias) and every body under it (工信部 → its departments)."""
    found = set(session.scalars(select(Organisation.id).where(Organisation.name == name)))
    found |= set(session.scalars(select(OrganisationAlias.organisation_id).where(OrganisationAlias.alias == name)))
    frontier = set(found)
    while frontier:
        children = set(session.scalars(select(Organisation.id).where(Organisation.parent_id.in_(frontier))))
        frontier = children - found
        found |= children
    return sorted(found)


def article_speakers(session: Session, article_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ArticleSpeaker, Person.name)
        .join(Person)
        .where(ArticleSpeaker.article_id == article_id)
        .order_by(ArticleSpeaker.position)
    ).all()
    return [
        {
            "name": name,
            "role": s.role,
            "org": s.org,
            "org_as_written": s.org_as_written,
            "evidence": s.evidence,
            "rule": s.rule,
        }
        for s, name in rows
    ]


def list_speakers(
    session: Session, *, org: str | None = None, limit: int = 200, dedupe: Dedupe = "copies"
) -> list[dict[str, Any]]:
    """People who spoke, most articles first: their latest post and body, article count (each speech once with
    dedupe="reprints"), and the first and last day they were seen speaking."""
    articles = func.count(func.distinct(ArticleSpeaker.article_id))
    if dedupe == "reprints":
        articles = func.count(func.distinct(func.coalesce(ArticleReprint.canonical_id, ArticleSpeaker.article_id)))
    query = (
        select(Person.id, Person.name, articles)
        .join(ArticleSpeaker, ArticleSpeaker.person_id == Person.id)
        .outerjoin(ArticleReprint, ArticleReprint.article_id == ArticleSpeaker.article_id)
        .group_by(Person.id, Person.name)
        .order_by(articles.desc(), Person.name)
        .limit(limit)
    )
    if org:
        query = query.where(ArticleSpeaker.organisation_id.in_(organisation_ids(session, org)))
    result = []
    for person_id, name, count in session.execute(query).all():
        roles = session.scalars(select(PersonRole).where(PersonRole.person_id == person_id)).all()
        latest = max(roles, key=lambda r: (r.last_seen or date.min, r.id), default=None)
        # The days the person spoke (or, where the text gives none, the publish days), in Shanghai.
        days = [
            spoken or published.date()
            for spoken, published in session.execute(
                select(Article.spoken_on, Article.published_at)
                .join(ArticleSpeaker, ArticleSpeaker.article_id == Article.id)
                .where(ArticleSpeaker.person_id == person_id)
            ).all()
            if spoken or published
        ]
        firsts = lasts = days
        result.append(
            {
                "name": name,
                "role": latest.role if latest else None,
                "org": (latest.org_name or None) if latest else None,
                "articles": count,
                "first_seen": min(firsts).isoformat() if firsts else None,
                "last_seen": max(lasts).isoformat() if lasts else None,
            }
        )
    return result


def get_speaker(session: Session, name: str) -> dict[str, Any] | None:
    """One person: roles over time (first and last day seen), articles by kind and by year, and the articles."""
    person = session.scalar(select(Person).where(Person.name == name))
    if person is None:
        return None
    roles = session.execute(
        select(PersonRole).where(PersonRole.person_id == person.id).order_by(PersonRole.first_seen, PersonRole.id)
    ).scalars()
    articles = session.execute(
        select(Article, Site, ArticleSpeaker)
        .join(Site, Site.id == Article.site_id)
        .join(ArticleSpeaker, ArticleSpeaker.article_id == Article.id)
        .where(ArticleSpeaker.person_id == person.id)
        .order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
    ).all()
    by_kind: dict[str, int] = {}
    by_year: dict[str, int] = {}
    listed = []
    for article, site, link in articles:
        kind = article.kind or "unknown"
        by_kind[kind] = by_kind.get(kind, 0) + 1
        when = article.spoken_on or (article.published_at.date() if article.published_at else None)
        year = str(when.year) if when else "unknown"
        by_year[year] = by_year.get(year, 0) + 1
        listed.append(
            {
                "id": article.id,
                "published_at": _iso(article.published_at),
                "spoken_on": article.spoken_on.isoformat() if article.spoken_on else None,
                "site": site.domain,
                "kind": article.kind,
                "title": article.title,
                "role": link.role,
                "org": link.org,
                "occasion": article.occasion,
            }
        )
    return {
        "name": person.name,
        "roles": [
            {
                "role": r.role,
                "org": r.org_name or None,
                "first_seen": r.first_seen.isoformat() if r.first_seen else None,
                "last_seen": r.last_seen.isoformat() if r.last_seen else None,
            }
            for r in roles
        ],
        "articles_by_kind": dict(sorted(by_kind.items())),
        "articles_by_year": dict(sorted(by_year.items())),
        "articles": listed,
    }


def last_run(session: Session, site: str) -> dict[str, Any] | None:
    """The site's newest run (by id), whatever its status."""
    row = session.execute(
        select(CrawlRun, Site).join(Site).where(Site.domain == site).order_by(CrawlRun.id.desc()).limit(1)
    ).first()
    return run_record(*row) if row else None


def recent_runs(session: Session, site: str, *, before_run: int, limit: int = 5) -> list[CrawlRun]:
    """The site's finished runs before `before_run`, newest first: the baseline a run is judged against."""
    query = (
        select(CrawlRun)
        .join(Site)
        .where(Site.domain == site, CrawlRun.id < before_run, CrawlRun.status == "finished")
        .order_by(CrawlRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def run_row(session: Session, run_id: int) -> tuple[CrawlRun, str] | None:
    row = session.execute(select(CrawlRun, Site.domain).join(Site).where(CrawlRun.id == run_id)).first()
    return (row[0], row[1]) if row else None


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
            "seen_at": _iso(v.seen_at),
            "run_id": v.run_id,
            "title": v.title,
            "body": v.body,
            "source": v.source,
            "published_at": _iso(v.published_at),
            "content_hash": v.content_hash,
        }
        for v in versions
    ]


def alert_record(alert: Alert, site: Site) -> dict[str, Any]:
    return {
        "id": alert.id,
        "site": site.domain,
        "kind": alert.kind,
        "status": alert.status,
        "run_id": alert.run_id,
        "created_at": _iso(alert.created_at),
        "expected": alert.expected,
        "seen": alert.seen,
        "message": alert.message,
        "resolved_at": _iso(alert.resolved_at),
        "deliveries": alert.deliveries,
    }


def list_alerts(
    session: Session, *, site: Sites = None, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    query = select(Alert, Site).join(Site)
    if site:
        query = query.where(site_condition(site))
    if status:
        query = query.where(Alert.status == status)
    rows = session.execute(query.order_by(Alert.id.desc()).limit(limit)).all()
    return [alert_record(a, s) for a, s in rows]


def lease_holder(session: Session, name: str) -> dict[str, Any] | None:
    lease = session.get(Lease, name)
    if lease is None:
        return None
    return {"owner": lease.owner, "acquired_at": _iso(lease.acquired_at), "expires_at": _iso(lease.expires_at)}


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


def alerts_by_id(session: Session, alert_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(select(Alert, Site).join(Site).where(Alert.id.in_(alert_ids)).order_by(Alert.id)).all()
    return [alert_record(a, s) for a, s in rows]


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

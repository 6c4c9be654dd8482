"""Reads shared by the CLI and the web dashboard: articles and their versions, runs, alerts, status, speakers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from db.filters import Filters, Sites, copies_passing, organisation_ids, site_condition
from db.filters import apply as apply_filters
from db.models import (
    Alert,
    Article,
    ArticleReprint,
    ArticleSpeaker,
    ArticleTerm,
    ArticleVersion,
    CrawlRun,
    FailedPage,
    Lease,
    Person,
    PersonRole,
    Site,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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


def with_reprints(query: Select[Any]) -> Select[Any]:
    """Outer-join each article's reprint membership, so speech_key() can be selected, grouped or counted."""
    return query.outerjoin(ArticleReprint, ArticleReprint.article_id == Article.id)


ALERT_STATUSES = ("open", "resolved")


def known_sites(session: Session) -> list[tuple[str, str]]:
    """(domain, name) of every site the database holds, by domain."""
    return [(d, n) for d, n in session.execute(select(Site.domain, Site.name).order_by(Site.domain))]


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
    filters = Filters(
        site=site if site is None or isinstance(site, str) else tuple(site),
        date_from=date_from,
        date_to=date_to,
        speaker=speaker,
        org=org,
        kind=kind,
        dedupe=dedupe,
        contains=contains,
    )
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
    filters = Filters(
        site=site if site is None or isinstance(site, str) else tuple(site),
        date_from=date_from,
        date_to=date_to,
        speaker=speaker,
        org=org,
        kind=kind,
        contains=contains,
        dedupe=dedupe,
    )
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


def failed_by_reason(session: Session) -> list[dict[str, Any]]:
    """Failed pages counted by reason (and HTTP status), most first."""
    count = func.count(FailedPage.id)
    rows = session.execute(
        select(FailedPage.reason, FailedPage.http_status, count)
        .group_by(FailedPage.reason, FailedPage.http_status)
        .order_by(count.desc(), FailedPage.reason)
    ).all()
    return [{"reason": reason, "http_status": status, "pages": int(n)} for reason, status, n in rows]


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


def _spoken_days(session: Session, person_id: int, *, dedupe: Dedupe) -> list[date]:
    """The days a person spoke, each speech once with dedupe="reprints": the day the text gives, else the day
    it was published (Shanghai). The one basis of a speaker's first and last day, in the list and on the page."""
    statement = apply_filters(
        session,
        select(Article.spoken_on, Article.published_at).where(
            Article.id.in_(select(ArticleSpeaker.article_id).where(ArticleSpeaker.person_id == person_id))
        ),
        Filters(dedupe=dedupe),
    )
    return [spoken or published.date() for spoken, published in session.execute(statement) if spoken or published]


def list_speakers(
    session: Session, *, org: str | None = None, limit: int = 200, dedupe: Dedupe = "reprints"
) -> list[dict[str, Any]]:
    """People who spoke, most articles first: their latest post and body, article count (each speech once with
    dedupe="reprints", the default), and the first and last day they were seen speaking."""
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
        days = _spoken_days(session, person_id, dedupe=dedupe)
        result.append(
            {
                "name": name,
                "role": latest.role if latest else None,
                "org": (latest.org_name or None) if latest else None,
                "articles": count,
                "first_seen": min(days).isoformat() if days else None,
                "last_seen": max(days).isoformat() if days else None,
            }
        )
    return result


def speaker_terms(session: Session, ids: list[int], *, top: int = 10) -> dict[str, Any]:
    """The curated terms a speaker's articles use most (articles using each), and per year how many of them used
    each of those terms: how their use changes over time."""
    if not ids:
        return {"top": [], "by_year": {}}
    used = func.count(func.distinct(ArticleTerm.article_id))
    rows = session.execute(
        select(ArticleTerm.term, used)
        .where(ArticleTerm.article_id.in_(ids))
        .group_by(ArticleTerm.term)
        .order_by(used.desc(), ArticleTerm.term)
        .limit(top)
    ).all()
    terms = [t for t, _ in rows]
    year = func.substr(ArticleTerm.published_month, 1, 4)
    by_year: dict[str, dict[str, int]] = {}
    for term, in_year, n in session.execute(
        select(ArticleTerm.term, year, used)
        .where(ArticleTerm.article_id.in_(ids), ArticleTerm.term.in_(terms), ArticleTerm.published_month.is_not(None))
        .group_by(ArticleTerm.term, year)
    ):
        by_year.setdefault(str(in_year), {})[term] = int(n)
    return {"top": [{"term": t, "articles": int(n)} for t, n in rows], "by_year": dict(sorted(by_year.items()))}


def get_speaker(session: Session, name: str, *, dedupe: Dedupe = "reprints") -> dict[str, Any] | None:
    """One person: roles over time (first and last day seen), first and last day spoken (as in the list),
    articles by kind and by year, the terms they use most and by year, and the articles; each speech once by
    default (dedupe="reprints": a reprint is not a new speech; its copies are counted beside it)."""
    person = session.scalar(select(Person).where(Person.name == name))
    if person is None:
        return None
    roles = session.execute(
        select(PersonRole).where(PersonRole.person_id == person.id).order_by(PersonRole.first_seen, PersonRole.id)
    ).scalars()
    filters = Filters(speaker=name, dedupe=dedupe)
    articles = session.execute(
        apply_filters(
            session,
            select(Article, Site, ArticleSpeaker)
            .join(Site, Site.id == Article.site_id)
            .join(ArticleSpeaker, ArticleSpeaker.article_id == Article.id)
            .where(ArticleSpeaker.person_id == person.id),
            filters,
        ).order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
    ).all()
    copies = copies_passing(session, [a.id for a, _, _ in articles], Filters(speaker=name))
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
                "copies": copies[article.id] if dedupe == "reprints" else 1,
            }
        )
    days = _spoken_days(session, person.id, dedupe=dedupe)
    return {
        "name": person.name,
        "dedupe": dedupe,
        "first_seen": min(days).isoformat() if days else None,
        "last_seen": max(days).isoformat() if days else None,
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
        "terms": speaker_terms(session, [a["id"] for a in listed]),
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

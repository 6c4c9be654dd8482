"""Crawl runs, alerts and leases (the single-scheduler lock, a worker's run heartbeat): their writes and reads."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from db.articles import ensure_site
from db.filters import Sites, site_condition
from db.models import (
    Alert,
    ArticleVersion,
    CrawlRun,
    FailedPage,
    Lease,
    RawPage,
    Site,
)
from db.types import insert_for, iso, now_shanghai


def start_run(
    session: Session,
    site: str,
    spider: str,
    *,
    site_name: str | None = None,
    trigger: str = "manual",
    resumed_from: int | None = None,
) -> int:
    run = CrawlRun(
        site_id=ensure_site(session, site, site_name),
        spider=spider,
        trigger=trigger,
        started_at=now_shanghai(),
        status="running",
        stats={},
        resumed_from=resumed_from,
    )
    session.add(run)
    session.flush()
    return run.id


RUN_COUNTERS = (
    "pages_fetched",
    "articles_new",
    "articles_changed",
    "articles_unchanged",
    "pages_failed",
    "pages_skipped",
    "http_errors",
    "articles_removed",
)


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    counts: dict[str, int],
    message: str | None = None,
    stats: dict[str, Any] | None = None,
    http_status_counts: dict[str, int] | None = None,
    field_coverage: dict[str, Any] | None = None,
) -> None:
    values: dict[str, Any] = {k: int(counts.get(k, 0)) for k in RUN_COUNTERS}
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(
            status=status,
            finished_at=now_shanghai(),
            message=message,
            stats=stats or {},
            http_status_counts=http_status_counts or {},
            field_coverage=field_coverage or {},
            **values,
        )
    )
    session.execute(delete(Lease).where(Lease.name == run_lease_name(run_id)))


def close_dead_runs(session: Session, site: str) -> list[int]:
    """Runs of the site still marked running whose process is gone: mark them interrupted; their ids.

    Only call this while holding the site's crawl lock (crawler/jobs.py): then no local crawl owns them. Runs
    of distributed workers (which take no site lock) are left to their heartbeat: see close_abandoned_runs.
    """
    close_abandoned_runs(session)
    held = select(Lease.name).where(Lease.name.like(f"{RUN_LEASE_PREFIX}%"))
    leased = {int(name.removeprefix(RUN_LEASE_PREFIX)) for name in session.scalars(held)}
    ids = [
        run_id
        for run_id in session.scalars(
            select(CrawlRun.id)
            .join(Site)
            .where(Site.domain == site, CrawlRun.status == "running")
            .order_by(CrawlRun.id)
        )
        if run_id not in leased
    ]
    for run_id in ids:
        session.execute(
            update(CrawlRun)
            .where(CrawlRun.id == run_id)
            .values(
                status="interrupted",
                finished_at=now_shanghai(),
                message="the crawl process ended without closing its run (killed)",
                **done_by(session, run_id),
            )
        )
    return ids


def done_by(session: Session, run_id: int) -> dict[str, int]:
    """What a run that never closed did, read back from the rows it wrote: articles it stored first or changed,
    pages it recorded as failed, pages whose bytes it kept."""
    versions = select(func.count()).select_from(ArticleVersion).where(ArticleVersion.run_id == run_id)
    new = int(session.scalar(versions.where(ArticleVersion.version == 1)) or 0)
    changed = int(session.scalar(versions.where(ArticleVersion.version > 1)) or 0)
    failed = int(session.scalar(select(func.count(FailedPage.id)).where(FailedPage.run_id == run_id)) or 0)
    raw = int(session.scalar(select(func.count(RawPage.id)).where(RawPage.run_id == run_id)) or 0)
    return {
        "articles_new": new,
        "articles_changed": changed,
        "pages_failed": failed,
        "pages_fetched": max(raw, new + changed) + failed,
    }


def run_lease_name(run_id: int) -> str:
    return f"{RUN_LEASE_PREFIX}{run_id}"


def hold_run(session: Session, run_id: int, owner: str, *, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the heartbeat lease of a run (False if another owner holds it, which should not happen)."""
    return acquire_lease(session, run_lease_name(run_id), owner, ttl=ttl, now=now)


def close_abandoned_runs(session: Session, *, now: datetime | None = None) -> list[int]:
    """Runs still marked running whose heartbeat lease has expired: mark them interrupted, with who stopped
    renewing it and since when, and drop their leases; their ids. Safe to call from any process at any time:
    a live worker renews its lease well before it expires."""
    moment = now or now_shanghai()
    expired = session.execute(
        select(Lease.name, Lease.owner, Lease.expires_at)
        .where(Lease.name.like(f"{RUN_LEASE_PREFIX}%"), Lease.expires_at < moment)
        # One order for every caller: two survivors closing the same dead runs lock the rows in the same order.
        .order_by(Lease.name)
    ).all()
    closed: list[int] = []
    for name, owner, expires_at in expired:
        run_id = int(name.removeprefix(RUN_LEASE_PREFIX))
        result = session.execute(
            update(CrawlRun)
            .where(CrawlRun.id == run_id, CrawlRun.status == "running")
            .values(
                status="interrupted",
                finished_at=moment,
                **done_by(session, run_id),
                message=abandoned_message(owner, expires_at),
            )
        )
        session.execute(delete(Lease).where(Lease.name == name, Lease.owner == owner))
        if getattr(result, "rowcount", 0):
            closed.append(run_id)
    return sorted(closed)


# ---- alerts ------------------------------------------------------------------------------------------------


def record_alert(
    session: Session, *, site: str, kind: str, expected: str, seen: str, message: str, run_id: int | None
) -> int | None:
    """Open an alert unless one of the same kind is already open for the site (one alert per problem)."""
    site_id = ensure_site(session, site)
    already = session.scalar(
        select(Alert.id).where(Alert.site_id == site_id, Alert.kind == kind, Alert.status == "open").limit(1)
    )
    if already is not None:
        return None
    alert = Alert(
        site_id=site_id,
        run_id=run_id,
        kind=kind,
        created_at=now_shanghai(),
        expected=expected,
        seen=seen,
        message=message,
        status="open",
        deliveries={},
    )
    session.add(alert)
    session.flush()
    return alert.id


def resolve_alerts(session: Session, *, site: str, kind: str | None = None, alert_id: int | None = None) -> int:
    """Close open alerts (of one kind for a site, or one by id); how many were closed."""
    query = update(Alert).where(Alert.status == "open")
    if alert_id is not None:
        query = query.where(Alert.id == alert_id)
    else:
        site_id = session.scalar(select(Site.id).where(Site.domain == site))
        if site_id is None:
            return 0
        query = query.where(Alert.site_id == site_id)
        if kind is not None:
            query = query.where(Alert.kind == kind)
    result = session.execute(query.values(status="resolved", resolved_at=now_shanghai()))
    return int(getattr(result, "rowcount", 0) or 0)


def record_deliveries(session: Session, alert_id: int, deliveries: dict[str, str]) -> None:
    session.execute(update(Alert).where(Alert.id == alert_id).values(deliveries=deliveries))


# ---- leases (the single-scheduler lock) ---------------------------------------------------------------------


def acquire_lease(session: Session, name: str, owner: str, *, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the lease `name` for `owner`; False while another owner holds an unexpired one.

    One INSERT … ON CONFLICT DO NOTHING and one conditional UPDATE: atomic on SQLite and PostgreSQL alike.
    """
    moment = now or now_shanghai()
    session.execute(
        insert_for(session, Lease)
        .values(name=name, owner=owner, acquired_at=moment, expires_at=moment + ttl)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    result = session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.owner == owner, Lease.expires_at < moment))
        # A renewal keeps acquired_at; a lease taken over from an expired owner starts now.
        .values(
            owner=owner,
            expires_at=moment + ttl,
            acquired_at=case((Lease.owner == owner, Lease.acquired_at), else_=moment),
        )
    )
    return getattr(result, "rowcount", 0) == 1


def release_lease(session: Session, name: str, owner: str) -> None:
    session.execute(delete(Lease).where(Lease.name == name, Lease.owner == owner))


def run_record(run: CrawlRun, site: Site) -> dict[str, Any]:
    return {
        "id": run.id,
        "site": site.domain,
        "spider": run.spider,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
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
            "failed_at": iso(f.failed_at),
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


def alert_record(alert: Alert, site: Site) -> dict[str, Any]:
    return {
        "id": alert.id,
        "site": site.domain,
        "kind": alert.kind,
        "status": alert.status,
        "run_id": alert.run_id,
        "created_at": iso(alert.created_at),
        "expected": alert.expected,
        "seen": alert.seen,
        "message": alert.message,
        "resolved_at": iso(alert.resolved_at),
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
    return {"owner": lease.owner, "acquired_at": iso(lease.acquired_at), "expires_at": iso(lease.expires_at)}


def alerts_by_id(session: Session, alert_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(select(Alert, Site).join(Site).where(Alert.id.in_(alert_ids)).order_by(Alert.id)).all()
    return [alert_record(a, s) for a, s in rows]

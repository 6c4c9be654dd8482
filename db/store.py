"""Writes: sites, articles (idempotent upsert by URL) and their versions, raw pages, failed pages, runs, alerts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Table, TextualSelect, bindparam, case, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import (
    Alert,
    Article,
    ArticleSpeaker,
    ArticleVersion,
    CrawlRun,
    FailedPage,
    Lease,
    Organisation,
    OrganisationAlias,
    Person,
    PersonRole,
    RawPage,
    Site,
    table_of,
)
from db.queries import RUN_LEASE_PREFIX, abandoned_message
from db.terms import store_term_counts
from db.types import SHANGHAI
from ground.article import Extracted
from ground.sites import site_name as default_site_name
from ground.text import nfkc_key

if TYPE_CHECKING:
    from ground.bodies import Registry
    from ground.speech import Attribution

Outcome = Literal["new", "changed", "unchanged"]


def now_shanghai() -> datetime:
    return datetime.now(SHANGHAI)


def content_hash(title: str, body: str) -> str:
    """What counts as the article's content: title and body, compared NFKC without whitespace."""
    return hashlib.sha256(f"{nfkc_key(title)}\n{nfkc_key(body)}".encode()).hexdigest()


def _insert(session: Session, table: Any) -> Any:
    """INSERT … ON CONFLICT support for the dialect in use (SQLite and PostgreSQL both have it)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


@cache
def _insert_or_skip(table: Table, columns: tuple[str, ...], conflict: tuple[str, ...], returning: str) -> TextualSelect:
    """INSERT … ON CONFLICT (…) DO NOTHING RETURNING … as one statement SQLAlchemy compiles once.

    The dialects' insert() with on_conflict_do_nothing() is not cacheable: it was compiled anew for every
    article, a sixth of ingest time. The same SQL as text with typed parameters (JSON and time-zone types
    still convert) is compiled once. SQLite (3.35+) and PostgreSQL both take this syntax.
    """
    names = ", ".join(f'"{name}"' for name in columns)
    values = ", ".join(f":{name}" for name in columns)
    keys = ", ".join(f'"{name}"' for name in conflict)
    statement = text(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({values}) '
        f'ON CONFLICT ({keys}) DO NOTHING RETURNING "{returning}"'
    )
    return statement.bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns)).columns(
        table.c[returning]
    )


# Statements run for every stored article are built once: SQLAlchemy then reuses their cache key and compiled
# form, where building one per call cost more CPU than the database spent running it (crawl profile).
_SITE_ID = select(Site.id).where(Site.domain == bindparam("domain"))
_LATEST_VERSION = select(func.max(ArticleVersion.version)).where(ArticleVersion.article_id == bindparam("article_id"))
_ADD_VERSION = insert(table_of(ArticleVersion))
_SET_ATTRIBUTION = (
    update(table_of(Article))
    .where(table_of(Article).c.id == bindparam("article_id"))
    .values(
        kind=bindparam("a_kind"),
        occasion=bindparam("a_occasion"),
        place=bindparam("a_place"),
        spoken_on=bindparam("a_spoken_on"),
        attribution=bindparam("a_attribution", type_=table_of(Article).c.attribution.type),
    )
)
_DROP_OTHER_SPEAKERS = delete(table_of(ArticleSpeaker)).where(
    table_of(ArticleSpeaker).c.article_id == bindparam("article_id"),
    table_of(ArticleSpeaker).c.person_id.not_in(bindparam("keep", expanding=True)),
)
_PERSON_ID = select(Person.id).where(Person.name == bindparam("name"))


def ensure_site(session: Session, domain: str, name: str | None = None) -> int:
    """The site's id, inserting it if new; safe when two writers add the same site at once."""
    site_id = session.connection().scalar(_SITE_ID, {"domain": domain})
    if site_id is not None:
        return site_id
    stmt = _insert(session, Site).values(domain=domain, name=name or domain, created_at=now_shanghai())
    session.connection().execute(stmt.on_conflict_do_nothing(index_elements=["domain"]))
    site_id = session.connection().scalar(_SITE_ID, {"domain": domain})
    assert site_id is not None
    return site_id


@dataclass(frozen=True)
class RawInput:
    """Bytes of a fetched page as served, kept beside the article (or failed page) made from them."""

    body: bytes
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None


@dataclass(frozen=True)
class Stored:
    article_id: int
    outcome: Outcome


def article_values(record: Extracted, site_id: int) -> dict[str, Any]:
    """The articles columns an extracted record sets (all but url and the seen/removed times)."""
    assert record.title is not None and record.body is not None
    return {
        "site_id": site_id,
        "title": record.title,
        "published_at": record.published_at,
        "published_month": record.published_at.astimezone(SHANGHAI).strftime("%Y-%m") if record.published_at else None,
        "published_precision": record.published_precision,
        "source": record.source,
        "authors": record.authors,
        "editors": record.editors,
        "body": record.body,
        "content_hash": content_hash(record.title, record.body),
        "charset": record.charset,
        "field_rules": record.rules,
        "warnings": record.warnings,
    }


def store_article(
    session: Session,
    record: Extracted,
    *,
    site_name: str | None = None,
    raw: RawInput | None = None,
    run_id: int | None = None,
    seen_at: datetime | None = None,
    attribution: Attribution | None = None,
) -> Stored:
    """Insert or update the article at record.url; the unique URL index, not a prior check, prevents twins.

    Returns whether the article was new, changed (title/body differ from the stored copy) or unchanged.
    With an attribution, its speakers are resolved to registry rows in the same transaction.
    """
    if not record.title or not record.body:
        raise ValueError(f"{record.url}: an article needs a title and a body")
    seen = seen_at or now_shanghai()
    site_id = ensure_site(session, record.site, site_name or default_site_name(record.site))
    values = article_values(record, site_id)
    digest = values["content_hash"]
    new_row = {"url": record.url, "first_seen_at": seen, "last_seen_at": seen, "attribution": {}, **values}
    if attribution is not None:
        # A new row gets its attribution in the INSERT itself: an UPDATE right after it would write the row a
        # second time and, as kind is indexed, every index entry with it (PostgreSQL cannot make it a HOT update).
        new_row.update(_attribution_columns(attribution))
    statement = _insert_or_skip(table_of(Article), tuple(new_row), ("url",), "id")
    inserted = session.connection().execute(statement, new_row).scalar()
    if inserted is not None:
        outcome: Outcome = "new"
        article_id = int(inserted)
    else:
        query = select(Article.id, Article.content_hash).where(Article.url == record.url)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.connection().execute(query).one()
        article_id = row.id
        outcome = "unchanged" if row.content_hash == digest else "changed"
        # Answering again means the page is back: a removal mark no longer holds.
        changes = {"last_seen_at": seen, "removed_at": None}
        if outcome == "changed":
            changes.update(values)
        session.connection().execute(update(Article).where(Article.id == article_id).values(**changes))
    if outcome != "unchanged":
        _add_version(session, article_id, record, digest, seen_at=seen, run_id=run_id, first=outcome == "new")
        store_term_counts(
            session,
            article_id,
            record.title,
            record.body,
            month=values["published_month"],
            site_id=site_id,
            new=outcome == "new",
        )
    if raw is not None:
        store_raw_page(session, record.url, raw, article_id=article_id, run_id=run_id, fetched_at=seen)
    if attribution is not None:
        published = record.published_at.astimezone(SHANGHAI).date() if record.published_at else seen.date()
        store_attribution(
            session, article_id, attribution, seen_on=attribution.spoken_on or published, new=outcome == "new"
        )
    return Stored(article_id, outcome)


def _attribution_columns(attribution: Attribution) -> dict[str, Any]:
    """The articles columns an attribution sets (what store_attribution's UPDATE writes)."""
    return {
        "kind": attribution.kind,
        "occasion": attribution.occasion,
        "place": attribution.place,
        "spoken_on": attribution.spoken_on,
        "attribution": attribution.evidence_json(),
    }


def _add_version(
    session: Session,
    article_id: int,
    record: Extracted,
    digest: str,
    *,
    seen_at: datetime,
    run_id: int | None,
    first: bool = False,
) -> None:
    """Keep the text as a new version; the previous versions stay as they were (edit tracking).
    A new article's (`first`) is version 1 without asking."""
    latest = None if first else session.connection().scalar(_LATEST_VERSION, {"article_id": article_id})
    assert record.title and record.body
    session.connection().execute(
        _ADD_VERSION,
        {
            "article_id": article_id,
            "version": (latest or 0) + 1,
            "title": record.title,
            "body": record.body,
            "source": record.source,
            "published_at": record.published_at,
            "content_hash": digest,
            "seen_at": seen_at,
            "run_id": run_id,
        },
    )


def mark_removed(session: Session, url: str, *, when: datetime | None = None) -> int | None:
    """Mark the stored article at url as removed (it answered 404/410); its id, or None if none is stored.

    The row and every version stay: a removal is a fact about the site, not a reason to forget the text.
    """
    article_id = session.scalar(select(Article.id).where(Article.url == url))
    if article_id is None:
        return None
    session.execute(
        update(Article)
        .where(Article.id == article_id, Article.removed_at.is_(None))
        .values(removed_at=when or now_shanghai())
    )
    return int(article_id)


def store_raw_page(
    session: Session, url: str, raw: RawInput, *, article_id: int | None, run_id: int | None, fetched_at: datetime
) -> None:
    """Keep the page bytes once per (URL, content): a re-crawl of unchanged bytes adds nothing."""
    row = {
        "url": url,
        "article_id": article_id,
        "run_id": run_id,
        "fetched_at": fetched_at,
        "http_status": raw.http_status,
        "content_type": raw.content_type,
        "charset": raw.charset,
        "size": len(raw.body),
        "sha256": hashlib.sha256(raw.body).hexdigest(),
        "body": raw.body,
    }
    session.connection().execute(_insert_or_skip(table_of(RawPage), tuple(row), ("url", "sha256"), "id"), row)


def record_failed_page(
    session: Session,
    url: str,
    reason: str,
    *,
    raw: RawInput | None = None,
    http_status: int | None = None,
    run_id: int | None = None,
) -> int:
    """Keep a page that did not become an article: why, its HTTP status and its bytes when there were any."""
    page = FailedPage(
        url=url,
        reason=reason,
        run_id=run_id,
        failed_at=now_shanghai(),
        http_status=raw.http_status if raw else http_status,
        charset=raw.charset if raw else None,
        body=raw.body if raw else None,
    )
    session.add(page)
    session.flush()
    return page.id


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
        _insert(session, Lease)
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


def known_urls(session: Session, site: str) -> set[str]:
    """URLs of the site's stored articles: the spider stops at these (incremental crawl)."""
    rows = session.scalars(select(Article.url).join(Site).where(Site.domain == site))
    return set(rows)


def article_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Article.id))) or 0)


# ---- Attribution and the registry of officials -------------------------------------------------------------


def sync_registry(session: Session, registry: Registry) -> None:
    """Put the curated registry (data/registry) into the database: bodies, parents and aliases.

    Idempotent; a body first learned from text and later curated becomes curated (with its parent and kind).
    A department's aliases combine its parent's names with its own (工信部信软司).
    """
    now = now_shanghai()
    ids: dict[str, int] = {}
    for organisation in sorted(registry.organisations, key=lambda o: o.parent is not None):
        parent_id = ids.get(organisation.parent) if organisation.parent else None
        full = (organisation.parent or "") + organisation.name
        stmt = _insert(session, Organisation).values(
            name=full, parent_id=parent_id, kind=organisation.kind, curated=True, created_at=now
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["name"], set_={"parent_id": parent_id, "kind": organisation.kind, "curated": True}
            )
        )
        org_id = session.scalar(select(Organisation.id).where(Organisation.name == full))
        assert org_id is not None
        ids[organisation.name] = org_id
        own = (organisation.name, *organisation.aliases)
        if organisation.parent:
            parent = next(o for o in registry.organisations if o.name == organisation.parent and not o.parent)
            aliases = {p + a for p in (parent.name, *parent.aliases) for a in own}
        else:
            aliases = set(own)
        aliases.discard(full)
        for alias in sorted(aliases):
            session.execute(
                _insert(session, OrganisationAlias)
                .values(alias=alias, organisation_id=org_id)
                .on_conflict_do_nothing(index_elements=["alias"])
            )


def resolve_organisation(session: Session, name: str, as_written: str | None = None) -> int:
    """The id of the body called `name` (registry-normalised) or `as_written`; a body never seen is added,
    under its registered parent when its name starts with one (国家数据局数据资源司 under 国家数据局)."""
    for candidate in (name, as_written):
        if not candidate:
            continue
        found = session.connection().scalar(select(Organisation.id).where(Organisation.name == candidate))
        if found is None:
            found = session.connection().scalar(
                select(OrganisationAlias.organisation_id).where(OrganisationAlias.alias == candidate)
            )
        if found is not None:
            return int(found)
    parent_id = session.connection().scalar(
        select(Organisation.id)
        .where(Organisation.curated.is_(True), Organisation.parent_id.is_(None))
        .where(func.length(Organisation.name) < len(name))
        .where(func.substr(name, 1, func.length(Organisation.name)) == Organisation.name)
        .order_by(func.length(Organisation.name).desc())
        .limit(1)
    )
    session.connection().execute(
        _insert(session, Organisation)
        .values(name=name, parent_id=parent_id, curated=False, created_at=now_shanghai())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    org_id = session.connection().scalar(select(Organisation.id).where(Organisation.name == name))
    assert org_id is not None
    if as_written and as_written != name:
        session.connection().execute(
            _insert(session, OrganisationAlias)
            .values(alias=as_written, organisation_id=org_id)
            .on_conflict_do_nothing(index_elements=["alias"])
        )
    return int(org_id)


def resolve_person(session: Session, name: str) -> int:
    """The id of the person called `name`, added when new (safe against a concurrent writer)."""
    person_id = session.connection().scalar(_PERSON_ID, {"name": name})
    if person_id is not None:
        return int(person_id)
    session.connection().execute(
        _insert(session, Person)
        .values(name=name, created_at=now_shanghai())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    person_id = session.connection().scalar(_PERSON_ID, {"name": name})
    assert person_id is not None
    return int(person_id)


def record_role(session: Session, person_id: int, role: str, org_id: int | None, org_name: str, seen_on: date) -> None:
    """Note that the person held the post on `seen_on`: widen the role's first/last seen days."""
    session.connection().execute(
        _insert(session, PersonRole)
        .values(
            person_id=person_id,
            role=role,
            organisation_id=org_id,
            org_name=org_name,
            first_seen=seen_on,
            last_seen=seen_on,
        )
        .on_conflict_do_nothing(index_elements=["person_id", "role", "org_name"])
    )
    key = (PersonRole.person_id == person_id, PersonRole.role == role, PersonRole.org_name == org_name)
    session.connection().execute(
        update(PersonRole)
        .where(*key, or_(PersonRole.first_seen.is_(None), PersonRole.first_seen > seen_on))
        .values(first_seen=seen_on)
    )
    session.connection().execute(
        update(PersonRole)
        .where(*key, or_(PersonRole.last_seen.is_(None), PersonRole.last_seen < seen_on))
        .values(last_seen=seen_on)
    )


def store_attribution(
    session: Session, article_id: int, attribution: Attribution, *, seen_on: date, new: bool = False
) -> None:
    """Write the article's kind, occasion, place and day, and link its speakers to people and bodies.

    Idempotent: storing the same attribution again changes nothing; a re-crawl that finds other speakers
    replaces the article's links, and people or bodies are never duplicated. `new`: the article row was inserted
    in this transaction with these columns already (store_article), so it has them and no speaker links yet.
    """
    if not new:
        session.connection().execute(
            _SET_ATTRIBUTION,
            {"article_id": article_id, **{f"a_{k}": v for k, v in _attribution_columns(attribution).items()}},
        )
    keep: list[int] = []
    for position, speaker in enumerate(attribution.speakers):
        person_id = resolve_person(session, speaker.label)
        org_id = resolve_organisation(session, speaker.org, speaker.org_as_written) if speaker.org else None
        if speaker.role:
            record_role(session, person_id, speaker.role, org_id, speaker.org or "", seen_on)
        values = {
            "organisation_id": org_id,
            "position": position,
            "role": speaker.role,
            "org": speaker.org,
            "org_as_written": speaker.org_as_written,
            "evidence": speaker.evidence,
            "rule": speaker.rule,
        }
        session.connection().execute(
            _insert(session, ArticleSpeaker)
            .values(article_id=article_id, person_id=person_id, **values)
            .on_conflict_do_update(index_elements=["article_id", "person_id"], set_=values)
        )
        keep.append(person_id)
    if not new:
        session.connection().execute(_DROP_OTHER_SPEAKERS, {"article_id": article_id, "keep": keep})

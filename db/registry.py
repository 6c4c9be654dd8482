"""The registry of officials: bodies, people, their posts over time and each article's speakers, written and read."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from db import tables
from db.filters import Filters, copies_passing, organisation_ids
from db.filters import apply as apply_filters
from db.models import (
    Article,
    ArticleReprint,
    ArticleSpeaker,
    ArticleTerm,
    Organisation,
    OrganisationAlias,
    Person,
    PersonRole,
    Site,
)
from db.types import Dedupe, insert_for, iso, now_shanghai

if TYPE_CHECKING:
    from ground.bodies import Registry
    from ground.speech import Attribution

_SET_ATTRIBUTION = (
    update(tables.articles)
    .where(tables.articles.c.id == bindparam("article_id"))
    .values(
        kind=bindparam("a_kind"),
        occasion=bindparam("a_occasion"),
        place=bindparam("a_place"),
        spoken_on=bindparam("a_spoken_on"),
        attribution=bindparam("a_attribution", type_=tables.articles.c.attribution.type),
    )
)
_DROP_OTHER_SPEAKERS = delete(tables.article_speakers).where(
    tables.article_speakers.c.article_id == bindparam("article_id"),
    tables.article_speakers.c.person_id.not_in(bindparam("keep", expanding=True)),
)
_PERSON_ID = select(Person.id).where(Person.name == bindparam("name"))


def attribution_columns(attribution: Attribution) -> dict[str, Any]:
    """The articles columns an attribution sets (what store_attribution's UPDATE writes)."""
    return {
        "kind": attribution.kind,
        "occasion": attribution.occasion,
        "place": attribution.place,
        "spoken_on": attribution.spoken_on,
        "attribution": attribution.evidence_json(),
    }


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
        stmt = insert_for(session, Organisation).values(
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
                insert_for(session, OrganisationAlias)
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
        insert_for(session, Organisation)
        .values(name=name, parent_id=parent_id, curated=False, created_at=now_shanghai())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    org_id = session.connection().scalar(select(Organisation.id).where(Organisation.name == name))
    assert org_id is not None
    if as_written and as_written != name:
        session.connection().execute(
            insert_for(session, OrganisationAlias)
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
        insert_for(session, Person)
        .values(name=name, created_at=now_shanghai())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    person_id = session.connection().scalar(_PERSON_ID, {"name": name})
    assert person_id is not None
    return int(person_id)


def record_role(session: Session, person_id: int, role: str, org_id: int | None, org_name: str, seen_on: date) -> None:
    """Note that the person held the post on `seen_on`: widen the role's first/last seen days."""
    session.connection().execute(
        insert_for(session, PersonRole)
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
            {"article_id": article_id, **{f"a_{k}": v for k, v in attribution_columns(attribution).items()}},
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
            insert_for(session, ArticleSpeaker)
            .values(article_id=article_id, person_id=person_id, **values)
            .on_conflict_do_update(index_elements=["article_id", "person_id"], set_=values)
        )
        keep.append(person_id)
    if not new:
        session.connection().execute(_DROP_OTHER_SPEAKERS, {"article_id": article_id, "keep": keep})


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
                "published_at": iso(article.published_at),
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

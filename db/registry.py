"""Writes of the registry of officials: bodies, people, their posts over time, and each article's speakers."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from db.models import (
    Article,
    ArticleSpeaker,
    Organisation,
    OrganisationAlias,
    Person,
    PersonRole,
    table_of,
)
from db.types import insert_for, now_shanghai

if TYPE_CHECKING:
    from ground.bodies import Registry
    from ground.speech import Attribution

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

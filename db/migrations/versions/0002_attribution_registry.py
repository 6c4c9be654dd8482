"""Attribution and the registry of officials: article kind/occasion/place/spoken_on, people, organisations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("occasion", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("place", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("spoken_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("attribution", JSON_TYPE, nullable=False, server_default="{}"))
        batch_op.create_index(batch_op.f("ix_articles_kind"), ["kind"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("curated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "organisation_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=300), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alias"),
    )
    op.create_index(
        op.f("ix_organisation_aliases_organisation_id"), "organisation_aliases", ["organisation_id"], unique=False
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "person_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("org_name", sa.String(length=300), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=True),
        sa.Column("last_seen", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "role", "org_name", name="uq_person_roles_person_role_org"),
    )
    op.create_index(op.f("ix_person_roles_person_id"), "person_roles", ["person_id"], unique=False)
    op.create_index(op.f("ix_person_roles_organisation_id"), "person_roles", ["organisation_id"], unique=False)
    op.create_table(
        "article_speakers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("org", sa.String(length=300), nullable=True),
        sa.Column("org_as_written", sa.String(length=300), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "person_id", name="uq_article_speakers_article_person"),
    )
    op.create_index(op.f("ix_article_speakers_article_id"), "article_speakers", ["article_id"], unique=False)
    op.create_index(op.f("ix_article_speakers_person_id"), "article_speakers", ["person_id"], unique=False)
    op.create_index(op.f("ix_article_speakers_organisation_id"), "article_speakers", ["organisation_id"], unique=False)


def downgrade() -> None:
    op.drop_table("article_speakers")
    op.drop_table("person_roles")
    op.drop_table("people")
    op.drop_table("organisation_aliases")
    op.drop_table("organisations")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_kind"))
        batch_op.drop_column("attribution")
        batch_op.drop_column("spoken_on")
        batch_op.drop_column("place")
        batch_op.drop_column("occasion")
        batch_op.drop_column("kind")

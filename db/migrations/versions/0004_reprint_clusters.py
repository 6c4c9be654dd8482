"""Reprint clusters: one row per article with its MinHash signature, cluster and original.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_reprints",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("canonical_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title_key", sa.String(length=40), nullable=False),
        sa.Column("stated_site", sa.String(length=253), nullable=True),
        sa.Column("minhash", sa.LargeBinary(), nullable=False),
        sa.Column("matched_with", sa.Integer(), nullable=True),
        sa.Column("match_reason", sa.String(length=20), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("article_id"),
    )
    with op.batch_alter_table("article_reprints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_reprints_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_reprints_canonical_id"), ["canonical_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_reprints_title_key"), ["title_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("article_reprints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_reprints_title_key"))
        batch_op.drop_index(batch_op.f("ix_article_reprints_canonical_id"))
        batch_op.drop_index(batch_op.f("ix_article_reprints_cluster_id"))
    op.drop_table("article_reprints")

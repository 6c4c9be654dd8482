"""Watchlists: saved queries matched at ingest, their matches, new terms and the digests sent.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("site", sa.String(length=253), nullable=True),
        sa.Column("speaker", sa.String(length=100), nullable=True),
        sa.Column("org", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("new_term", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("last_digest_at", WHEN, nullable=True),
        sa.Column("terms_checked_through", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "watch_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("copy_of", sa.Integer(), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("matched_at", WHEN, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("delivered", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["watch_id"], ["watches.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("watch_id", "article_id", name="uq_watch_matches_watch_article"),
    )
    op.create_index("ix_watch_matches_pending", "watch_matches", ["watch_id", "pending"])
    op.create_index("ix_watch_matches_article_id", "watch_matches", ["article_id"])
    op.create_table(
        "watch_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("change", sa.String(length=10), nullable=False),
        sa.Column("first_article_id", sa.Integer(), nullable=True),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("share_before", sa.Float(), nullable=False),
        sa.Column("share_now", sa.Float(), nullable=False),
        sa.Column("found_at", WHEN, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("delivered", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["watch_id"], ["watches.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["first_article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("watch_id", "term", name="uq_watch_terms_watch_term"),
    )
    op.create_index("ix_watch_terms_pending", "watch_terms", ["watch_id", "pending"])
    op.create_table(
        "watch_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("sent_at", WHEN, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("terms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["watch_id"], ["watches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_watch_digests_watch", "watch_digests", ["watch_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_watch_digests_watch", table_name="watch_digests")
    op.drop_table("watch_digests")
    op.drop_index("ix_watch_terms_pending", table_name="watch_terms")
    op.drop_table("watch_terms")
    op.drop_index("ix_watch_matches_article_id", table_name="watch_matches")
    op.drop_index("ix_watch_matches_pending", table_name="watch_matches")
    op.drop_table("watch_matches")
    op.drop_table("watches")

"""Trends at archive scale: each article's month as a column (indexed with its site), and curated-term counts per
article (article_terms, complete for the terms in indexed_terms), back-filled here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from analysis.vocabulary import load_vocabulary
from db.terms import index_terms

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("published_month", sa.String(length=7), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE articles SET published_month = to_char(published_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') "
            "WHERE published_at IS NOT NULL"
        )
    else:  # stored as UTC text; China has kept UTC+8 without daylight saving since 1991
        op.execute(
            "UPDATE articles SET published_month = strftime('%Y-%m', published_at, '+8 hours') "
            "WHERE published_at IS NOT NULL"
        )
    op.create_index("ix_articles_month_site", "articles", ["published_month", "site_id", "id"])
    op.create_table(
        "article_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("published_month", sa.String(length=7), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "article_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_article_terms_article", "article_terms", ["article_id"])
    op.create_table(
        "indexed_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("spellings", sa.Text(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("term"),
    )
    # The shipped terms counted in every stored article (minutes per million articles), then listed; an
    # analyst's own terms (NEWSMON_TERMS_FILE) are counted by `newsmon index-terms`.
    index_terms(Session(bind=op.get_bind()), load_vocabulary(analyst=False))


def downgrade() -> None:
    op.drop_table("indexed_terms")
    op.drop_table("article_terms")
    op.drop_index("ix_articles_month_site", table_name="articles")
    op.drop_column("articles", "published_month")

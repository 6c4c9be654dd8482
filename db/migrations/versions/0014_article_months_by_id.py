"""An index of each article's month and site by id, so that counting a query's matches per month reads a small index
instead of the article rows (a common word's 300,000 matches at a million articles: each row holds the body, so each
match read a page of its own).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_articles_id_month ON articles (id, published_month, site_id)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_articles_id_month")

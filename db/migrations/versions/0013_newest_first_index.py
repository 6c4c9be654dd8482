"""An index of articles newest first on PostgreSQL, so that a browse and a search sorted by date walk it and stop at
the page's end instead of sorting every article; and an index of the clusters of reprints that have copies, which
the counting of each speech once starts from (on PostgreSQL it is also what a statement planned without sequential
scans can read them by, instead of testing every article).

Pages list the newest first with the undated last (ORDER BY published_at DESC NULLS LAST, id DESC). PostgreSQL
reads an ascending index backwards as DESC NULLS FIRST, so the index on published_at alone cannot give that order.
SQLite sorts NULL first ascending, so last descending: its index on published_at already gives it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_articles_newest ON articles (published_at DESC NULLS LAST, id DESC)")
    op.execute(
        "CREATE INDEX ix_article_reprints_copies ON article_reprints (canonical_id) WHERE article_id <> canonical_id"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_article_reprints_copies")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_articles_newest")

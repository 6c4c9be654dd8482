"""Column frontiers: per column, the newest article its last complete run listed (see db/frontier.py).

No rows are written here: until a column's first complete run, crawls read it to the page limit once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "column_frontiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("column_url", sa.String(length=2000), nullable=False),
        sa.Column("article_url", sa.String(length=2000), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "column_url", name="uq_column_frontiers_site_column"),
    )


def downgrade() -> None:
    op.drop_table("column_frontiers")

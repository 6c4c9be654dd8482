"""Persistent LSH for reprint matching: the band buckets of every stored MinHash signature, back-filled here.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from analysis.reprints import band_rows

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000


def upgrade() -> None:
    bands = op.create_table(
        "article_reprint_bands",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("band", "bucket", "article_id"),
        sqlite_with_rowid=False,
    )
    assert bands is not None
    reprints = sa.table(
        "article_reprints", sa.column("article_id", sa.Integer()), sa.column("minhash", sa.LargeBinary())
    )
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(reprints.c.article_id, reprints.c.minhash)
            .where(reprints.c.article_id > after)
            .order_by(reprints.c.article_id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        connection.execute(sa.insert(bands), band_rows([(int(a), bytes(m)) for a, m in rows]))
        after = int(rows[-1][0])


def downgrade() -> None:
    op.drop_table("article_reprint_bands")

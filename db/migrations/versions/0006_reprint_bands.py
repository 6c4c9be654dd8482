"""Persistent LSH for reprint matching: the band buckets of every stored MinHash signature, back-filled here.

The layout is frozen as this revision used it: 128-permutation signatures (little-endian uint64 values) cut into
37 bands of 3 rows (datasketch's optimum for a Jaccard threshold of 0.3), each band folded into one signed 64-bit
bucket key. Matching looks candidates up by these keys, so the layout changes only with a revision that
rewrites every row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000
NUM_PERM = 128
BANDS = 37
ROWS = 3
BAND_STARTS = np.arange(0, BANDS * ROWS, ROWS, dtype=np.intp)


def band_buckets(hashvalues: np.ndarray) -> np.ndarray:
    """n × NUM_PERM hash values → n × BANDS bucket keys: a band's rows folded polynomially, then splitmix64's
    finaliser, viewed as signed 64-bit integers."""
    values = np.atleast_2d(np.asarray(hashvalues, dtype=np.uint64))
    h = np.zeros((values.shape[0], BANDS), dtype=np.uint64)
    for row in range(ROWS):
        h = h * np.uint64(0x100000001B3) + values[:, BAND_STARTS + row]
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h.view(np.int64)


def band_rows(signatures: Sequence[tuple[int, bytes]]) -> list[dict[str, int]]:
    """Rows of article_reprint_bands for stored signatures (article id, MinHash bytes)."""
    if not signatures:
        return []
    keys = band_buckets(np.stack([np.frombuffer(data, dtype="<u8") for _, data in signatures]))
    return [
        {"band": band, "bucket": int(key), "article_id": article_id}
        for (article_id, _), row in zip(signatures, keys, strict=True)
        for band, key in enumerate(row)
    ]


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

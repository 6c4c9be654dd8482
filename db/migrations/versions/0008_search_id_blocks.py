"""PostgreSQL: each article's tsvector also holds its block of ids (db/fts.py ID_BLOCK), so that a search walking
the newest matches asks the GIN index for one window of ids at a time (db/search.py).

The trigger appends the block lexeme from now on; existing documents get theirs here, with the GIN index dropped
and built again around the rewrite (12 minutes at a million articles on two cores: 5 to rewrite, 7 to build).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from db import fts

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

F = fts.SQL_FUNCTION
BLOCK = fts.PG_BLOCK_FUNCTION


def _sync_function(document: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION article_search_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO article_search(article_id, document) VALUES (NEW.id, {document})
      ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document;
      RETURN NULL;
    END
    $fn$"""


# Migration 0005's document, then the block.
DOCUMENT = (
    f"setweight(to_tsvector('simple', {F}(NEW.title)), 'A') || setweight(to_tsvector('simple', {F}(NEW.body)), 'D')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(fts.PG_BLOCK_SQL)
    op.execute(_sync_function(f"{DOCUMENT} || {BLOCK}(NEW.id)"))
    op.execute("DROP INDEX ix_article_search_document")
    op.execute(f"UPDATE article_search SET document = document || {BLOCK}(article_id)")
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # a GIN build sorts its entries in this memory
    op.execute("CREATE INDEX ix_article_search_document ON article_search USING gin (document)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_sync_function(DOCUMENT))
    op.execute("DROP INDEX ix_article_search_document")
    op.execute(f"UPDATE article_search SET document = ts_delete(document, ARRAY[{fts.PG_BLOCK_TEXT}])")
    op.execute("CREATE INDEX ix_article_search_document ON article_search USING gin (document)")
    op.execute(f"DROP FUNCTION IF EXISTS {BLOCK}(integer)")

"""Full-text search: an FTS5 table (SQLite) or a tsvector table with a GIN index (PostgreSQL), kept by triggers.

Both index the character-bigram tokens of db/fts.py; existing articles are indexed here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

from db import fts

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

F = fts.SQL_FUNCTION

SQLITE = [
    # Contentless: the articles table holds the text; the index holds only tokens (about half the size).
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='', tokenize='unicode61 remove_diacritics 0')",
    f"""CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
      INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, {F}(new.title), {F}(new.body));
    END""",
    f"""CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN
      INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, {F}(old.title), {F}(old.body));
      INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, {F}(new.title), {F}(new.body));
    END""",
    f"""CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
      INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, {F}(old.title), {F}(old.body));
    END""",
    f"INSERT INTO articles_fts(rowid, title, body) SELECT id, {F}(title), {F}(body) FROM articles",
]

PG_DOCUMENT = (
    f"setweight(to_tsvector('simple', {F}(NEW.title)), 'A') || setweight(to_tsvector('simple', {F}(NEW.body)), 'D')"
)

POSTGRESQL = [
    fts.PG_FUNCTION_SQL,
    """CREATE TABLE article_search (
      article_id integer PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
      document tsvector NOT NULL
    )""",
    f"""CREATE OR REPLACE FUNCTION article_search_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO article_search(article_id, document) VALUES (NEW.id, {PG_DOCUMENT})
      ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document;
      RETURN NULL;
    END
    $fn$""",
    """CREATE TRIGGER article_search_insert AFTER INSERT ON articles
      FOR EACH ROW EXECUTE FUNCTION article_search_sync()""",
    """CREATE TRIGGER article_search_update AFTER UPDATE OF title, body ON articles
      FOR EACH ROW EXECUTE FUNCTION article_search_sync()""",
    # Existing articles; the alias NEW lets the backfill share the trigger's expression.
    f"INSERT INTO article_search(article_id, document) SELECT NEW.id, {PG_DOCUMENT} FROM articles AS NEW",
    "CREATE INDEX ix_article_search_document ON article_search USING gin (document)",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # A connection opened outside db/engine.py (the alembic command line) lacks the tokeniser.
        driver = bind.connection.driver_connection
        assert driver is not None
        driver.create_function(F, 1, fts.bigram_text, deterministic=True)
        for statement in SQLITE:
            op.execute(statement)
    else:
        for statement in POSTGRESQL:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("articles_fts_insert", "articles_fts_update", "articles_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    else:
        op.execute("DROP TABLE IF EXISTS article_search")
        op.execute("DROP FUNCTION IF EXISTS article_search_sync() CASCADE")
        op.execute(f"DROP FUNCTION IF EXISTS {F}(text)")

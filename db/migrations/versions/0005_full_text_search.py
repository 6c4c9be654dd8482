"""Full-text search: an FTS5 table (SQLite) or a tsvector table with a GIN index (PostgreSQL), kept by triggers.

Both index character-bigram tokens: Chinese runs as overlapping bigrams plus the run's last character, Latin
letters and digits as words, after NFKC and lower case. The tokeniser is frozen below as this revision defined
it: the Python copy fills the SQLite index of the articles already stored, the PL/pgSQL copy is the
``newsmon_bigrams`` function PostgreSQL's trigger calls. On SQLite the triggers call ``newsmon_bigrams``, which
newsmon registers on each connection it opens (it must give the same tokens as these copies).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import operator
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

F = "newsmon_bigrams"
# The frozen tokeniser under a name of this revision's own, for the back-fill (the connection's newsmon_bigrams
# is whatever the running newsmon registered).
BACKFILL = "newsmon_bigrams_0005"

# CJK Unified Ideographs, Extension A and Compatibility Ideographs; everything else separates runs.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN = re.compile(f"[{CJK}]+|[a-z0-9]+")
CJK_RUN = re.compile(f"^[{CJK}]")


def normalise(text: str) -> str:
    """NFKC (full-width Ａ１ → a1) and lower case."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def document_tokens(text: str | None) -> list[str]:
    """Tokens in index order: bigrams of each Chinese run, then its last character; Latin runs whole."""
    tokens: list[str] = []
    for run in RUN.findall(normalise(text or "")):
        if CJK_RUN.match(run):
            tokens.extend(map(operator.add, run, run[1:]))
            tokens.append(run[-1])
        else:
            tokens.append(run)
    return tokens


def bigram_text(text: str | None) -> str:
    return " ".join(document_tokens(text))


# The same tokens in PL/pgSQL (PostgreSQL 13+ for normalize()). IMMUTABLE so an index may use it.
PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {F}(doc text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  run text;
  n int;
  tokens text[] := '{{}}';
BEGIN
  IF doc IS NULL THEN
    RETURN '';
  END IF;
  FOR run IN
    SELECT m[1] FROM regexp_matches(lower(normalize(doc, NFKC)), '([{CJK}]+|[a-z0-9]+)', 'g') AS m
  LOOP
    n := char_length(run);
    IF run ~ '^[a-z0-9]' THEN
      tokens := array_append(tokens, run);
    ELSE
      FOR i IN 1 .. n - 1 LOOP
        tokens := array_append(tokens, substr(run, i, 2));
      END LOOP;
      tokens := array_append(tokens, substr(run, n, 1));
    END IF;
  END LOOP;
  RETURN array_to_string(tokens, ' ');
END
$fn$;
"""

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
    f"INSERT INTO articles_fts(rowid, title, body) SELECT id, {BACKFILL}(title), {BACKFILL}(body) FROM articles",
]

PG_DOCUMENT = (
    f"setweight(to_tsvector('simple', {F}(NEW.title)), 'A') || setweight(to_tsvector('simple', {F}(NEW.body)), 'D')"
)

POSTGRESQL = [
    PG_FUNCTION_SQL,
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


def _register(driver: Any) -> None:
    driver.create_function(BACKFILL, 1, bigram_text, deterministic=True)
    registered = {row[0] for row in driver.execute("PRAGMA function_list")}
    if F not in registered:
        # A connection opened outside newsmon (the alembic command line): the triggers need the tokeniser too.
        driver.create_function(F, 1, bigram_text, deterministic=True)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        driver = bind.connection.driver_connection
        assert driver is not None
        _register(driver)
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

"""The full-text index's tokens: Chinese as overlapping character bigrams, Latin letters and digits as words.

Search indexes bigrams, not jieba words (bench/segmentation.py measured bigrams ~100× faster than jieba, and
they need no dictionary: a term coined next year is found the day it appears). A phrase query is the
sequence of its bigrams at consecutive positions, so 数字政府 matches only where the four characters stand
together, never 数字 … 政府 apart. Each run of Chinese also ends with its last character alone, so a
one-character query (prefix match on the bigrams plus that unigram) finds every occurrence.

The database computes the same tokens itself, so that a write from any tool keeps the index in step:
PostgreSQL with the PL/pgSQL function ``newsmon_bigrams`` (migration 0005), SQLite with plain SQL in the
triggers of migration 0011 (its character folds in the table ``fts_fold``). Both must agree with
:func:`document_tokens` token for token (tests/test_outside_tools.py).
"""

from __future__ import annotations

from ground.query import CJK, document_tokens

SQL_FUNCTION = "newsmon_bigrams"


def bigram_text(text: str | None) -> str:
    """The tokens joined by spaces: what the FTS5 table (unicode61 tokenizer) and to_tsvector('simple') index."""
    return " ".join(document_tokens(text))


# The same tokens in PL/pgSQL (PostgreSQL 13+ for normalize()). IMMUTABLE so an index may use it.
PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {SQL_FUNCTION}(doc text) RETURNS text
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


# PostgreSQL: each article's document also holds, without a position, the lexeme of its block of ids, so that a
# search walking the newest matches can ask the GIN index alone for the candidates in a window of ids: the query's
# keys and the window's blocks, conditions one GIN index scan answers together, with no plan that reads every
# tsvector of the window to test it (db/search.py). A block's lexeme starts with "_", which no token of a title, a
# body or a query does. Changing ID_BLOCK needs a migration that rewrites every document, as 0008 does.
ID_BLOCK = 10_000


BLOCK_PREFIX = "_b"


def block_lexeme(block: int) -> str:
    return f"{BLOCK_PREFIX}{block}"


PG_BLOCK_FUNCTION = "newsmon_block"
PG_BLOCK_TEXT = f"'{BLOCK_PREFIX}' || (article_id / {ID_BLOCK})::text"  # block_lexeme() of column article_id, in SQL
PG_BLOCK_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_BLOCK_FUNCTION}(article_id integer) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT array_to_tsvector(ARRAY[{PG_BLOCK_TEXT}])
$fn$;
"""

"""The file in other tools: SQLite's full-text triggers in plain SQL, timestamps with their offset, JSON as UTF-8.

- Full text (SQLite): the triggers that keep articles_fts in step computed tokens with a Python function only
  newsmon registers, so an UPDATE or DELETE from sqlite3 or Datasette failed with "no such function". They now
  compute the same tokens in SQL (db/fts.py document_tokens: NFKC and lower case one character at a time, read
  from the table fts_fold; then Chinese bigrams, each run's last character, and Latin words), with the table
  fts_numbers to walk a text. The index is rebuilt here with those tokens.
- Timestamps (SQLite): stored as ISO 8601 text with their offset, 2024-01-15T10:00:00.000000+08:00: article
  dates (published_at) in Asia/Shanghai, every other time in UTC (+00:00). Rows written before are rewritten;
  newsmon still reads the old form (naive UTC) wherever it meets it.
- JSON columns (SQLite): text written with \\u escapes is rewritten as UTF-8. (PostgreSQL's jsonb and timestamptz
  already are what other tools read; its full-text trigger is already SQL.)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import itertools
import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ---- The tokeniser in SQL -------------------------------------------------------------------------------------

CHUNK = 100  # a text is cut into chunks of this many characters, each walked by fts_numbers
NUMBERS = 100_000  # so a title or body of up to CHUNK × NUMBERS = 10,000,000 characters is indexed whole
WORD_REACH = 400  # characters past its chunk a Latin word is looked for before the slower whole-text path
WORD = "abcdefghijklmnopqrstuvwxyz0123456789"


def _kind(char: str) -> str:
    """'w' for [a-z0-9], 'c' for the CJK ranges of db/fts.py, '' for a separator."""
    code = f"unicode({char})"
    return (
        f"(CASE WHEN {char} BETWEEN 'a' AND 'z' OR {char} BETWEEN '0' AND '9' THEN 'w'"
        f" WHEN {code} BETWEEN 19968 AND 40959 OR {code} BETWEEN 13312 AND 19903 OR {code} BETWEEN 63744 AND 64255"
        " THEN 'c' ELSE '' END)"
    )


def _folded(text: str) -> str:
    """The text folded one character at a time (fts_fold), in order. CJK ideographs and ASCII other than A-Z
    fold to themselves and skip the lookup."""
    return f"""(SELECT coalesce(group_concat(CASE
        WHEN code BETWEEN 19968 AND 40959 OR code BETWEEN 32 AND 64 OR code BETWEEN 91 AND 126 THEN c
        ELSE coalesce((SELECT folded FROM fts_fold WHERE cp = code), c) END, ''), '')
      FROM (SELECT c, unicode(c) AS code FROM (
        SELECT substr(chunk.part, i.n + 1, 1) AS c
        FROM (SELECT n, substr({text}, n * {CHUNK} + 1, {CHUNK}) AS part FROM fts_numbers
              WHERE n <= (length({text}) - 1) / {CHUNK} LIMIT -1) AS chunk
        CROSS JOIN fts_numbers AS i ON i.n < {CHUNK} AND i.n < length(chunk.part)
        ORDER BY chunk.n, i.n LIMIT -1)))"""


def tokens_sql(text: str) -> str:
    """SQL for db/fts.py bigram_text(text): at each position of the folded text, a Chinese character with the next
    one (or alone, at the end of its run), a Latin word where one starts. A chunk carries the character before
    it and WORD_REACH after it, so that neighbours and most words are read from it."""
    folded = _folded(text)
    prev, cur, nxt = (f"substr(chunk.part, i.n + {k}, 1)" for k in (1, 2, 3))
    rest = "substr(chunk.part, i.n + 2)"
    at = f"(chunk.n * {CHUNK} + i.n + 1)"
    whole_rest = f"substr({folded}, {at})"
    word = f"substr({rest}, 1, length({rest}) - length(ltrim({rest}, '{WORD}')))"
    long_word = f"substr({whole_rest}, 1, length({whole_rest}) - length(ltrim({whole_rest}, '{WORD}')))"
    return f"""(SELECT coalesce(group_concat(token, ' '), '') FROM (
      SELECT CASE {_kind(cur)}
          WHEN 'c' THEN {cur} || CASE WHEN {_kind(nxt)} = 'c' THEN {nxt} ELSE '' END
          WHEN 'w' THEN CASE
            WHEN {_kind(prev)} = 'w' THEN NULL
            WHEN ltrim({rest}, '{WORD}') <> '' OR length(chunk.part) < {CHUNK + 2 + WORD_REACH} THEN {word}
            ELSE {long_word} END
        END AS token
      FROM (SELECT n, substr(' ' || folded, n * {CHUNK} + 1, {CHUNK + 2 + WORD_REACH}) AS part
            FROM (SELECT {folded} AS folded LIMIT 1) CROSS JOIN fts_numbers
            WHERE n <= (length(folded) - 1) / {CHUNK} LIMIT -1) AS chunk
      CROSS JOIN fts_numbers AS i ON i.n < {CHUNK} AND i.n < length(chunk.part) - 1
      ORDER BY chunk.n, i.n LIMIT -1
    ) WHERE token IS NOT NULL)"""


def _triggers() -> list[str]:
    def delete(row: str) -> str:
        return f"""INSERT INTO articles_fts(articles_fts, rowid, title, body)
          VALUES ('delete', {row}.id, {tokens_sql(f"{row}.title")}, {tokens_sql(f"{row}.body")});"""

    insert = f"""INSERT INTO articles_fts(rowid, title, body)
      VALUES (new.id, {tokens_sql("new.title")}, {tokens_sql("new.body")});"""
    return [
        f"CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN {insert} END",
        f"CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles "
        f"BEGIN {delete('old')} {insert} END",
        f"CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN {delete('old')} END",
    ]


# 0005's triggers, for the downgrade (they call the function newsmon registered on its connections until 0011).
F = "newsmon_bigrams"
OLD_TRIGGERS = [
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
]


def fold_rows() -> list[tuple[int, str]]:
    """Every character that NFKC and lower case change, with what they make of it (CJK Extension B and later
    planes hold none outside the compatibility ideographs of plane 2)."""
    rows = []
    for code in [*range(0xD800), *range(0xE000, 0x30000), *range(0xE0000, 0xE1000)]:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char).lower()
        if folded != char:
            rows.append((code, folded))
    return rows


# A copy of db/fts.py's tokens at this revision, to index the stored articles fast; the triggers' SQL makes the same.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def _python_tokens(text: str | None) -> str:
    folded = "".join(unicodedata.normalize("NFKC", char) for char in text or "").lower()
    tokens: list[str] = []
    for run in re.findall(f"[{CJK}]+|[a-z0-9]+", folded):
        if re.match(f"[{CJK}]", run):
            tokens.extend(a + b for a, b in itertools.pairwise(run))
            tokens.append(run[-1])
        else:
            tokens.append(run)
    return " ".join(tokens)


def _full_text() -> None:
    bind = op.get_bind()
    for trigger in ("articles_fts_insert", "articles_fts_update", "articles_fts_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("CREATE TABLE fts_numbers (n INTEGER PRIMARY KEY)")
    op.execute(
        "INSERT INTO fts_numbers(n) WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k "
        f"WHERE n + 1 < {NUMBERS}) SELECT n FROM k"
    )
    op.execute("CREATE TABLE fts_fold (cp INTEGER PRIMARY KEY, folded TEXT NOT NULL)")
    bind.execute(
        sa.text("INSERT INTO fts_fold(cp, folded) VALUES (:cp, :folded)"),
        [{"cp": cp, "folded": folded} for cp, folded in fold_rows()],
    )
    driver = bind.connection.driver_connection
    assert driver is not None
    driver.create_function("newsmon_tokens_0011", 1, _python_tokens, deterministic=True)
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
    op.execute(
        "INSERT INTO articles_fts(rowid, title, body) "
        "SELECT id, newsmon_tokens_0011(title), newsmon_tokens_0011(body) FROM articles"
    )
    for statement in _triggers():
        op.execute(statement)


# ---- Timestamps and JSON ----------------------------------------------------------------------------------------

SHANGHAI_COLUMNS = {("articles", "published_at"), ("article_versions", "published_at")}


def _columns(kind: type[sa.types.TypeEngine[Any]]) -> list[tuple[str, str]]:
    inspector = sa.inspect(op.get_bind())
    return [
        (table, column["name"])
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
        if isinstance(column["type"], kind)
    ]


def _timestamps() -> None:
    # Old rows: 'YYYY-MM-DD HH:MM:SS.ffffff', naive UTC (SQLAlchemy's form), 26 characters.
    for table, column in _columns(sa.DateTime):
        if (table, column) in SHANGHAI_COLUMNS:
            new = f"strftime('%Y-%m-%dT%H:%M:%S', {column}, '+8 hours') || substr({column}, 20, 7) || '+08:00'"
        else:
            new = f"replace({column}, ' ', 'T') || '+00:00'"
        op.execute(f"UPDATE {table} SET {column} = {new} WHERE length({column}) = 26 AND {column} LIKE '____-__-__ %'")


def _json_text() -> None:
    bind = op.get_bind()
    for table, column in _columns(sa.JSON):
        escaped = bind.execute(sa.text(f"SELECT rowid, {column} FROM {table} WHERE instr({column}, '\\u') > 0"))
        rows = [{"id": rowid, "value": json.dumps(json.loads(value), ensure_ascii=False)} for rowid, value in escaped]
        if rows:
            bind.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE rowid = :id"), rows)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _full_text()
    _timestamps()
    _json_text()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column in _columns(sa.DateTime):
        if (table, column) in SHANGHAI_COLUMNS:
            old = f"strftime('%Y-%m-%d %H:%M:%S', {column}) || substr({column}, 20, 7)"
        else:
            old = f"replace(substr({column}, 1, 26), 'T', ' ')"
        op.execute(f"UPDATE {table} SET {column} = {old} WHERE length({column}) = 32")
    for trigger in ("articles_fts_insert", "articles_fts_update", "articles_fts_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE fts_numbers")
    op.execute("DROP TABLE fts_fold")
    for statement in OLD_TRIGGERS:
        op.execute(statement)

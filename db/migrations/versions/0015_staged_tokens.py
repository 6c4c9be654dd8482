"""newsmon hands the full-text triggers the tokens it has already made (SQLite).

The triggers of 0011 tokenise a new or changed article in SQL, so that a write from any other tool keeps the index in
step; that costs about 30 ms an article, ten times the rest of storing it. newsmon makes the same tokens in Python
(db/fts.py bigram_text) in a fraction of a millisecond, so it now writes them to the table fts_staged under the
article's URL, in the same transaction, just before it inserts or changes the article; the triggers index what
they find there (and remove it), and tokenise in SQL only where nothing was staged, as for any other tool. The
table is empty outside newsmon's own transactions.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ---- The tokeniser in SQL, as 0011 made it --------------------------------------------------------------------

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


# ---- The triggers ---------------------------------------------------------------------------------------------


def _tokens(row: str, column: str, staged: str) -> str:
    """The staged tokens of the row's column if newsmon staged them, else the SQL tokeniser's."""
    return f"CASE WHEN s.url IS NULL OR s.{staged} IS NULL THEN {tokens_sql(f'{row}.{column}')} ELSE s.{staged} END"


def _insert(row: str) -> str:
    return f"""INSERT INTO articles_fts(rowid, title, body)
      SELECT {row}.id, {_tokens(row, "title", "title")}, {_tokens(row, "body", "body")}
      FROM (SELECT 1) LEFT JOIN fts_staged AS s ON s.url = {row}.url;"""


def _delete_old() -> str:
    """Take the replaced text's entries out: the tokens staged for it, else the SQL tokeniser's of the old row."""
    title, body = (_tokens("old", c, f"old_{c}") for c in ("title", "body"))
    return f"""INSERT INTO articles_fts(articles_fts, rowid, title, body)
      SELECT 'delete', old.id, {title}, {body} FROM (SELECT 1) LEFT JOIN fts_staged AS s ON s.url = new.url;"""


def triggers(staged: bool) -> list[str]:
    """The insert and update triggers: with staged tokens (this revision) or without (0011's)."""
    if not staged:
        insert = f"""INSERT INTO articles_fts(rowid, title, body)
      VALUES (new.id, {tokens_sql("new.title")}, {tokens_sql("new.body")});"""
        delete = f"""INSERT INTO articles_fts(articles_fts, rowid, title, body)
          VALUES ('delete', old.id, {tokens_sql("old.title")}, {tokens_sql("old.body")});"""
        return [
            f"CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN {insert} END",
            "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles"
            f" WHEN old.title IS NOT new.title OR old.body IS NOT new.body BEGIN {delete} {insert} END",
        ]
    done = "DELETE FROM fts_staged WHERE url = new.url;"
    return [
        f"CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN {_insert('new')} {done} END",
        # Only when the text changed: a write of the same title and body leaves the same tokens.
        "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles"
        f" WHEN old.title IS NOT new.title OR old.body IS NOT new.body"
        f" BEGIN {_delete_old()} {_insert('new')} {done} END",
    ]


def _replace(statements: list[str]) -> None:
    for trigger in ("articles_fts_insert", "articles_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # One row per article being written: its URL, its tokens and, for a change, the tokens of the text it replaces.
    op.execute(
        "CREATE TABLE fts_staged (url TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, "
        "old_title TEXT, old_body TEXT)"
    )
    _replace(triggers(staged=True))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _replace(triggers(staged=False))
    op.execute("DROP TABLE fts_staged")

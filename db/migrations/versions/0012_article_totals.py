"""Article totals: how many articles each site holds per kind and month, and how many of them are reprint copies.

A browse, its facets and a trend's denominator read these totals instead of counting every article. The table
is filled here from the stored rows and kept in step by triggers on articles and article_reprints (SQLite and
PostgreSQL), so a write from any tool keeps it right. A row whose count falls to zero is removed.

- kind and month are '' where the article has none (a primary key holds no NULL);
- reprint is 1 for an article whose reprint cluster names another article as its original (the copies the
  each-speech-once rule leaves out when nothing else narrows the count), else 0.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "site_id, kind, month, reprint"


def _copy(article: str) -> str:
    """SQL: 1 when the article's reprint row names another article as the original, else 0."""
    return (
        "(SELECT count(*) FROM article_reprints AS r "
        f"WHERE r.article_id = {article} AND r.canonical_id <> r.article_id)"
    )


def _sqlite_add(site: str, kind: str, month: str, reprint: str, where: str = "") -> str:
    return (
        f"INSERT INTO article_totals ({KEY}, articles) "
        f"SELECT {site}, coalesce({kind}, ''), coalesce({month}, ''), {reprint}, 1 WHERE 1 {where} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET articles = articles + 1;"
    )


def _sqlite_remove(site: str, kind: str, month: str, reprint: str, where: str = "") -> str:
    key = f"site_id = {site} AND kind = coalesce({kind}, '') AND month = coalesce({month}, '') AND reprint = {reprint}"
    return (
        f"UPDATE article_totals SET articles = articles - 1 WHERE {key} {where}; "
        f"DELETE FROM article_totals WHERE {key} AND articles <= 0;"
    )


def _sqlite_triggers() -> list[str]:
    new = ("new.site_id", "new.kind", "new.published_month", _copy("new.id"))
    old = ("old.site_id", "old.kind", "old.published_month", _copy("old.id"))
    # An article's row in the totals moves between reprint 0 and 1 when its reprint row changes.
    article = "(SELECT {0} FROM articles AS a WHERE a.id = {1})"

    def moved(row: str, gone: str, came: str) -> str:
        site, kind, month = (
            article.format(c, f"{row}.article_id") for c in ("a.site_id", "a.kind", "a.published_month")
        )
        exists = f"AND EXISTS (SELECT 1 FROM articles AS a WHERE a.id = {row}.article_id)"
        return _sqlite_remove(site, kind, month, gone, exists) + " " + _sqlite_add(site, kind, month, came, exists)

    copy_old = "(old.canonical_id <> old.article_id)"
    copy_new = "(new.canonical_id <> new.article_id)"
    return [
        f"CREATE TRIGGER article_totals_insert AFTER INSERT ON articles BEGIN {_sqlite_add(*new)} END",
        "CREATE TRIGGER article_totals_update AFTER UPDATE OF site_id, kind, published_month ON articles "
        "WHEN old.site_id IS NOT new.site_id OR old.kind IS NOT new.kind "
        f"OR old.published_month IS NOT new.published_month BEGIN {_sqlite_remove(*old)} {_sqlite_add(*new)} END",
        f"CREATE TRIGGER article_totals_delete AFTER DELETE ON articles BEGIN {_sqlite_remove(*old)} END",
        # The article's row as it was before the reprint row came, changed or went, then as it is now.
        f"CREATE TRIGGER article_totals_reprint_insert AFTER INSERT ON article_reprints WHEN {copy_new} "
        f"BEGIN {moved('new', '0', '1')} END",
        "CREATE TRIGGER article_totals_reprint_update AFTER UPDATE OF article_id, canonical_id ON article_reprints "
        f"WHEN {copy_old} IS NOT {copy_new} OR old.article_id IS NOT new.article_id "
        f"BEGIN {moved('old', copy_old, '0')} {moved('new', '0', copy_new)} END",
        f"CREATE TRIGGER article_totals_reprint_delete AFTER DELETE ON article_reprints WHEN {copy_old} "
        f"BEGIN {moved('old', '1', '0')} END",
    ]


SQLITE_TRIGGER_NAMES = [
    "article_totals_insert",
    "article_totals_update",
    "article_totals_delete",
    "article_totals_reprint_insert",
    "article_totals_reprint_update",
    "article_totals_reprint_delete",
]

PG_FUNCTIONS = [
    # One article counted in (step 1) or out (step -1) of its row.
    """CREATE OR REPLACE FUNCTION article_totals_step(p_site integer, p_kind text, p_month text, p_reprint smallint,
                                               p_step integer) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO article_totals (site_id, kind, month, reprint, articles)
    VALUES (p_site, coalesce(p_kind, ''), coalesce(p_month, ''), p_reprint, p_step)
    ON CONFLICT (site_id, kind, month, reprint) DO UPDATE SET articles = article_totals.articles + p_step;
  IF p_step < 0 THEN
    DELETE FROM article_totals WHERE site_id = p_site AND kind = coalesce(p_kind, '')
      AND month = coalesce(p_month, '') AND reprint = p_reprint AND articles <= 0;
  END IF;
END
$fn$""",
    """CREATE OR REPLACE FUNCTION article_totals_copy(p_article integer) RETURNS smallint LANGUAGE sql STABLE AS $fn$
  SELECT count(*)::smallint FROM article_reprints WHERE article_id = p_article AND canonical_id <> article_id
$fn$""",
    """CREATE OR REPLACE FUNCTION article_totals_articles() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM article_totals_step(OLD.site_id, OLD.kind, OLD.published_month, article_totals_copy(OLD.id), -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM article_totals_step(NEW.site_id, NEW.kind, NEW.published_month, article_totals_copy(NEW.id), 1);
  END IF;
  RETURN NULL;
END
$fn$""",
    """CREATE OR REPLACE FUNCTION article_totals_reprints() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  a record;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.canonical_id <> OLD.article_id THEN
    SELECT site_id, kind, published_month INTO a FROM articles WHERE id = OLD.article_id;
    IF FOUND THEN
      PERFORM article_totals_step(a.site_id, a.kind, a.published_month, 1::smallint, -1);
      PERFORM article_totals_step(a.site_id, a.kind, a.published_month, 0::smallint, 1);
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.canonical_id <> NEW.article_id THEN
    SELECT site_id, kind, published_month INTO a FROM articles WHERE id = NEW.article_id;
    IF FOUND THEN
      PERFORM article_totals_step(a.site_id, a.kind, a.published_month, 0::smallint, -1);
      PERFORM article_totals_step(a.site_id, a.kind, a.published_month, 1::smallint, 1);
    END IF;
  END IF;
  RETURN NULL;
END
$fn$""",
]
PG_TRIGGERS = [
    """CREATE TRIGGER article_totals_write AFTER INSERT OR DELETE ON articles
      FOR EACH ROW EXECUTE FUNCTION article_totals_articles()""",
    """CREATE TRIGGER article_totals_update AFTER UPDATE OF site_id, kind, published_month ON articles
      FOR EACH ROW WHEN (OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.kind IS DISTINCT FROM NEW.kind
                         OR OLD.published_month IS DISTINCT FROM NEW.published_month)
      EXECUTE FUNCTION article_totals_articles()""",
    """CREATE TRIGGER article_totals_reprints AFTER INSERT OR UPDATE OF article_id, canonical_id OR DELETE
      ON article_reprints FOR EACH ROW EXECUTE FUNCTION article_totals_reprints()""",
]

FILL = f"""
INSERT INTO article_totals ({KEY}, articles)
SELECT a.site_id, coalesce(a.kind, ''), coalesce(a.published_month, ''),
       CASE WHEN r.canonical_id IS NOT NULL AND r.canonical_id <> a.id THEN 1 ELSE 0 END, count(*)
FROM articles AS a LEFT JOIN article_reprints AS r ON r.article_id = a.id
GROUP BY 1, 2, 3, 4
"""


def upgrade() -> None:
    op.create_table(
        "article_totals",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("reprint", sa.SmallInteger(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "kind", "month", "reprint"),
    )
    op.execute(FILL)
    if op.get_bind().dialect.name == "postgresql":
        for statement in [*PG_FUNCTIONS, *PG_TRIGGERS]:
            op.execute(statement)
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS article_totals_write ON articles")
        op.execute("DROP TRIGGER IF EXISTS article_totals_update ON articles")
        op.execute("DROP TRIGGER IF EXISTS article_totals_reprints ON article_reprints")
        op.execute("DROP FUNCTION IF EXISTS article_totals_reprints()")
        op.execute("DROP FUNCTION IF EXISTS article_totals_articles()")
        op.execute("DROP FUNCTION IF EXISTS article_totals_copy(integer)")
        op.execute("DROP FUNCTION IF EXISTS article_totals_step(integer, text, text, smallint, integer)")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("article_totals")

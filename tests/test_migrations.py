"""Migrations: an archive created at 0001 and upgraded to head holds what a database filled at head holds.

The reference database is filled the normal way (`newsmon init`, a crawl of the bundled mirror, a watch, imports).
The old one is created at 0001 and given the same stored facts revision by revision, as an archive of that time
held them (articles and runs at 0001, speakers at 0002, reprint clusters at 0004 …), never what a revision
derives itself (versions, the full-text index, LSH buckets, months, term counts), which the upgrade must produce.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, Integer, MetaData, Table, inspect, select, text, update
from sqlalchemy.engine import Connection, Engine
from typer.testing import CliRunner

from cli.app import app
from db.engine import MIGRATIONS, alembic_config, make_engine, upgrade
from tests.conftest import MIRROR_SITE, PG_BASE, ROOT

VERSIONS = MIGRATIONS / "versions"
# What the revisions derive from the stored facts: the upgrade has to produce these itself.
DERIVED_TABLES = {"article_versions", "article_search", "article_reprint_bands", "article_terms", "indexed_terms"}
DERIVED_COLUMNS = {("articles", "published_month")}
# Known to differ, and why: when the counts were listed (the upgrade's time, not init's); the run that stored a
# version (an archive from before 0003 kept no versions, so its version 1 names no run) and the version's row id
# (concurrent writers take ids in the order they commit; a version is known by its article and number).
UNCOMPARED_COLUMNS = {("indexed_terms", "indexed_at"), ("article_versions", "run_id"), ("article_versions", "id")}
QUERIES = ['"数字 政府"', "5g", "网络安全 OR 工业互联网 -主持"]

# The project's own text: a speech and another site's reprint of it (a lead added, a paragraph dropped).
SPEECH = """推进数字政府建设 提升政务服务效能
来源:中国电子政务网 更新时间:2024-03-12

本网北京3月12日电 全国数字政府建设推进会今天在北京召开。国务院办公厅负责同志出席会议并讲话。

会议指出，要加快推进“互联网+政务服务”，深化“一网通办”，让企业和群众办事少跑腿。

会议强调，要统筹发展和安全，筑牢网络安全防线，推动５Ｇ、工业互联网和大数据在政务场景中的应用。

会议要求，各地区各部门要完善政务数据共享机制，健全电子证照互认，推进跨省通办事项扩围增效。

会议还对优化营商环境、提升12345热线服务水平作出部署，强调要以数字化转型驱动治理方式变革。
"""
REPRINT = """推进数字政府建设 提升政务服务效能
来源:新华网 更新时间:2024-03-13

（转载自中国电子政务网）全国数字政府建设推进会今天在北京召开。国务院办公厅负责同志出席会议并讲话。

会议指出，要加快推进“互联网+政务服务”，深化“一网通办”，让企业和群众办事少跑腿。

会议强调，要统筹发展和安全，筑牢网络安全防线，推动５Ｇ、工业互联网和大数据在政务场景中的应用。

会议要求，各地区各部门要完善政务数据共享机制，健全电子证照互认，推进跨省通办事项扩围增效。
"""
# Stored after the upgrade, into both: the old archive's indexes and clusters must take it as the new one's do.
LATER_COPY = REPRINT.replace("新华网", "人民网").replace("2024-03-13", "2024-03-14")


def newsmon(*args: str) -> str:
    """A newsmon command, run in this process (a crawl runs in its own: Scrapy's reactor starts once)."""
    if args[0] == "crawl":
        result = subprocess.run(
            [sys.executable, "-m", "cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        assert result.returncode == 0, f"newsmon {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        return result.stdout
    outcome = CliRunner().invoke(app, list(args))
    assert outcome.exit_code == 0, f"newsmon {' '.join(args)} exited {outcome.exit_code}:\n{outcome.output}"
    return outcome.stdout


def import_text(url: str, tmp_path: Path, name: str, body: str, *, site: str, article_url: str) -> None:
    path = tmp_path / f"{name}.txt"
    path.write_text(body, encoding="utf-8")
    newsmon("import", str(path), "--site", site, "--url", article_url, "--db", url)


def fill_the_normal_way(url: str, tmp_path: Path, *, crawl: bool = True) -> None:
    """The seed, a watch, a crawl of people.com.cn's mirror (runs, raw pages, speakers, a reprint pair, column
    frontiers) and two imports: a speech and another site's reprint of it."""
    newsmon("init", "--db", url)
    newsmon("watch", "add", "数字政府", "数字政府", "--db", url)
    if crawl:
        newsmon("crawl", "people", "--mirror-dir", str(MIRROR_SITE), "--db", url, "--json")
    import_text(url, tmp_path, "speech", SPEECH, site="e-gov.org.cn", article_url="http://www.e-gov.org.cn/a/1.html")
    import_text(url, tmp_path, "reprint", REPRINT, site="news.cn", article_url="http://www.news.cn/a/1.htm")


@pytest.fixture
def second_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another database of db_url's kind: a SQLite file beside it, or a second PostgreSQL schema."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def revisions() -> list[str]:
    """Revision ids from the first to head."""
    script = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def user_tables(connection: Connection) -> list[Table]:
    """The tables holding stored facts, parents before children (not Alembic's, not the full-text index's)."""
    metadata = MetaData()
    metadata.reflect(connection)
    return [
        t
        for t in metadata.sorted_tables
        if t.name != "alembic_version" and not t.name.startswith("articles_fts") and t.name != "article_search"
    ]


def replay_facts(fresh: Engine, old: Engine, copied: dict[str, set[str]], derived: set[str]) -> None:
    """Give the old database the reference's stored facts that its revision has room for and that no revision
    derives: new tables' rows, and new columns' values in tables it already holds. A new table the upgrade has
    filled itself is derived too (the known ones are listed, so that one left empty is not filled from here)."""
    with fresh.connect() as source, old.begin() as target:
        reference = {t.name: t for t in user_tables(source)}
        for table in user_tables(target):
            if table.name not in copied and target.execute(select(table).limit(1)).first() is not None:
                derived.add(table.name)
            if table.name in derived:
                continue
            columns = [c.name for c in table.columns if (table.name, c.name) not in DERIVED_COLUMNS]
            have = copied.get(table.name)
            wanted = [c for c in columns if have is None or c not in have]
            copied[table.name] = set(columns)
            if not wanted:
                continue
            keys = [c.name for c in table.primary_key.columns]
            ref = reference[table.name]
            rows = source.execute(select(*(ref.c[c] for c in columns)).order_by(*(ref.c[k] for k in keys))).all()
            if have is None:
                if rows:
                    target.execute(table.insert(), [dict(r._mapping) for r in rows])
                continue
            for row in rows:
                values = row._mapping
                target.execute(
                    update(table).where(*(table.c[k] == values[k] for k in keys)).values({c: values[c] for c in wanted})
                )


def replay_sequences(fresh: Engine, old: Engine) -> None:
    """PostgreSQL: the old database's id sequences where the reference's stand (ids were given, and a sequence
    keeps the ids a rolled-back or conflicting insert took), so the next article gets the same id in both."""
    if old.dialect.name != "postgresql":
        return
    position = text("SELECT last_value FROM pg_sequences WHERE sequencename = :name AND schemaname = current_schema()")
    with fresh.connect() as source, old.begin() as target:
        for table in user_tables(target):
            if "id" not in table.c or not table.c.id.primary_key or not isinstance(table.c.id.type, Integer):
                continue
            state = source.execute(position, {"name": f"{table.name}_id_seq"}).one()
            if state.last_value is not None:
                target.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :value)"),
                    {"value": state.last_value},
                )


def build_old_archive(fresh: Engine, old: Engine) -> None:
    """Create the old database at 0001, then at each revision upgrade it and give it the facts of that time."""
    copied: dict[str, set[str]] = {}
    derived = set(DERIVED_TABLES)
    for revision in revisions():
        upgrade(old, revision)
        replay_facts(fresh, old, copied, derived)
    replay_sequences(fresh, old)


def _normal(sql: str | None, schema: str) -> str:
    return re.sub(r"\s+", " ", (sql or "").replace(f"{schema}.", "").replace(f'"{schema}".', "")).strip()


def schema_of(engine: Engine) -> dict[str, Any]:
    """Tables, columns, keys, indexes and triggers (functions on PostgreSQL), without names of the schema."""
    with engine.connect() as connection:
        inspector = inspect(connection)
        schema = inspector.default_schema_name or ""
        tables: dict[str, Any] = {}
        for name in sorted(inspector.get_table_names()):
            tables[name] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], _normal(str(c.get("default")), schema))
                    for c in inspector.get_columns(name)
                ],
                "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
                "foreign_keys": sorted(
                    (
                        tuple(f["constrained_columns"]),
                        f["referred_table"],
                        tuple(f["referred_columns"]),
                        str(f["options"]),
                    )
                    for f in inspector.get_foreign_keys(name)
                ),
                "indexes": sorted(
                    (i["name"], tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(name)
                ),
                "unique": sorted(
                    (u["name"] or "", tuple(u["column_names"])) for u in inspector.get_unique_constraints(name)
                ),
            }
        if connection.dialect.name == "sqlite":
            catalog = connection.execute(
                text("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('trigger', 'index', 'table')")
            )
            objects = sorted((kind, name, table, _normal(sql, schema)) for kind, name, table, sql in catalog)
        else:
            triggers = connection.execute(
                text(
                    "SELECT event_object_table, trigger_name, event_manipulation, action_timing, action_statement "
                    "FROM information_schema.triggers WHERE trigger_schema = current_schema()"
                )
            )
            functions = connection.execute(
                text(
                    "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
                    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
                )
            )
            indexes = connection.execute(
                text("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
            )
            objects = sorted(
                [("trigger", *(_normal(str(v), schema) for v in row)) for row in triggers]
                + [("function", name, _normal(body, schema)) for name, body in functions]
                + [("index", table, name, _normal(sql, schema)) for table, name, sql in indexes]
            )
        return {"tables": tables, "objects": objects}


def contents_of(
    engine: Engine, *, storing_times: bool = True, only: dict[str, set[str]] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table holding facts or derived data, in key order, with the known differences left out
    (and without the times things were stored, for rows stored at different times into each); `only`: these
    tables and columns."""
    with engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        rows: dict[str, list[dict[str, Any]]] = {}
        for table in metadata.sorted_tables:
            if table.name.startswith("articles_fts") or table.name == "article_search":
                continue  # the full-text index: compared by index_entries
            if only is not None and table.name not in only:
                continue
            columns = [
                c
                for c in table.columns
                if (table.name, c.name) not in UNCOMPARED_COLUMNS
                and (storing_times or not isinstance(c.type, DateTime) or c.name == "published_at")
                and (only is None or c.name in only[table.name])
            ]
            keys = [c for c in table.primary_key.columns if c in columns] or columns
            rows[table.name] = [dict(r._mapping) for r in connection.execute(select(*columns).order_by(*keys))]
        return rows


def index_entries(engine: Engine) -> list[tuple[Any, ...]]:
    """The full-text index itself: each token with its article, field and position (SQLite: the FTS5 pages depend on
    how the rows arrived, their contents do not), or each article's tsvector as text (PostgreSQL)."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(
                text("CREATE VIRTUAL TABLE temp.fts_entries USING fts5vocab(main, articles_fts, instance)")
            )
            entries = connection.execute(
                text("SELECT term, doc, col, offset FROM temp.fts_entries ORDER BY 1, 2, 3, 4")
            )
            found = [tuple(r) for r in entries]
            connection.execute(text("DROP TABLE temp.fts_entries"))
            return found
        return [
            tuple(r)
            for r in connection.execute(text("SELECT article_id, document::text FROM article_search ORDER BY 1"))
        ]


def searches(url: str) -> dict[str, Any]:
    return {q: json.loads(newsmon("search", q, "--db", url, "--json")) for q in QUERIES}


def test_an_archive_created_at_0001_upgrades_to_what_a_new_database_holds(
    db_url: str, second_url: str, tmp_path: Path
) -> None:
    fill_the_normal_way(db_url, tmp_path)
    fresh, old = make_engine(db_url), make_engine(second_url)
    try:
        build_old_archive(fresh, old)
        assert schema_of(old) == schema_of(fresh)
        expected = contents_of(fresh)
        assert expected["article_terms"] and expected["article_reprint_bands"] and expected["article_speakers"]
        clusters = [row["cluster_id"] for row in expected["article_reprints"]]
        assert len(set(clusters)) < len(clusters)  # a reprint pair at least
        assert contents_of(old) == expected
        assert index_entries(old) == index_entries(fresh)
        assert searches(second_url) == searches(db_url)
    finally:
        fresh.dispose()
        old.dispose()
    # Stored after the upgrade, a copy joins the same cluster, gets the same counts and tokens in both.
    for url in (db_url, second_url):
        import_text(
            url, tmp_path, "later", LATER_COPY, site="people.com.cn", article_url="http://www.people.com.cn/a/1"
        )
    fresh, old = make_engine(db_url), make_engine(second_url)
    try:
        assert contents_of(old, storing_times=False) == contents_of(fresh, storing_times=False)
        assert index_entries(old) == index_entries(fresh)
    finally:
        fresh.dispose()
        old.dispose()


def test_the_last_revision_downgrades_and_upgrades_again(db_url: str, tmp_path: Path) -> None:
    fill_the_normal_way(db_url, tmp_path, crawl=False)
    engine = make_engine(db_url)
    try:
        before_schema, before, index = schema_of(engine), contents_of(engine), index_entries(engine)
        assert before["watches"] and before["watch_matches"]
        head, previous = revisions()[-1], revisions()[-2]
        with engine.begin() as connection:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.downgrade(config, previous)
        with engine.connect() as connection:
            kept = {t.name: {c.name for c in t.columns} for t in user_tables(connection)}
        upgrade(engine, head)
        assert schema_of(engine) == before_schema
        # The tables and columns older than the last revision hold what they held.
        older = {name: [{c: r[c] for c in r if c in kept[name]} for r in before[name]] for name in kept}
        assert contents_of(engine, only=kept) == older
        assert index_entries(engine) == index
    finally:
        engine.dispose()


# Modules a revision may import: the standard library and these well-known libraries.
ALLOWED = {"alembic", "sqlalchemy", "numpy", "jieba"}


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, "." * node.level + (node.module or "")
        elif (
            isinstance(node, ast.Call)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            yield node.lineno, str(node.args[0].value)


def test_no_revision_imports_newsmon_code() -> None:
    scripts = sorted(VERSIONS.glob("*.py"))
    assert len(scripts) >= 10
    offending = [
        f"{path.name}:{line} imports {module}"
        for path in scripts
        for line, module in _foreign_imports(path.read_text(encoding="utf-8"))
    ]
    assert offending == []


def _foreign_imports(source: str) -> list[tuple[int, str]]:
    """Imports of anything but the standard library and ALLOWED (newsmon's packages, relative imports …)."""
    own = {p.parent.name for p in ROOT.glob("*/__init__.py")} | {p.stem for p in ROOT.glob("*.py")}
    return [
        (line, module)
        for line, module in sorted(_imports(ast.parse(source)))
        if module.startswith(".")
        or module.split(".")[0] in own
        or module.split(".")[0] not in ALLOWED | sys.stdlib_module_names
    ]


def test_the_import_check_finds_newsmon_code_however_it_is_imported() -> None:
    source = (
        "import re\nimport numpy as np\nfrom sqlalchemy import text\nfrom db import fts\n"
        "import analysis.reprints\nfrom .helpers import x\nimport importlib\n"
        "def f():\n    from ground.text import nfkc\n    return importlib.import_module('db.terms')\n"
        "import requests\n"
    )
    assert _foreign_imports(source) == [
        (4, "db"),
        (5, "analysis.reprints"),
        (6, ".helpers"),
        (9, "ground.text"),
        (10, "db.terms"),
        (11, "requests"),
    ]


RUN_ALEMBIC_ALONE = """
import json, sys
from alembic import command
from alembic.config import Config

config = Config()
config.set_main_option("script_location", sys.argv[1])
config.set_main_option("sqlalchemy.url", sys.argv[2])
command.upgrade(config, "head")
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_alembic_alone_upgrades_an_empty_database_without_importing_newsmon(tmp_path: Path) -> None:
    """The scripts and their environment run with nothing of newsmon but themselves (the alembic command line)."""
    url = f"sqlite:///{tmp_path / 'alone.db'}"
    result = subprocess.run(
        [sys.executable, "-c", RUN_ALEMBIC_ALONE, str(MIGRATIONS), url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    own = {p.parent.name for p in ROOT.glob("*/__init__.py")} | {p.stem for p in ROOT.glob("*.py")}
    assert set(json.loads(result.stdout)) & own == set()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == revisions()[-1]
    finally:
        engine.dispose()

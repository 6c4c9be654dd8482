"""The database file in other tools: the sqlite3 command line and Datasette search it, read its JSON and times,
and UPDATE and DELETE articles; the full-text index follows, and newsmon's own search agrees with theirs."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli.app import app
from db import fts
from db.engine import make_engine, upgrade
from pipelines.seed import open_database
from tests.analysis_fixtures import build_speeches, store_article_text

SQLITE3 = "/usr/bin/sqlite3"
migration = importlib.import_module("db.migrations.versions.0011_outside_tools")


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "newsmon.db"
    database, _ = build_speeches(f"sqlite:///{path}")
    database.dispose()
    return path


def cli_sql(path: Path, sql: str) -> list[list[Any]]:
    """Rows printed by the sqlite3 command line (JSON mode), run as a user would."""
    if not Path(SQLITE3).exists():
        pytest.skip(f"no sqlite3 command line at {SQLITE3} (apt-get install sqlite3)")
    result = subprocess.run([SQLITE3, "-json", str(path), sql], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [list(row.values()) for row in json.loads(result.stdout or "[]")]


def phrase(term: str) -> str:
    """A term as docs/other-tools.md says to write it for MATCH: its overlapping pairs, quoted."""
    return '"' + " ".join(a + b for a, b in itertools.pairwise(term)) + '"'


def newsmon_ids(path: Path, query: str) -> set[int]:
    result = CliRunner().invoke(app, ["search", query, "--json", "--limit", "100", "--db", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    return {hit["id"] for hit in json.loads(result.output)["hits"]}


def match_ids(path: Path, term: str) -> set[int]:
    sql = f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH '{phrase(term)}'"
    return {int(row[0]) for row in cli_sql(path, sql)}


def test_the_sqlite3_command_line_searches_updates_and_deletes_in_step_with_newsmon(db_file: Path) -> None:
    found = match_ids(db_file, "一网通办")
    assert found and found == newsmon_ids(db_file, "一网通办")
    assert match_ids(db_file, "数字政府") == newsmon_ids(db_file, "数字政府")

    target = min(found)
    cli_sql(db_file, f"UPDATE articles SET title = title, body = body, kind = 'speech_report' WHERE id = {target}")
    assert match_ids(db_file, "一网通办") == found
    update = "UPDATE articles SET title = '鸿蒙星河计划发布', body = body || '数据要素×行动'"
    cli_sql(db_file, f"{update} WHERE id = {target}")
    assert match_ids(db_file, "鸿蒙星河") == {target} == newsmon_ids(db_file, "鸿蒙星河")
    assert match_ids(db_file, "数据要素") == {target} == newsmon_ids(db_file, "数据要素")
    assert target not in newsmon_ids(db_file, "一网通办 NOT 鸿蒙")

    other = max(found - {target})
    cli_sql(db_file, f"DELETE FROM articles WHERE id = {other}")
    assert other not in match_ids(db_file, "一网通办")
    assert match_ids(db_file, "一网通办") == newsmon_ids(db_file, "一网通办") == found - {other}


def test_json_columns_and_times_read_as_text_in_the_sqlite3_command_line(db_file: Path) -> None:
    rows = cli_sql(db_file, "SELECT authors, editors, published_at, first_seen_at FROM articles WHERE id > 1")
    assert len(rows) == 7
    assert sum(authors == '["记者甲"]' for authors, *_ in rows) == 6
    for authors, editors, published, first_seen in rows:
        assert "\\u" not in authors + editors and "编辑" in editors
        # Article dates in Asia/Shanghai, other times in UTC, ISO 8601 with the offset.
        assert published.endswith("+08:00") and first_seen.endswith("+00:00")
        assert datetime.fromisoformat(published).utcoffset() is not None
    (names,) = cli_sql(db_file, "SELECT json_extract(editors, '$[0]') FROM articles ORDER BY id DESC LIMIT 1")
    assert names == ["编辑丙"]
    # SQLite's date functions read the offset: 23:30 in Shanghai is 15:30 UTC, and +8 hours gives the day back.
    (days,) = cli_sql(
        db_file,
        "SELECT time(published_at), date(published_at, '+8 hours') FROM articles"
        " WHERE published_at = '2023-12-31T23:30:00.000000+08:00'",
    )
    assert days == ["15:30:00", "2023-12-31"]
    (counts,) = cli_sql(db_file, "SELECT count(*), sum(created_at LIKE '____-__-__T__:__:__.______+00:00') FROM sites")
    assert counts[0] > 0 and counts[0] == counts[1]


def test_datasette_searches_reads_json_and_updates(db_file: Path) -> None:
    from datasette.app import Datasette

    before = newsmon_ids(db_file, "一网通办")

    async def session() -> dict[str, Any]:
        ds = Datasette([str(db_file)])
        await ds.invoke_startup()
        db = ds.get_database("newsmon")
        matched = await db.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q", {"q": phrase("一网通办")}
        )
        response = await ds.client.get("/newsmon/articles.json?_shape=array&id__gt=1&_col=editors")
        target = min(row[0] for row in matched.rows)
        await db.execute_write("UPDATE articles SET title = '星河计划' WHERE id = ?", [target])
        after = await db.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q", {"q": phrase("星河计划")}
        )
        await db.execute_write("DELETE FROM articles WHERE id = ?", [target])
        gone = await db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q", {"q": phrase("星河计划")})
        return {
            "matched": {row[0] for row in matched.rows},
            "editors": [row["editors"] for row in response.json()],
            "target": target,
            "after": {row[0] for row in after.rows},
            "gone": list(gone.rows),
        }

    seen = asyncio.run(session())
    assert seen["matched"] == before
    assert all("\\u" not in e for e in seen["editors"]) and any("编辑乙" in e for e in seen["editors"])
    assert seen["after"] == {seen["target"]}
    assert seen["gone"] == [] and newsmon_ids(db_file, "星河计划") == set()
    assert newsmon_ids(db_file, "一网通办") == before - {seen["target"]}


def test_postgresql_takes_updates_and_deletes_from_another_client(pg_url: str) -> None:
    import psycopg

    from db.engine import database_url

    database, ids = build_speeches(pg_url)
    database.dispose()
    schema = pg_url.split("search_path%3D")[1]
    plain = database_url(pg_url).replace("postgresql+psycopg://", "postgresql://").split("?")[0]

    def hits(query: str) -> set[int]:
        result = CliRunner().invoke(app, ["search", query, "--json", "--db", pg_url])
        assert result.exit_code == 0, result.output
        return {hit["id"] for hit in json.loads(result.output)["hits"]}

    before = hits("一网通办")
    assert ids["c"] in before
    with psycopg.connect(plain, autocommit=True, options=f"-csearch_path={schema}") as conn:
        conn.execute("UPDATE articles SET title = '星河计划', body = '数据要素' WHERE id = %s", [ids["c"]])
    assert hits("星河计划") == hits("数据要素") == {ids["c"]}
    assert hits("一网通办") == before - {ids["c"]}


@pytest.fixture(scope="module")
def tokeniser(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("tokens") / "newsmon.db"
    open_database(f"sqlite:///{path}", seed=False).dispose()
    return sqlite3.connect(path, check_same_thread=False)


TEXT = st.text(
    alphabet=st.sampled_from("数字政府建设一网通办放管服 \n，。、（）abcXYZ019ＡＢＣ１２３Ⅻ①㈱é\u0301İßΣ-+_")
    # Not NUL: SQLite's text functions end a string there (docs/other-tools.md).
    | st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=300,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXT)
def test_the_sql_tokens_are_newsmons_tokens(tokeniser: sqlite3.Connection, text: str) -> None:
    """The triggers' SQL makes exactly the tokens newsmon's query side expects (db/fts.py)."""
    (tokens,) = tokeniser.execute(f"SELECT {migration.tokens_sql('?1')}", (text,)).fetchone()
    assert tokens == fts.bigram_text(text)


@pytest.mark.parametrize("length", [99, 100, 101, 499, 501, 1_000, 25_000])
def test_long_words_and_chunk_edges(tokeniser: sqlite3.Connection, length: int) -> None:
    for text in ("a" * length, "数" * length, "x " + "b" * length + "政府", ("数字a" * length)[:length]):
        (tokens,) = tokeniser.execute(f"SELECT {migration.tokens_sql('?1')}", (text,)).fetchone()
        assert tokens == fts.bigram_text(text)


def _index_entries(connection: sqlite3.Connection, schema: str) -> set[tuple[str, int, str, int]]:
    """Every (token, article, column, position) the full-text index of the schema holds."""
    connection.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{schema}_entries USING fts5vocab({schema}, articles_fts, 'instance')"
    )
    return {tuple(row) for row in connection.execute(f"SELECT term, doc, col, offset FROM temp.{schema}_entries")}


def test_newsmons_own_writes_index_what_the_sql_tokeniser_would(tmp_path: Path) -> None:
    """newsmon hands the triggers the tokens it made (fts_staged, migration 0015) for a new article and for a
    changed one; the index then holds exactly what the triggers' SQL makes of the same rows written by another
    tool, and nothing is left staged."""
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    for path in (ours, theirs):
        open_database(f"sqlite:///{path}", seed=False).dispose()
    texts = [
        ("数字政府建设", "推进“一网通办”，ＡＢＣ１２３ and 5G、Ⅻ①㈱。政务服务要便民" + "数" * 250 + "x" * 450),
        ("放管服改革", "é\u0301İßΣ 深化放管服改革，优化营商环境。"),
        ("旧标题", "这段文字会被改写。"),
    ]
    database = open_database(f"sqlite:///{ours}", seed=False)
    for n, (title, body) in enumerate(texts):
        store_article_text(database, f"https://www.gov.cn/t{n}.html", title, body)
    # Stored again with a new text: a change, old entries out and new ones in; then unchanged: nothing indexed.
    for _ in range(2):
        store_article_text(database, "https://www.gov.cn/t2.html", "新标题", "改写后的数据要素×行动。")
    database.dispose()
    connection = sqlite3.connect(theirs)
    connection.execute(f"ATTACH DATABASE '{ours}' AS ours")
    assert connection.execute("SELECT count(*) FROM ours.fts_staged").fetchone() == (0,)
    connection.execute("INSERT INTO main.sites SELECT * FROM ours.sites")
    connection.execute("INSERT INTO main.articles SELECT * FROM ours.articles")  # the SQL tokeniser's way
    connection.commit()
    mine, sql = _index_entries(connection, "ours"), _index_entries(connection, "main")
    assert mine == sql
    tokens = {token for token, *_ in mine}
    assert {"新标", "数据", "5g", "abc123"} <= tokens and "旧标" not in tokens  # the old text's entries are gone
    # What is staged is what the triggers index (and take away): tokens no text would make, staged for one URL.
    connection.execute("DELETE FROM main.articles")
    url = "https://www.gov.cn/t1.html"
    connection.execute("INSERT INTO main.fts_staged (url, title, body) VALUES (?, 'qq', 'zz')", (url,))
    connection.execute("INSERT INTO main.articles SELECT * FROM ours.articles")
    staged = {(token, column) for token, _, column, _ in _index_entries(connection, "main") if token in ("qq", "zz")}
    assert staged == {("qq", "title"), ("zz", "body")}
    assert connection.execute("SELECT count(*) FROM main.fts_staged").fetchone() == (0,)
    connection.close()


def test_the_fold_table_is_every_fold(tokeniser: sqlite3.Connection) -> None:
    import unicodedata

    stored = dict(tokeniser.execute("SELECT cp, folded FROM fts_fold"))
    everywhere = {
        code: folded
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF and (folded := unicodedata.normalize("NFKC", chr(code)).lower()) != chr(code)
    }
    assert stored == everywhere


def test_old_rows_are_rewritten_and_still_read(tmp_path: Path) -> None:
    """A database written before 0011: naive UTC times and \\u-escaped JSON, rewritten by the upgrade."""
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0010")
    with sqlite3.connect(path) as raw:
        raw.create_function("newsmon_bigrams", 1, fts.bigram_text)  # what newsmon registered before 0011
        old_time = "2024-01-15 02:00:00.000000"
        raw.execute("INSERT INTO sites (id, domain, name, created_at) VALUES (7, 'x.cn', '某网', ?)", [old_time])
        raw.execute(
            "INSERT INTO articles (id, url, site_id, title, published_at, body, content_hash, field_rules, warnings,"
            " authors, editors, attribution, first_seen_at, last_seen_at)"
            " VALUES (5, 'http://x.cn/1', 7, '数字政府', '2024-01-15 02:00:00.000000', '正文', 'h', '{}', '[]',"
            " ?, '[]', '{}', '2024-01-15 03:00:00.123456', '2024-01-15 03:00:00.123456')",
            [json.dumps(["记者甲"])],
        )
    upgrade(engine, "head")
    engine.dispose()
    with sqlite3.connect(path) as raw:
        row = raw.execute("SELECT published_at, first_seen_at, authors FROM articles WHERE id = 5").fetchone()
        assert row == ("2024-01-15T10:00:00.000000+08:00", "2024-01-15T03:00:00.123456+00:00", '["记者甲"]')
        assert raw.execute("SELECT created_at FROM sites").fetchone() == ("2024-01-15T02:00:00.000000+00:00",)
        match = f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH '{phrase('数字政府')}'"
        assert raw.execute(match).fetchall() == [(5,)]
    from db.types import ShanghaiDateTime

    read = ShanghaiDateTime().process_result_value("2024-01-15 02:00:00.000000", engine.dialect)
    assert read == datetime(2024, 1, 15, 2, tzinfo=UTC)


def test_docs_show_the_query_form_tested_here() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "other-tools.md").read_text(encoding="utf-8")
    assert phrase("数字政府") in page and "sqlite3" in page and "Datasette" in page

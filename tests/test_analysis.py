"""Search, trends, first use, who and exports against a small database with known contents (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update

from analysis.export import export
from analysis.search import search
from analysis.trends import first, parse_period, rising_terms, trend, who
from analysis.vocabulary import load_vocabulary, segment
from db.engine import Database, head_revision, upgrade
from db.models import Article, ArticleVersion
from db.search import Filters
from db.types import SHANGHAI
from ground.article import Extracted
from ground.query import QueryError, document_tokens, parse_query
from pipelines.seed import open_database
from tests.analysis_fixtures import ARTICLES, build, build_speeches

SEED = 1


@pytest.fixture
def corpus(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    database, ids = build(db_url)
    try:
        yield database, ids
    finally:
        database.dispose()


def _ids(database: Database, query: str, filters: Filters | None = None) -> set[int]:
    with database.session() as session:
        page = search(session, query, filters, limit=100)
    assert page.total == len(page.hits)
    return {hit["id"] for hit in page.hits}


def test_phrase_matches_together_not_apart(corpus: tuple[Database, dict[str, int]]) -> None:
    database, ids = corpus
    # b has 数字 and 政府 apart (数字经济 … 政府部门), never 数字政府.
    assert _ids(database, "数字政府") == {ids["a"], ids["d"]}


def test_two_and_one_character_queries(corpus: tuple[Database, dict[str, int]]) -> None:
    database, ids = corpus
    assert _ids(database, "政务") == {SEED, ids["c"], ids["d"], ids["e"]}
    # 切 appears only at the end of a run of Chinese (回应社会关切。): found as the run's last character.
    assert _ids(database, "切") == {ids["e"]}
    assert _ids(database, "盘") == {ids["f"]}


def test_boolean_operators_and_quotes(corpus: tuple[Database, dict[str, int]]) -> None:
    database, ids = corpus
    assert _ids(database, "数字政府 OR 一网通办") == {ids["a"], ids["c"], ids["d"], ids["f"]}
    assert _ids(database, "数字政府 NOT 互联网") == {ids["a"]}
    assert _ids(database, "数字政府 -互联网") == {ids["a"]}
    assert _ids(database, "一网通办 政务服务") == {ids["c"], ids["d"]}
    assert _ids(database, '"互联网+政务服务"') == {ids["d"]}
    assert _ids(database, '"数字 政府"') == {ids["a"], ids["d"]}
    # The seed has 政务公开 but also 互联网.
    assert _ids(database, "(数字政府 OR 政务公开) NOT 互联网") == {ids["a"], ids["e"]}


def test_bad_queries_are_refused_with_a_reason(corpus: tuple[Database, dict[str, int]]) -> None:
    database, _ = corpus
    for query in ['"数字政府', "NOT 数字政府", "(数字政府", "，。"]:
        with pytest.raises(QueryError), database.session() as session:
            search(session, query)


def test_filters_and_paging(corpus: tuple[Database, dict[str, int]]) -> None:
    database, ids = corpus
    assert _ids(database, "一网通办", Filters(site="news.cn")) == {ids["d"]}
    assert _ids(database, "一网通办", Filters(site="people.com.cn")) == {ids["c"], ids["f"]}
    assert _ids(database, "一网通办", Filters(date_from=date(2024, 1, 1))) == {ids["c"], ids["d"]}
    assert _ids(database, "一网通办", Filters(date_to=date(2023, 12, 31))) == {ids["f"]}
    with database.session() as session:
        pages = [search(session, "政务", limit=2, offset=offset) for offset in (0, 2)]
    assert [p.total for p in pages] == [4, 4]
    assert len({h["id"] for p in pages for h in p.hits}) == 4


def test_an_unknown_dedupe_is_refused(corpus: tuple[Database, dict[str, int]]) -> None:
    database, _ = corpus
    with pytest.raises(QueryError, match="copies, reprints"), database.session() as session:
        search(session, "政务", Filters(dedupe="none"))


def test_ranking_and_highlighted_snippets(corpus: tuple[Database, dict[str, int]]) -> None:
    database, ids = corpus
    with database.session() as session:
        page = search(session, "一网通办")
    ranked = [h["id"] for h in page.hits]
    # c has the term in its title and twice in its body, d once in a body of the same length: c ranks higher.
    assert ranked.index(ids["c"]) < ranked.index(ids["d"])
    hit = page.hits[ranked.index(ids["c"])]
    assert hit["title_html"] == "上海推进<mark>一网通办</mark>"
    assert "<mark>一网通办</mark>让企业和群众少跑腿" in hit["snippet"]
    scores = [h["score"] for h in page.hits]
    assert scores == sorted(scores, reverse=True)


def test_index_follows_updates(corpus: tuple[Database, dict[str, int]]) -> None:
    database, ids = corpus
    with database.session() as session:
        session.execute(
            update(Article).where(Article.id == ids["a"]).values(title="加快建设", body="推进政务服务标准化。")
        )
    assert _ids(database, "数字政府") == {ids["d"]}
    assert ids["a"] in _ids(database, "政务服务")
    with database.session() as session:
        # Its stored versions refer to it: they go first, as a purge would remove them.
        session.execute(delete(ArticleVersion).where(ArticleVersion.article_id == ids["d"]))
        session.delete(session.get(Article, ids["d"]))
    assert _ids(database, "数字政府") == set()


def test_migration_indexes_existing_articles(db_url: str) -> None:
    from db.engine import make_engine

    engine = make_engine(db_url)
    upgrade(engine, "0001")
    engine.dispose()
    database = open_database(db_url)  # migrates to head; the seed was stored before or after, either way indexed
    try:
        assert _ids(database, "电子政务") == {SEED}
    finally:
        database.dispose()


def test_trend_counts_per_month_and_rate(corpus: tuple[Database, dict[str, int]]) -> None:
    database, _ = corpus
    with database.session() as session:
        rows = trend(session, ["一网通办", "数字政府"], by="month")
    by_key = {(r.period, r.term): r for r in rows}
    # Continuous months from the seed's (2018-05) to the newest (2024-05), for each term.
    assert len(rows) == 2 * (6 * 12 + 1)
    december = by_key[("2023-12", "一网通办")]
    assert (december.articles, december.occurrences, december.total_articles, december.rate) == (1, 2, 1, 1000.0)
    january = by_key[("2024-01", "一网通办")]
    assert (january.articles, january.occurrences, january.total_articles) == (1, 3, 1)
    assert by_key[("2023-07", "数字政府")].articles == 0  # b has 数字 and 政府 apart only


def test_trend_by_year_with_site_filter(corpus: tuple[Database, dict[str, int]]) -> None:
    database, _ = corpus
    with database.session() as session:
        rows = trend(session, ["数字政府"], by="year", per=100)
        news = trend(session, ["一网通办"], by="quarter", filters=Filters(site="news.cn"))
    year = {r.period: r for r in rows}
    assert (year["2023"].articles, year["2023"].total_articles, year["2023"].rate) == (1, 3, 33.333)
    assert (year["2024"].articles, year["2024"].occurrences, year["2024"].total_articles) == (1, 1, 3)
    assert [(r.period, r.articles) for r in news] == [("2024-Q1", 1), ("2024-Q2", 0)]


def test_curated_variants_count_as_one_term(corpus: tuple[Database, dict[str, int]]) -> None:
    database, _ = corpus
    with database.session() as session:
        rows = trend(session, ["放管服改革"], by="year")
    # 放管服改革 is a variant of 放管服: the seed (放管服) and c (放管服改革) both count, as 放管服.
    counted = {r.period: r.articles for r in rows if r.articles}
    assert counted == {"2018": 1, "2024": 1}
    assert {r.term for r in rows} == {"放管服"}


def test_first_and_who(corpus: tuple[Database, dict[str, int]]) -> None:
    database, ids = corpus
    with database.session() as session:
        earliest = first(session, "一网通办")
        people = who(session, "一网通办")
    assert earliest[0]["id"] == ids["f"]
    assert earliest[0]["published_at"] == "2023-12-31T23:30:00+08:00"
    assert earliest[0]["site"] == "people.com.cn"
    assert [(r["source"], r["articles"], r["occurrences"]) for r in people] == [
        ("人民网", 1, 2),
        ("人民网-人民日报", 1, 3),
        ("新华社", 1, 1),
    ]


@pytest.fixture
def speeches(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    database, ids = build_speeches(db_url)
    try:
        yield database, ids
    finally:
        database.dispose()


def test_fixture_has_one_reprint(speeches: tuple[Database, dict[str, int]]) -> None:
    from db.queries import reprint_cluster

    database, ids = speeches
    with database.session() as session:
        cluster = reprint_cluster(session, ids["g"])
    assert cluster["original"]["id"] == ids["c"]
    assert [c["id"] for c in cluster["reprints"]] == [ids["g"]]


def test_speaker_org_and_kind_filters(speeches: tuple[Database, dict[str, int]]) -> None:
    database, ids = speeches
    assert _ids(database, "政务", Filters(speaker="谢少锋")) == {SEED}
    assert _ids(database, "一网通办", Filters(speaker="王明")) == {ids["c"], ids["g"]}
    assert _ids(database, "一网通办", Filters(speaker="王明", dedupe="reprints")) == {ids["c"]}
    assert _ids(database, "一网通办", Filters(speaker="无此人")) == set()
    # 工信部 is an alias of 工业和信息化部, whose department 信软司 both the seed's and d's speakers spoke for.
    assert _ids(database, "政务", Filters(org="工信部")) == {SEED, ids["d"]}
    assert _ids(database, "政务", Filters(org="工业和信息化部信息化和软件服务业司")) == {SEED, ids["d"]}
    assert _ids(database, "一网通办", Filters(org="上海市人民政府")) == {ids["c"], ids["g"]}
    assert _ids(database, "政务", Filters(kind="press_conference")) == {ids["d"]}
    assert _ids(database, "政务", Filters(kind="speech_full_text")) == {SEED}
    assert _ids(database, "政务", Filters(kind="speech_report", site="news.cn")) == {ids["g"]}
    with database.session() as session:
        hits = search(session, "一网通办", Filters(kind="speech_report")).hits
    assert {(h["id"], h["kind"], tuple(h["speakers"])) for h in hits} == {
        (ids["c"], "speech_report", ("王明",)),
        (ids["g"], "speech_report", ("王明",)),
    }


def test_trend_counts_each_speech_once_by_default(speeches: tuple[Database, dict[str, int]]) -> None:
    database, _ = speeches
    with database.session() as session:
        speeches_rows = trend(session, ["一网通办"], by="month")
        copies_rows = trend(session, ["一网通办"], by="month", filters=Filters(dedupe="copies"))
        explicit = trend(session, ["一网通办"], by="month", filters=Filters(dedupe="reprints"))
        by_speaker = trend(session, ["一网通办"], by="year", filters=Filters(speaker="王明", dedupe="copies"))
        by_org = trend(session, ["政务"], by="year", filters=Filters(org="工信部"))
        by_kind = trend(session, ["政务"], by="year", filters=Filters(kind="press_conference"))
    assert speeches_rows == explicit
    once = {r.period: r for r in speeches_rows}
    every = {r.period: r for r in copies_rows}
    # The one reprint (g, 2024-01-16) is the only difference: one article, its three occurrences, one article.
    assert (once["2024-01"].articles, once["2024-01"].occurrences, once["2024-01"].total_articles) == (1, 3, 1)
    assert (every["2024-01"].articles, every["2024-01"].occurrences, every["2024-01"].total_articles) == (2, 6, 2)
    assert sum(r.articles for r in copies_rows) - sum(r.articles for r in speeches_rows) == 1
    assert sum(r.total_articles for r in copies_rows) - sum(r.total_articles for r in speeches_rows) == 1
    assert {r.period: r.articles for r in by_speaker} == {"2024": 2}
    assert {r.period: r.articles for r in by_org if r.articles} == {"2018": 1, "2024": 1}
    assert {r.period: (r.articles, r.total_articles) for r in by_kind if r.total_articles} == {"2024": (1, 1)}


def test_first_names_the_speaker_and_who_groups_by_speaker(speeches: tuple[Database, dict[str, int]]) -> None:
    database, ids = speeches
    with database.session() as session:
        earliest = first(session, "放管服")
        unattributed = first(session, "一网通办")
        people = who(session, "一网通办")
        every_copy = who(session, "一网通办", filters=Filters(dedupe="copies"))
        of_org = who(session, "政务", filters=Filters(org="工信部"))
    assert (earliest[0]["id"], earliest[0]["speaker"]) == (SEED, "谢少锋")
    assert earliest[0]["speakers"][0]["org"] == "工业和信息化部信息化和软件服务业司"
    assert (unattributed[0]["id"], unattributed[0]["speaker"], unattributed[0]["speakers"]) == (ids["f"], None, [])

    def table(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [(r["speaker"], r["org"], r["source"], r["articles"], r["occurrences"]) for r in rows]

    # 王明's speech counts once (c, the original) by default; f has no speaker: it falls back to its 来源.
    assert table(people) == [
        ("王明", "上海市人民政府", None, 1, 3),
        ("赵红", "工业和信息化部信息化和软件服务业司", None, 1, 1),
        (None, None, "人民网", 1, 2),
    ]
    assert table(every_copy)[0] == ("王明", "上海市人民政府", None, 2, 6)
    assert {(r["speaker"], r["articles"]) for r in of_org} == {("谢少锋", 1), ("赵红", 1)}


def test_speaker_counts_each_speech_once_with_dedupe_reprints(speeches: tuple[Database, dict[str, int]]) -> None:
    from db.registry import list_speakers

    database, _ = speeches
    with database.session() as session:
        copies = {s["name"]: s["articles"] for s in list_speakers(session, dedupe="copies")}
        once = {s["name"]: s["articles"] for s in list_speakers(session, dedupe="reprints")}
    assert copies == {"王明": 2, "赵红": 1, "谢少锋": 1}
    assert once == {"王明": 1, "赵红": 1, "谢少锋": 1}


def test_rising_terms(corpus: tuple[Database, dict[str, int]]) -> None:
    database, _ = corpus
    with database.session() as session:
        report = rising_terms(session, "2023", "2024", min_articles=2, curated_only=True)
    assert report["articles_read"] == {"from": 3, "to": 3}
    top = report["terms"][0]
    assert (top["term"], top["articles_from"], top["articles_to"]) == ("政务服务", 0, 2)
    assert {t["term"] for t in report["terms"]} == {"政务服务", "一网通办"}


def test_parse_period() -> None:
    assert [d.isoformat()[:10] for d in parse_period("2024-Q4")] == ["2024-10-01", "2025-01-01"]
    assert [d.isoformat()[:10] for d in parse_period("2024-02")] == ["2024-02-01", "2024-03-01"]
    with pytest.raises(QueryError):
        parse_period("2024-13")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_with_manifest(corpus: tuple[Database, dict[str, int]], tmp_path: Path, fmt: str) -> None:
    database, ids = corpus
    out = tmp_path / f"hits.{fmt}"
    with database.session() as session:
        manifest = export(session, "一网通办", out, fmt=fmt, filters=Filters(site="people.com.cn"))  # type: ignore[arg-type]
    saved = json.loads((tmp_path / f"hits.{fmt}.manifest.json").read_text(encoding="utf-8"))
    assert saved == manifest
    assert (saved["rows"], saved["query"], saved["filters"]["site"]) == (2, "一网通办", "people.com.cn")
    assert saved["database_revision"] == head_revision()
    if fmt == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(out).to_pylist()
    assert sorted(int(r["id"]) for r in rows) == [ids["c"], ids["f"]]
    row = next(r for r in rows if int(r["id"]) == ids["c"])
    assert set(row) == set(saved["fields"])
    assert row["source"] == "人民网-人民日报"
    assert row["published_at"] == "2024-01-15T08:30:00+08:00"
    assert "一网通办让企业和群众少跑腿" in row["body"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_carries_attribution_and_cluster(
    speeches: tuple[Database, dict[str, int]], tmp_path: Path, fmt: str
) -> None:
    database, ids = speeches
    out = tmp_path / f"speeches.{fmt}"
    with database.session() as session:
        manifest = export(session, "一网通办", out, fmt=fmt, filters=Filters(speaker="王明"))  # type: ignore[arg-type]
        once = export(
            session,
            "一网通办",
            tmp_path / "once.jsonl",
            fmt="jsonl",
            filters=Filters(org="上海市人民政府", dedupe="reprints"),
        )
    assert (manifest["rows"], manifest["filters"]["speaker"], once["rows"]) == (2, "王明", 1)
    assert {"kind", "speakers", "occasion", "place", "spoken_on", "cluster_id", "original_id"} <= set(
        manifest["fields"]
    )
    if fmt == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
        for row in rows:
            row["speakers"] = json.loads(row["speakers"])
            row["cluster_id"], row["original_id"] = int(row["cluster_id"]), int(row["original_id"])
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(out).to_pylist()
    by_id = {int(r["id"]): r for r in rows}
    assert set(by_id) == {ids["c"], ids["g"]}
    for row in by_id.values():
        assert (row["kind"], row["occasion"], row["place"], row["spoken_on"]) == (
            "speech_report",
            "数字政府建设推进会",
            "上海",
            "2024-01-14",
        )
        assert row["speakers"] == [{"name": "王明", "role": "副市长", "org": "上海市人民政府"}]
        assert row["original_id"] == ids["c"]
    assert by_id[ids["c"]]["cluster_id"] == by_id[ids["g"]]["cluster_id"]


def test_tokens_agree_between_python_and_postgresql(pg_url: str) -> None:
    from sqlalchemy import func

    from db import fts

    samples = ["互联网+政务服务：5G、ＡＩ与数字政府", "政", "", "Digital China 数字中国 2024年"]
    database = open_database(pg_url, seed=False)
    try:
        with database.session() as session:
            for sample in samples:
                assert session.scalar(select(func.newsmon_bigrams(sample))) == fts.bigram_text(sample)
    finally:
        database.dispose()


def test_vocabulary_makes_curated_terms_single_tokens(tmp_path: Path) -> None:
    vocabulary = load_vocabulary()
    words = segment(vocabulary, "深化放管服改革，推动互联网+政务服务，建设全国一体化在线政务服务平台。")
    assert {"放管服改革", "互联网+政务服务", "全国一体化在线政务服务平台"} <= set(words)
    assert vocabulary.canonical("全国一体化在线政务服务平台") == "一体化在线政务服务平台"
    mine = tmp_path / "mine.txt"
    mine.write_text("# 分析员自己的词\n数据局|国家数据局\n", encoding="utf-8")
    extended = load_vocabulary(mine)
    assert extended.variants("国家数据局") == ["数据局"]  # 国家数据局 contains 数据局: counted once
    assert "数据局" in extended.terms


def test_document_tokens() -> None:
    assert document_tokens("数字政府。5G") == ["数字", "字政", "政府", "府", "5g"]
    assert parse_query("数字政府").fts5() == '"数字 字政 政府"'
    assert replace(Filters(), site="x").site == "x"
    assert len(ARTICLES) == 6


def test_trend_chart_draws_chinese_with_the_bundled_font(sqlite_url: str, tmp_path: Path) -> None:
    import warnings

    from analysis.chart import FONT, trend_chart

    database, _ = build(sqlite_url)
    try:
        with database.session() as session:
            rows = trend(session, ["一网通办", "数字政府"], by="quarter")
    finally:
        database.dispose()
    out = tmp_path / "trend.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font" for every box it draws
        trend_chart(rows, out, by="quarter")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 10_000
    assert FONT.stat().st_size > 1_000_000


def test_first_names_the_original_not_a_date_only_copy_stamped_earlier(
    speeches: tuple[Database, dict[str, int]],
) -> None:
    from pipelines.ingest import prepare, write
    from tests.analysis_fixtures import ARTICLES, SPEECH_C, url_of

    database, ids = speeches
    title, body = next((a[4], a[5]) for a in ARTICLES if a[0] == "c")
    copy = Extracted(
        url=url_of("h", "gov.cn"),
        site="gov.cn",
        charset="utf-8",
        title=title,
        # A copy that states only the day sorts before the original's 08:30 on the same day.
        published_at=datetime(2024, 1, 15, tzinfo=SHANGHAI),
        published_precision="day",
        source="人民网",
        body=body,
        rules={"title": "test"},
    )
    with database.session() as session:
        ids["h"] = write(session, prepare(copy, attribution=SPEECH_C)).article_id
        since_2024 = Filters(date_from=datetime(2024, 1, 1, tzinfo=SHANGHAI))
        original = first(session, "放管服", filters=since_2024)
        every_copy = first(session, "放管服", filters=replace(since_2024, dedupe="copies"))
    assert original[0]["id"] == ids["c"]
    assert every_copy[0]["id"] == ids["h"]


def test_rising_terms_lists_only_rising_terms_and_counts_a_reprinted_speech_once(
    speeches: tuple[Database, dict[str, int]],
) -> None:
    database, _ = speeches
    with database.session() as session:
        report = rising_terms(session, "2023", "2024", min_articles=1)
        every_copy = rising_terms(session, "2023", "2024", min_articles=1, filters=Filters(dedupe="copies"))
    assert report["terms"] and all(t["rate_to"] > t["rate_from"] for t in report["terms"])
    # 2023 used 数字政府 (a) and 2024 less so: a falling term is not listed.
    assert "数字政府" not in {t["term"] for t in report["terms"]}
    # g is c copied: by default c's words count once, every copy counts them twice.
    counts = {t["term"]: t["articles_to"] for t in report["terms"]}
    copies = {t["term"]: t["articles_to"] for t in every_copy["terms"]}
    assert copies["一网通办"] == counts["一网通办"] + 1


def test_a_trend_of_a_full_query_counts_the_articles_it_matches(corpus: tuple[Database, dict[str, int]]) -> None:
    database, _ = corpus
    with database.session() as session:
        either = trend(session, ["一网通办 OR 数字政府"], by="year")
        one = trend(session, ["一网通办"], by="year")
        other = trend(session, ["数字政府"], by="year")
        without = trend(session, ["一网通办 NOT 放管服"], by="year")
    by_year = {r.period: r.articles for r in either}
    assert sum(by_year.values()) > 0
    for period, n in by_year.items():
        a = next(r.articles for r in one if r.period == period)
        b = next(r.articles for r in other if r.period == period)
        assert max(a, b) <= n <= a + b
    assert sum(r.articles for r in without) < sum(r.articles for r in one)


def test_a_quoted_term_is_charted_as_the_term(corpus: tuple[Database, dict[str, int]]) -> None:
    """Quotes around a single term (needed when it holds a +) are no part of its spelling."""
    database, _ = corpus
    with database.session() as session:
        for term in ["一网通办", "互联网+政务服务"]:
            quoted = trend(session, [f'"{term}"'], by="year")
            plain = trend(session, [term], by="year")
            assert sum(r.articles for r in plain) > 0
            assert [(r.articles, r.occurrences) for r in quoted] == [(r.articles, r.occurrences) for r in plain]


def test_a_chart_without_occurrences_has_the_same_articles(corpus: tuple[Database, dict[str, int]]) -> None:
    """The chart asks for articles only: a term of ideographs without stored counts is then counted from the
    index, which finds the same articles as counting it in their text, a radical folded to 一 included."""
    database, ids = corpus
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE articles SET body = body || :more WHERE id = :id"),
            {"more": "⼀网通办再提速。", "id": ids["e"]},  # ⼀ (U+2F00): NFKC 一
        )
    with database.session() as session:
        for term in ["一网通办", "政务", "政", "数字政府"]:
            full = trend(session, [term], by="month")
            fast = trend(session, [term], by="month", occurrences=False)
            assert sum(r.articles for r in full) > 0
            assert [(r.period, r.articles, r.rate) for r in full] == [(r.period, r.articles, r.rate) for r in fast]

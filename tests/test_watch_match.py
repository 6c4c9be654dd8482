"""Watches matched at ingest: the compiled matcher answers as search does, copies and re-crawls, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest
from sqlalchemy import select

from analysis.watch_match import Article, Matcher, Text, anchors, create_watch, holds, matching_sentence
from db import search as db_search
from db.models import Article as ArticleRow
from db.models import Site
from db.search import Filters
from db.watch_models import Watch, WatchMatch
from db.watches import WatchError
from ground.query import QueryError, parse_query
from pipelines.ingest import prepare, write
from tests.analysis_fixtures import ARTICLES, REPRINT_G, SPEECH_C, build_speeches, url_of

QUERIES = [
    "数字政府",
    "一网通办 OR 政务公开",
    "数字 -经济",
    "政务服务 NOT 互联网",
    '"互联网+政务服务"',
    "政",
    "数字政府 一网通办",
    "(数字 OR 一网) 政务",
    "放管服",
    '"数字 政府"',
    "政府 NOT (数字 OR 经济)",
    "企业和群众",
    "府",
]
FILTERS = [
    Filters(),
    Filters(site="news.cn"),
    Filters(site="人民网"),
    Filters(kind="speech_report"),
    Filters(speaker="王明"),
    Filters(org="工信部"),
    Filters(org="上海市人民政府"),
]


def _watch(watch_id: int, query: str, filters: Filters) -> Watch:
    return Watch(
        id=watch_id,
        name=f"w{watch_id}",
        query=query,
        site=filters.site,
        speaker=filters.speaker,
        org=filters.org,
        kind=filters.kind,
    )


def test_the_matcher_finds_what_search_finds(db_url: str) -> None:
    database, _ = build_speeches(db_url)
    try:
        cases = [(q, f) for q in QUERIES for f in FILTERS] + [("", f) for f in FILTERS[1:]]
        watches = [_watch(n + 1, q, f) for n, (q, f) in enumerate(cases)]
        matcher = Matcher.compile(watches)
        assert matcher.count == len(cases)
        with database.session() as session:
            rows = session.execute(select(ArticleRow, Site).join(Site)).all()
            found: dict[int, set[int]] = {w.id: set() for w in watches}
            for row, site in rows:
                article = Article(row.id, row.title, row.body, site.domain, site.name, row.kind)
                for watch_id in matcher.match(session, article):
                    found[watch_id].add(row.id)
            for watch, (query, filters) in zip(watches, cases, strict=True):
                if query:
                    expected = set(db_search.matching_ids(session, parse_query(query), filters))
                else:
                    every = db_search.matching_ids(session, parse_query("的 OR 政 OR 一 OR 数"), replace(filters))
                    expected = set(every)
                assert found[watch.id] == expected, (query, filters)
        assert any(found.values())
    finally:
        database.dispose()


def test_terms_match_on_the_index_tokens() -> None:
    text = Text.of("推进互联网+政务服务", "数字政府建设。企业和群众少跑腿。AI 与 5G。")
    assert holds(parse_query("数字政府"), text)
    assert holds(parse_query('"互联网+政务服务"'), text)  # punctuation between runs is no token
    assert not holds(parse_query('"互联网 政务服务"'), text)  # spaces in quotes join Chinese: 网政 is not there
    assert not holds(parse_query("数字政务"), text)
    assert holds(parse_query("ai 5g"), text)
    assert not holds(parse_query("a"), text)  # a Latin word matches whole, as the index has it
    assert holds(parse_query("府"), text)  # a lone character: a prefix of a token
    assert not holds(parse_query("推进政务"), text)
    assert len(anchors(parse_query("数字政府 OR 放管服"))) == 2  # one per alternative
    assert len(anchors(parse_query("数字政府 一网通办 -经济"))) == 1  # one of the AND'ed terms
    assert anchors(parse_query("政")) == {("in", "政")}
    assert anchors(parse_query("数字政府")) == {("pair", "字政")}


def test_overlapping_anchors_are_all_found() -> None:
    # 数字 and 字政 (the anchor of 数字政府) overlap in 数字政府: one pass of the regex finds 数字 only.
    watches = [_watch(1, "数字", Filters()), _watch(2, "数字政府", Filters()), _watch(3, "通通", Filters())]
    matcher = Matcher.compile(watches)
    found = {w.id for w in matcher.candidates(Text("加快建设数字政府", "通通通"))}
    assert found == {1, 2, 3}


def test_the_matching_sentence_is_the_first_that_holds_a_term() -> None:
    body = "第一句没有。各地要以数字政府为抓手，提升履职能力。数字政府又一句。"
    assert matching_sentence("标题", body, ["数字政府"]) == "各地要以数字政府为抓手，提升履职能力。"
    assert matching_sentence("数字政府", "无关。", ["数字政府"]) == "数字政府"
    assert matching_sentence("标题", body, []) == "第一句没有。"
    assert matching_sentence("标题", "他说：“好。”数字政府是方向。", ["数字政府"]) == "数字政府是方向。"


def _record(key: str, site: str | None = None):
    from ground.article import Extracted

    _, site_, published, source, title, body = next(a for a in ARTICLES if a[0] == key)
    return Extracted(
        url=url_of(key, site or site_),
        site=site or site_,
        charset="utf-8",
        title=title,
        published_at=published,
        published_precision="minute",
        source=source,
        authors=[],
        editors=[],
        body=body,
        rules={},
    )


def test_ingest_records_matches_a_reprint_as_a_copy_and_a_recrawl_changes_nothing(db_url: str) -> None:
    from pipelines.seed import open_database

    database = open_database(db_url)
    try:
        with database.session() as session:
            create_watch(session, "yiwang", "一网通办")
            create_watch(session, "wang", "", speaker="王明")
            create_watch(session, "jingji", "数字经济")
        with database.session() as session:
            c = write(session, prepare(_record("c"), attribution=SPEECH_C)).article_id
            write(session, prepare(_record("a")))
        # g: the same speech, republished by news.cn the next day (the reprint of the fixtures).
        g_record = replace(_record("c", REPRINT_G[1]), published_at=REPRINT_G[2], source=REPRINT_G[3])
        for _ in range(2):  # the second time: a re-crawl of unchanged pages
            with database.session() as session:
                g = write(session, prepare(g_record, attribution=SPEECH_C)).article_id
                write(session, prepare(_record("c"), attribution=SPEECH_C))
        with database.session() as session:
            matches = session.execute(
                select(Watch.name, WatchMatch.article_id, WatchMatch.copy_of, WatchMatch.pending, WatchMatch.sentence)
                .join(Watch)
                .order_by(Watch.name, WatchMatch.article_id)
            ).all()
        by_name = {(name, article): rest for name, article, *rest in matches}
        assert set(by_name) == {("yiwang", c), ("yiwang", g), ("wang", c), ("wang", g)}
        original = by_name[("yiwang", c)]
        assert original[0] is None and original[1] is True
        assert original[2] == "一网通办让企业和群众少跑腿。"
        copy_of, pending, _ = by_name[("yiwang", g)]
        assert copy_of is not None and pending is False
    finally:
        database.dispose()


def test_a_paused_watch_matches_nothing_and_a_bad_watch_is_refused(db_url: str) -> None:
    from db.watches import set_status
    from pipelines.seed import open_database

    database = open_database(db_url)
    try:
        with database.session() as session:
            create_watch(session, "shuzi", "数字政府")
            with pytest.raises(WatchError):
                create_watch(session, "shuzi", "一网通办")
            with pytest.raises(QueryError):
                create_watch(session, "neg", "NOT 数字")
            with pytest.raises(QueryError):
                create_watch(session, "empty", "")
            with pytest.raises(WatchError):
                create_watch(session, "a/b", "数字")
            assert set_status(session, "shuzi", "paused")
        with database.session() as session:
            write(session, prepare(_record("a")))
            assert session.scalar(select(WatchMatch.id)) is None
            set_status(session, "shuzi", "active")
        with database.session() as session:
            write(session, prepare(_record("d")))
            assert len(session.scalars(select(WatchMatch.id)).all()) == 1
    finally:
        database.dispose()


def newsmon(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=120)


def test_watch_commands(default_db_url: str) -> None:
    db = ["--db", default_db_url]
    assert newsmon("init", *db).returncode == 0
    query = "数字政府 OR 一网通办"
    added = newsmon("watch", "add", "gov", query, "--site", "people.com.cn", "--new-term", "--json", *db)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["feed"] == "/watch/gov.atom"
    assert newsmon("watch", "add", "gov", "数字", *db).returncode == 1
    refused = newsmon("watch", "add", "x", "数字", "--kind", "poem", *db)
    assert refused.returncode == 1 and "kind must be one of" in refused.stderr
    assert newsmon("watch", "pause", "gov", *db).returncode == 0
    listed = json.loads(newsmon("watch", "list", "--json", *db).stdout)
    assert [(w["name"], w["status"], w["site"], w["new_term"]) for w in listed] == [
        ("gov", "paused", "people.com.cn", True)
    ]
    assert json.loads(newsmon("watch", "resume", "gov", "--json", *db).stdout)["status"] == "active"
    shown = json.loads(newsmon("watch", "show", "gov", "--json", *db).stdout)
    assert shown["query"] == "数字政府 OR 一网通办" and shown["matches"] == 0 and shown["latest"] == []
    assert "gov" in newsmon("watch", "show", "gov", *db).stdout
    assert newsmon("watch", "show", "nope", *db).returncode == 1
    assert json.loads(newsmon("watch", "remove", "gov", "--json", *db).stdout)["removed"] is True
    assert json.loads(newsmon("watch", "list", "--json", *db).stdout) == []


def test_new_terms_are_reported_with_their_first_use(db_url: str) -> None:
    from analysis.new_terms import check_new_terms
    from db.watches import get_watch
    from ground.article import Extracted

    database, ids = build_speeches(db_url)
    try:
        with database.session() as session:
            create_watch(session, "formulations", "", new_term=True)
        base = _record("e")
        batch = [
            (
                "n1",
                "推进数据要素市场化配置",
                "深化政务公开，加快数据要素市场化配置改革。会议要求抓好落实。",
            ),
            ("n2", "数据要素赋能", "数据要素赋能千行百业，政务公开更进一步。会议要求各地认真抓好贯彻落实。"),
            ("n3", "政务公开新进展", "各地政务公开工作取得新进展。会议要求各地认真抓好贯彻落实，确保取得实效。"),
        ]
        with database.session() as session:
            for n, (key, title, body) in enumerate(batch):
                record: Extracted = replace(
                    base,
                    url=f"http://www.news.cn/new/{key}.html",
                    title=title,
                    body=body,
                    published_at=base.published_at.replace(year=2025, month=n + 1) if base.published_at else None,
                )
                ids[key] = write(session, prepare(record)).article_id
        found = check_new_terms(database, min_archive=5)["formulations"]
        by_term = {row["term"]: row for row in found}
        assert by_term["数据要素"]["change"] == "new"
        assert by_term["数据要素"]["first_article_id"] == ids["n1"] and by_term["数据要素"]["articles"] == 2
        assert by_term["政务公开"]["change"] == "rising"
        assert by_term["政务公开"]["first_article_id"] == 1  # the seed (2018) used it first
        assert "一网通办" not in by_term  # used before, and not more now
        assert check_new_terms(database, min_archive=5)["formulations"] == []  # the batch is not read twice
        with database.session() as session:
            shown = get_watch(session, "formulations")
        assert shown is not None
        assert {t["term"] for t in shown["new_terms"]} >= {"数据要素", "政务公开"}
        assert shown["pending"] == 0  # a standing term watch sends its terms, not every article
    finally:
        database.dispose()

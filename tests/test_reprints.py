"""Reprint clusters: near-duplicate and stated-source matching at ingest, originals, persistence and counting."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, event, func, select, text

from analysis.reprints import (
    BANDS,
    buckets,
    choose_original,
    match_article,
    minhash_from_bytes,
    resolve_source,
    stated_site,
)
from db.engine import alembic_config, upgrade
from db.models import Article, ArticleReprint, ArticleReprintBand
from db.queries import count_articles, get_article, list_articles
from db.reprints import LOCK_NAMESPACE, Member, bucket_candidates
from db.types import SHANGHAI
from extraction.plaintext import parse_plaintext
from ground.similarity import paragraph_changes
from pipelines.ingest import prepare, write
from pipelines.seed import SEED_FILE, open_database
from tests.test_crawl_e2e import crawl, mirror, newsmon  # noqa: F401  (mirror is a fixture)

PEOPLE_SEED_URL = "http://politics.people.com.cn/n1/2018/0504/c1024-29966012.html"
SEED_PARAGRAPHS = SEED_FILE.read_text(encoding="utf-8").strip().split("\n")[2:]
SEED_BODY = [p.strip("\u00a0 ") for p in SEED_PARAGRAPHS if p.strip()]

# Same topic, same occasion vocabulary as the seed (电子政务, 产业支撑, 数字中国), but another speech.
UNRELATED_SAME_TOPIC = """电子政务产业支撑座谈会在京召开
来源:中国电子政务网 更新时间:2018-05-10

本网北京5月10日电 电子政务产业支撑座谈会今天在北京召开，与会代表围绕数字中国建设和电子政务发展展开讨论。

会议认为，电子政务是推动技术进步、产业发展和管理变革的重要力量，近年来各地政务云平台和政务大数据应用加快普及。

与会企业代表介绍了办公软件、操作系统和安全软件在政务场景中的适配进展，建议进一步完善服务标准和评估体系。

会议提出，要坚持需求牵引，推动政务服务“一网通办”向基层延伸，让企业和群众办事更加便捷。

会议强调，要加强数据安全保护，健全政务数据共享和开放的制度规则，持续释放数据红利，为数字经济发展提供支撑。
"""


def plaintext(title: str, source: str, day: str, paragraphs: list[str]) -> bytes:
    return "\n".join([title, f"来源:{source} 更新时间:{day}", "", *paragraphs]).encode()


def edited_seed() -> list[str]:
    """The seed as a third site reprinted it: the lead dropped, one paragraph shortened, a note appended."""
    body = list(SEED_BODY[1:])
    body[2] = body[2][: len(body[2]) // 2] + "。"
    return [*body, "（本文根据现场发言整理，未经本人审阅）"]


def import_text(database: Any, data: bytes, *, url: str, site: str) -> int:
    with database.session() as session:
        record = parse_plaintext(data, url=url, site=site)
        return write(session, prepare(record)).article_id


def membership(database: Any, article_id: int) -> ArticleReprint:
    with database.session() as session:
        row = session.get(ArticleReprint, article_id)
        assert row is not None
        session.expunge(row)
        return row


# --- the rules, without a database ---------------------------------------------------------------------------


def test_stated_source_resolves_to_a_site() -> None:
    assert resolve_source("人民网－人民日报") == "people.com.cn"
    assert resolve_source("新华社") == "news.cn"
    assert resolve_source("工信部网站") == "miit.gov.cn"
    assert resolve_source("本网综合") is None
    assert stated_site("人民网", "正文", "e-gov.org.cn") == "people.com.cn"
    assert stated_site("人民网", "正文", "people.com.cn") is None  # a page naming its own site names no other
    assert stated_site(None, "第一段\n第二段\n（转载自新华网）", "gov.cn") == "news.cn"


def _member(article_id: int, site: str, day: str, stated: str | None = None, precision: str = "minute") -> Member:
    return Member(article_id, site, stated, datetime.fromisoformat(day).replace(tzinfo=SHANGHAI), precision)


def test_original_is_the_earliest_unless_a_copy_names_a_site_in_the_cluster() -> None:
    assert choose_original([_member(1, "e-gov.org.cn", "2018-05-05"), _member(2, "people.com.cn", "2018-05-04")]) == 2
    # Same day, but the republisher names 人民网: 人民网's copy is the original even though it is dated later.
    assert (
        choose_original(
            [
                _member(1, "e-gov.org.cn", "2018-05-04T00:00", "people.com.cn", "day"),
                _member(2, "people.com.cn", "2018-05-04T09:21"),
            ]
        )
        == 2
    )
    # A chain 中国政府网 → 人民网 → 新华社: the site that names no other is the origin.
    chain = [
        _member(1, "gov.cn", "2024-01-01T08:00", "people.com.cn"),
        _member(2, "people.com.cn", "2024-01-01T09:00", "news.cn"),
        _member(3, "news.cn", "2024-01-01T10:00"),
    ]
    assert choose_original(chain) == 3
    # A stated site that is not in the cluster does not count: the earliest copy is the original.
    assert choose_original([_member(4, "gov.cn", "2024-01-02", "news.cn"), _member(5, "cac.gov.cn", "2024-01-01")]) == 5


def test_paragraph_changes() -> None:
    changes = paragraph_changes("甲\n乙\n丙", "甲\n丙\n丁")
    assert changes == {"added": ["丁"], "removed": ["乙"]}


# --- ingest, with a real database ------------------------------------------------------------------------------


def test_import_joins_the_seed_cluster_and_an_unrelated_article_stays_out(db_url: str) -> None:
    database = open_database(db_url)
    try:
        # A third site's edited reprint that names 人民网, then the people.com.cn copy, then an unrelated article.
        gov = import_text(
            database,
            plaintext("谢少锋：电子政务发展的产业支撑", "人民网", "2018-05-05", edited_seed()),
            url="http://www.gov.cn/xinwen/2018-05/05/content_1.htm",
            site="gov.cn",
        )
        people = import_text(
            database,
            plaintext("谢少锋:电子政务发展的产业支撑", "人民网", "2018-05-04 09:21", SEED_BODY),
            url=PEOPLE_SEED_URL,
            site="people.com.cn",
        )
        other = import_text(
            database, UNRELATED_SAME_TOPIC.encode(), url="http://www.e-gov.org.cn/article-2.html", site="e-gov.org.cn"
        )
        seed = membership(database, 1)
        assert membership(database, gov).cluster_id == seed.cluster_id == membership(database, people).cluster_id
        assert {membership(database, i).canonical_id for i in (1, gov, people)} == {people}
        assert membership(database, other).cluster_id == other  # a cluster of its own
        assert membership(database, other).canonical_id == other

        with database.session() as session:
            shown = get_article(session, 1)
            assert shown is not None
            assert shown["original"]["url"] == PEOPLE_SEED_URL and not shown["original"]["this"]
            copies = {c["id"]: c for c in shown["reprints"]}
            assert set(copies) == {1, gov}
            assert copies[1]["this"] and copies[1]["similarity"] == 1.0
            assert copies[1]["changes"] == {"added": [], "removed": []}
            assert 0.5 < copies[gov]["similarity"] < 1.0
            assert copies[gov]["changes"]["added"] == [edited_seed()[2], edited_seed()[-1]]
            assert copies[gov]["changes"]["removed"] == [SEED_BODY[0], SEED_BODY[3]]
            lonely = get_article(session, other)
            assert lonely is not None and lonely["original"]["this"] and lonely["reprints"] == []
    finally:
        database.dispose()


def test_a_new_copy_of_a_much_copied_text_reads_neither_the_cluster_nor_the_copies(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copies on the original's site: matched with the first copy and settled from two rows; same result as the rule."""
    from db import reprints as store

    title = UNRELATED_SAME_TOPIC.splitlines()[0]
    paragraphs = [p for p in UNRELATED_SAME_TOPIC.splitlines()[3:] if p.strip()]
    database = open_database(db_url)

    def copy(n: int, day: str, site: str = "e-gov.org.cn", source: str = "中国电子政务网") -> int:
        data = plaintext(title, source, day, paragraphs)
        return import_text(database, data, url=f"http://www.{site}/copy-{n}.html", site=site)

    def check_cluster(cluster_id: int) -> set[int]:
        with database.session() as session:
            members = store.cluster_members(session, cluster_id)
            expected = choose_original(members)
            assert {membership(database, m.article_id).canonical_id for m in members} == {expected}
            return {m.article_id for m in members}

    try:
        first = copy(0, "2018-05-10 08:00")
        ids = [copy(n, f"2018-05-{10 + n} 09:00") for n in range(1, 12)]
        assert check_cluster(first) == {first, *ids}
        calls: list[str] = []
        seen: list[store.Candidates] = []
        split = store.split_candidates

        def spy(name: str) -> Callable[..., list[Any]]:
            def called(session: Any, what: Any) -> list[Any]:
                if what != []:  # a cluster id, or ids to read
                    calls.append(name)
                return []

            return called

        def split_spy(*args: Any, **kwargs: Any) -> store.Candidates:
            seen.append(split(*args, **kwargs))
            return seen[-1]

        monkeypatch.setattr(store, "cluster_members", spy("cluster_members"))
        monkeypatch.setattr(store, "bodies", spy("bodies"))
        monkeypatch.setattr(store, "split_candidates", split_spy)
        earlier = copy(12, "2018-05-09 07:00")  # stored last, published first: it becomes the original
        late = copy(13, "2018-05-30 07:00")
        assert calls == [] and all(c.identical == [first] and c.different == [] for c in seen)
        monkeypatch.undo()
        for article_id in (earlier, late):
            row = membership(database, article_id)
            assert (row.cluster_id, row.matched_with, row.match_reason, row.similarity) == (first, first, "text", 1.0)
        assert check_cluster(first) == {first, *ids, earlier, late}
        assert membership(database, first).canonical_id == earlier
        # A copy on another site that names the first site: settled from all members, the original stays.
        named = copy(14, "2018-05-01 07:00", site="cac.gov.cn")
        assert check_cluster(first) == {first, *ids, earlier, late, named}
        assert membership(database, named).canonical_id == earlier
        # A third site's copy naming none, dated before all: settled from all members, e-gov.org.cn stays the
        # origin (cac.gov.cn names it).
        other = copy(15, "2018-05-02 07:00", site="gov.cn", source="本网")
        assert check_cluster(first) == {first, *ids, earlier, late, named, other}
        assert membership(database, first).canonical_id == earlier
    finally:
        database.dispose()


def test_matching_is_idempotent_and_a_changed_copy_leaves_its_cluster(sqlite_url: str) -> None:
    database = open_database(sqlite_url)
    try:
        url = PEOPLE_SEED_URL
        data = plaintext("谢少锋:电子政务发展的产业支撑", "人民网", "2018-05-04 09:21", SEED_BODY)
        people = import_text(database, data, url=url, site="people.com.cn")
        before = membership(database, people)
        assert import_text(database, data, url=url, site="people.com.cn") == people
        with database.session() as session:
            match_article(session, people)
        after = membership(database, people)
        assert (after.cluster_id, after.canonical_id, after.indexed_at) == (
            before.cluster_id,
            before.canonical_id,
            before.indexed_at,
        )
        # The page now carries a different speech: it leaves the seed's cluster and the seed is original again.
        replaced = UNRELATED_SAME_TOPIC.splitlines()
        import_text(
            database,
            plaintext("新标题", "人民网", "2018-05-04 09:21", replaced[3:]),
            url=url,
            site="people.com.cn",
        )
        assert membership(database, people).cluster_id == people
        assert membership(database, 1).canonical_id == 1
    finally:
        database.dispose()


def test_index_survives_a_restart(tmp_path: Path, sqlite_url: str) -> None:
    """Each `newsmon import` is a new process: the copy is found through the signatures stored by the first."""
    original = tmp_path / "original.txt"
    original.write_bytes(UNRELATED_SAME_TOPIC.encode())
    # Another title and no stated source: only the persisted MinHash index can find the match.
    paragraphs = [p for p in UNRELATED_SAME_TOPIC.splitlines()[3:] if p.strip()]
    copy = tmp_path / "copy.txt"
    copy.write_bytes(plaintext("座谈会聚焦电子政务产业", "本网综合", "2018-05-11", paragraphs[:-1]))
    first = json.loads(newsmon("import", str(original), "--site", "e-gov.org.cn", "--db", sqlite_url, "--json").stdout)
    second = json.loads(newsmon("import", str(copy), "--site", "cac.gov.cn", "--db", sqlite_url, "--json").stdout)
    shown = json.loads(newsmon("articles", "show", str(second[0]["id"]), "--db", sqlite_url, "--json").stdout)
    assert shown["original"]["id"] == first[0]["id"]
    assert [c["id"] for c in shown["reprints"]] == [second[0]["id"]]
    assert shown["reprints"][0]["match_reason"] == "text"

    database = open_database(sqlite_url)
    try:
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(ArticleReprintBand)) == 3 * BANDS
            stored = session.get(ArticleReprint, second[0]["id"])
            assert stored is not None
            assert first[0]["id"] in bucket_candidates(session, buckets(minhash_from_bytes(stored.minhash)))
    finally:
        database.dispose()


def test_a_new_process_matches_without_reading_the_stored_signatures(db_url: str) -> None:
    """The look-up is one query on the band buckets: no statement reads other articles' signatures."""
    database = open_database(db_url)
    try:
        original = import_text(
            database, UNRELATED_SAME_TOPIC.encode(), url="http://www.e-gov.org.cn/article-2.html", site="e-gov.org.cn"
        )
    finally:
        database.dispose()
    paragraphs = [p for p in UNRELATED_SAME_TOPIC.splitlines()[3:] if p.strip()]
    database = open_database(db_url)  # a new engine and nothing cached: what a new `newsmon crawl` starts with
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        copy = import_text(
            database,
            plaintext("座谈会聚焦电子政务产业", "本网综合", "2018-05-11", paragraphs[:-1]),
            url="http://www.cac.gov.cn/copy.htm",
            site="cac.gov.cn",
        )
    finally:
        database.dispose()
    assert membership_of(db_url, copy) == (original, "text")
    signature_reads = [s for s in statements if "minhash" in s and s.lstrip().upper().startswith("SELECT")]
    # Only the new article's own row is read (is it matched already?), by its primary key.
    assert signature_reads and all("article_reprints.article_id = " in s for s in signature_reads)
    assert any("article_reprint_bands" in s and s.lstrip().upper().startswith("SELECT") for s in statements)


def membership_of(db_url: str, article_id: int) -> tuple[int | None, str | None]:
    database = open_database(db_url, seed=False)
    try:
        row = membership(database, article_id)
        return row.matched_with, row.match_reason
    finally:
        database.dispose()


def test_migration_0006_backfills_the_buckets_of_stored_signatures(sqlite_url: str) -> None:
    database = open_database(sqlite_url)
    try:
        original = import_text(
            database, UNRELATED_SAME_TOPIC.encode(), url="http://www.e-gov.org.cn/article-2.html", site="e-gov.org.cn"
        )
        with database.engine.begin() as connection:  # back to a database from before 0006
            config = alembic_config(database.engine)
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
        upgrade(database.engine)
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(ArticleReprintBand)) == 2 * BANDS
        paragraphs = [p for p in UNRELATED_SAME_TOPIC.splitlines()[3:] if p.strip()]
        copy = import_text(
            database,
            plaintext("座谈会聚焦电子政务产业", "本网综合", "2018-05-11", paragraphs[1:]),
            url="http://www.cac.gov.cn/copy.htm",
            site="cac.gov.cn",
        )
    finally:
        database.dispose()
    assert membership_of(sqlite_url, copy) == (original, "text")


def test_two_writers_at_once_on_postgresql_find_each_other(pg_url: str) -> None:
    """Two crawls store copies of one text at the same moment: the second waits for the first's commit, then
    matches it (without the bucket locks it would read before that commit and stay alone)."""
    database = open_database(pg_url)
    paragraphs = [p for p in UNRELATED_SAME_TOPIC.splitlines()[3:] if p.strip()]
    copy: dict[str, int] = {}

    def second_writer() -> None:
        copy["id"] = import_text(
            database,
            plaintext("座谈会聚焦电子政务产业", "本网综合", "2018-05-11", paragraphs[:-1]),
            url="http://www.cac.gov.cn/copy.htm",
            site="cac.gov.cn",
        )

    try:
        with database.sessions() as first:  # the first writer's transaction, left open
            record = parse_plaintext(
                UNRELATED_SAME_TOPIC.encode(), url="http://www.e-gov.org.cn/article-2.html", site="e-gov.org.cn"
            )
            original = write(first, prepare(record)).article_id
            thread = threading.Thread(target=second_writer)
            thread.start()
            deadline = time.monotonic() + 60
            while not _waiting_for_a_bucket(database):
                assert thread.is_alive() and time.monotonic() < deadline, "the second writer did not wait"
                thread.join(0.05)
            first.commit()
        thread.join(60)
        assert not thread.is_alive()
    finally:
        database.dispose()
    assert membership_of(pg_url, copy["id"]) == (original, "text")


def _waiting_for_a_bucket(database: Any) -> bool:
    with database.engine.connect() as connection:
        waiting = connection.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = :ns"),
            {"ns": LOCK_NAMESPACE},
        )
    return bool(waiting)


# --- the crawl of the mirror, and counting ----------------------------------------------------------------------


def test_crawled_people_copy_is_the_seed_original_and_counts_once(mirror: Path, sqlite_url: str) -> None:  # noqa: F811
    run = crawl(mirror, sqlite_url)
    assert run["status"] == "finished" and run["pages_failed"] == 0
    database = open_database(sqlite_url)
    try:
        with database.session() as session:
            people = session.scalars(select(Article.id).where(Article.url == PEOPLE_SEED_URL)).one()
            rows = session.execute(select(ArticleReprint.article_id, ArticleReprint.cluster_id)).all()
            clusters: dict[int, set[int]] = {}
            for article_id, cluster_id in rows:
                clusters.setdefault(cluster_id, set()).add(article_id)
            # One cluster of two (the seed and the people.com.cn copy); every other mirror article stands alone,
            # including 郑立群's speech on the same topic (数字政府与产业支撑).
            assert sorted(clusters.values(), key=len)[-1] == {1, people}
            assert all(len(members) == 1 for members in sorted(clusters.values(), key=len)[:-1])
            seed = get_article(session, 1)
            assert seed is not None
            assert seed["original"]["id"] == people and seed["original"]["site"] == "people.com.cn"
            assert [(c["id"], c["site"], c["this"]) for c in seed["reprints"]] == [(1, "e-gov.org.cn", True)]

            total = len(rows)
            assert count_articles(session) == total
            assert count_articles(session, dedupe="reprints") == total - 1
            assert count_articles(session, site="e-gov.org.cn", dedupe="reprints") == 1
            day = datetime(2018, 5, 4).date()
            assert count_articles(session, date_from=day, date_to=day) == 2
            assert count_articles(session, date_from=day, date_to=day, dedupe="reprints") == 1
            listed = list_articles(session, dedupe="reprints", limit=100)
            assert len(listed) == total - 1
            speech = next(r for r in listed if r["title"].startswith("谢少锋"))
            assert (speech["id"], speech["copies"]) == (people, 2)
            # Filtered to the republisher, the speech is listed once, as its copy there.
            only_egov = list_articles(session, site="e-gov.org.cn", dedupe="reprints")
            assert [(r["id"], r["copies"]) for r in only_egov] == [(1, 1)]
    finally:
        database.dispose()

    before = {r.article_id: (r.cluster_id, r.canonical_id) for r in _rows(sqlite_url)}
    assert crawl(mirror, sqlite_url, "--full")["articles_unchanged"] == total - 1
    assert {r.article_id: (r.cluster_id, r.canonical_id) for r in _rows(sqlite_url)} == before

    listed_cli = json.loads(newsmon("articles", "list", "--dedupe", "reprints", "--db", sqlite_url, "--json").stdout)
    assert len(listed_cli) == total - 1
    shown = newsmon("articles", "show", "1", "--db", sqlite_url).stdout
    assert "original" in shown and "c1024-29966012.html" in shown and "similarity 1.00" in shown


def _rows(db_url: str) -> list[Any]:
    database = open_database(db_url)
    try:
        with database.session() as session:
            return list(session.execute(select(ArticleReprint)).scalars())
    finally:
        database.dispose()


def test_reindex_matches_articles_stored_before_matching(sqlite_url: str) -> None:
    database = open_database(sqlite_url)
    try:
        with database.session() as session:
            session.execute(delete(ArticleReprintBand))  # as before migration 0004: neither table has rows
            session.execute(delete(ArticleReprint))
        result = json.loads(newsmon("reprints", "reindex", "--db", sqlite_url, "--json").stdout)
        assert result == {"matched": 1}
        with database.session() as session:
            assert count_articles(session, dedupe="reprints") == 1
            assert session.get(ArticleReprint, 1) is not None
    finally:
        database.dispose()


def test_detection_accuracy_floors(tmp_path: Path) -> None:
    """The CI floor of bench/reprints.py on a small generated set: copies edited 0–30%, same-topic strangers."""
    from bench.reprints import evaluate

    result = evaluate(seed=3, families=15, negatives=60, directory=tmp_path)
    assert result["precision"] >= 0.99
    assert result["recall_upto_20"] >= 0.95
    assert result["unrelated_clustered"] == 0

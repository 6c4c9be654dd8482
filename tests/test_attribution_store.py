"""Attribution in the database (SQLite and PostgreSQL): the seed, the registry, idempotent speaker links,
roles over time, the speaker queries and filters, and a crawl of the mirror through the attribute pipeline."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from attribution import Attribution, Speaker
from db.articles import store_article
from db.models import ArticleSpeaker, Organisation, OrganisationAlias, Person, PersonRole
from db.queries import get_article, list_articles
from db.registry import get_speaker, list_speakers
from extraction.dates import SHANGHAI
from ground.article import Extracted
from pipelines.seed import open_database
from tests.conftest import MIRROR_SITE
from tests.test_crawl_e2e import crawl


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(MIRROR_SITE, copy)
    return copy


def _record(url: str, title: str, published: datetime) -> Extracted:
    return Extracted(
        url=url,
        site="people.com.cn",
        charset="utf-8",
        title=title,
        published_at=published,
        published_precision="minute",
        body="第一段。\n第二段。",
    )


def _speech(name: str, role: str, org: str, written: str, day: date) -> Attribution:
    return Attribution(
        kind="speech_report",
        speakers=[Speaker(name, role, org, written, evidence=f"{written}{role}{name}表示，……", rule="lead:X表示")],
        occasion="数字政府建设论坛",
        place="杭州",
        spoken_on=day,
    )


def test_seed_is_stored_with_its_attribution(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.session() as session:
            seed = get_article(session, 1)
        assert seed is not None
        assert seed["kind"] == "speech_full_text"
        assert seed["occasion"] == "首届数字中国建设峰会分论坛“电子政务:协同 优化 创新”"
        assert seed["place"] == "福州"
        assert seed["spoken_on"] == "2018-04-23"
        assert seed["authors"] == ["燕帅", "宋心蕊"]
        [speaker] = seed["speakers"]
        assert (speaker["name"], speaker["role"], speaker["org"]) == (
            "谢少锋",
            "司长",
            "工业和信息化部信息化和软件服务业司",
        )
        assert "工信部信软司司长谢少锋" in speaker["evidence"]
        assert "以下是发言全文" in seed["attribution"]["kind"]["evidence"]
    finally:
        database.dispose()


def test_registry_is_loaded_once(db_url: str) -> None:
    open_database(db_url).dispose()
    database = open_database(db_url)
    try:
        with database.session() as session:
            miit = session.scalar(select(Organisation).where(Organisation.name == "工业和信息化部"))
            assert miit is not None and miit.curated
            department = session.scalar(
                select(Organisation).where(Organisation.name == "工业和信息化部信息化和软件服务业司")
            )
            assert department is not None and department.parent_id == miit.id
            alias = session.scalar(select(OrganisationAlias).where(OrganisationAlias.alias == "工信部信软司"))
            assert alias is not None and alias.organisation_id == department.id
            names = session.scalars(select(Organisation.name)).all()
            assert len(names) == len(set(names))
    finally:
        database.dispose()


def test_one_person_across_articles_with_roles_over_time(db_url: str) -> None:
    database = open_database(db_url)
    try:
        first = _record(
            "http://politics.people.com.cn/n1/2021/0928/c1024-1.html", "甲", datetime(2021, 9, 28, tzinfo=SHANGHAI)
        )
        later = _record(
            "http://politics.people.com.cn/n1/2024/0510/c1024-2.html", "乙", datetime(2024, 5, 10, tzinfo=SHANGHAI)
        )
        as_director = _speech("郑立群", "司长", "工业和信息化部信息化和软件服务业司", "工信部信软司", date(2021, 9, 27))
        as_vice_minister = _speech("郑立群", "副部长", "工业和信息化部", "工信部", date(2024, 5, 9))
        for _ in range(2):  # storing again (a re-crawl) duplicates nothing
            with database.session() as session:
                store_article(session, first, attribution=as_director)
                store_article(session, later, attribution=as_vice_minister)
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Person).where(Person.name == "郑立群")) == 1
            assert session.scalar(select(func.count()).select_from(ArticleSpeaker)) == 3  # with the seed's
            roles = session.scalars(select(PersonRole).join(Person).where(Person.name == "郑立群")).all()
            assert sorted((r.role, r.first_seen, r.last_seen) for r in roles) == [
                ("副部长", date(2024, 5, 9), date(2024, 5, 9)),
                ("司长", date(2021, 9, 27), date(2021, 9, 27)),
            ]
            speaker = get_speaker(session, "郑立群")
            assert speaker is not None
            assert [r["role"] for r in speaker["roles"]] == ["司长", "副部长"]
            assert speaker["articles_by_year"] == {"2021": 1, "2024": 1}
            assert speaker["articles_by_kind"] == {"speech_report": 2}
            listed = {row["name"]: row for row in list_speakers(session)}
            assert listed["郑立群"]["role"] == "副部长" and listed["郑立群"]["articles"] == 2
            assert listed["郑立群"]["first_seen"] == "2021-09-27" and listed["郑立群"]["last_seen"] == "2024-05-09"
            # filters: by speaker, by body (an alias; a ministry includes its departments), by kind
            assert {a["title"] for a in list_articles(session, speaker="郑立群")} == {"甲", "乙"}
            assert {a["title"] for a in list_articles(session, org="工信部")} >= {"甲", "乙"}
            assert {a["title"] for a in list_articles(session, org="信软司")} == set()
            by_department = list_articles(session, org="工业和信息化部信息化和软件服务业司")
            assert {a["title"] for a in by_department} == {"甲", "谢少锋:电子政务发展的产业支撑"}
            assert {a["id"] for a in list_articles(session, kind="speech_full_text")} == {1}
            assert [r["name"] for r in list_speakers(session, org="国家互联网信息办公室")] == []
    finally:
        database.dispose()


def test_a_recrawl_that_finds_other_speakers_replaces_the_links(db_url: str) -> None:
    database = open_database(db_url)
    try:
        record = _record(
            "http://politics.people.com.cn/n1/2024/0510/c1024-3.html", "丙", datetime(2024, 5, 10, tzinfo=SHANGHAI)
        )
        with database.session() as session:
            article_id = store_article(
                session,
                record,
                attribution=_speech("林文远", "副主任", "国家互联网信息办公室", "网信办", date(2024, 5, 9)),
            ).article_id
        with database.session() as session:
            store_article(session, record, attribution=Attribution(kind="news"))
        with database.session() as session:
            article = get_article(session, article_id)
            assert article is not None and article["speakers"] == [] and article["kind"] == "news"
            assert session.scalar(select(func.count()).select_from(Person).where(Person.name == "林文远")) == 1
    finally:
        database.dispose()


def test_crawl_attributes_articles_and_cli_shows_speakers(mirror: Path, sqlite_url: str) -> None:
    assert crawl(mirror, sqlite_url)["status"] == "finished"
    assert crawl(mirror, sqlite_url, "--full")["status"] == "finished"  # stores every article a second time
    database = open_database(sqlite_url)
    try:
        with database.session() as session:
            people = session.scalars(select(Person.name)).all()
            assert len(people) == len(set(people))
            zhou = get_speaker(session, "周海清")
            assert zhou is not None and zhou["articles_by_year"] == {"2018": 1, "2023": 1}
            xie = get_speaker(session, "谢少锋", dedupe="copies")  # the seed and people.com.cn's copy: one person
            assert xie is not None and len(xie["articles"]) == 2
            once = get_speaker(session, "谢少锋")  # each speech once by default: the copy folded under the seed
            assert once is not None and [a["copies"] for a in once["articles"]] == [2]
            conference = list_articles(session, kind="press_conference")
            assert [a["title"] for a in conference] == ["国家数据局介绍推进公共数据共享和开发利用有关情况"]
    finally:
        database.dispose()

    from cli.app import app

    runner = CliRunner()
    listed = runner.invoke(app, ["speakers", "list", "--db", sqlite_url, "--json"])
    assert listed.exit_code == 0, listed.output
    names = {row["name"] for row in json.loads(listed.stdout)}
    assert {"谢少锋", "周海清", "林文远", "方启航", "唐宁", "高德明", "郑立群", "韩晓岚"} <= names
    shown = runner.invoke(app, ["speakers", "show", "方启航", "--db", sqlite_url, "--json"])
    assert json.loads(shown.stdout)["roles"][0]["org"] == "国家数据局"
    by_org = runner.invoke(app, ["speakers", "list", "--org", "工信部", "--db", sqlite_url, "--json"])
    assert {row["name"] for row in json.loads(by_org.stdout)} == {"谢少锋", "郑立群"}
    filtered = runner.invoke(app, ["articles", "list", "--speaker", "周海清", "--db", sqlite_url, "--json"])
    assert len(json.loads(filtered.stdout)) == 2
    show = runner.invoke(app, ["articles", "show", "1", "--db", sqlite_url])
    assert "speech_full_text" in show.stdout and "谢少锋" in show.stdout and "福州" in show.stdout
    missing = runner.invoke(app, ["speakers", "show", "无此人", "--db", sqlite_url])
    assert missing.exit_code == 1


def test_upgrade_from_0001_keeps_articles_and_attribute_fills_them(sqlite_url: str) -> None:
    from db.engine import make_engine, upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO sites (domain, name, created_at) VALUES ('people.com.cn', '人民网', '2024-05-10 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO articles (url, site_id, title, published_at, body, content_hash, authors, editors,"
            " field_rules, warnings, first_seen_at, last_seen_at) VALUES ('http://people.com.cn/a.html', 1,"
            " '林文远：推动政务数据安全有序流动', '2024-05-09 16:00:00',"
            " '国家互联网信息办公室副主任林文远出席会议并讲话。\n林文远指出，要坚持安全与发展并重。', 'x', '[]', '[]',"
            " '{}', '[]', '2024-05-10 00:00:00', '2024-05-10 00:00:00')"
        )
    engine.dispose()
    runner = CliRunner()
    from cli.app import app

    result = runner.invoke(app, ["speakers", "attribute", "--db", sqlite_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"attributed": 1}  # the stored article; the registry came with the upgrade
    again = runner.invoke(app, ["speakers", "attribute", "--db", sqlite_url, "--json"])
    assert json.loads(again.stdout) == {"attributed": 0}
    database = open_database(sqlite_url)
    try:
        with database.session() as session:
            article = get_article(session, 1)
            assert article is not None and article["kind"] == "speech_report"
            assert [(s["name"], s["org"]) for s in article["speakers"]] == [("林文远", "国家互联网信息办公室")]
    finally:
        database.dispose()


def test_attribute_all_commits_in_batches(sqlite_url: str) -> None:
    """A long re-attribution holds the write lock one batch at a time: a crawl writing meanwhile is not stalled."""
    from contextlib import contextmanager

    from pipelines.reattribute import reattribute_articles

    database = open_database(sqlite_url)  # the seed: one article
    try:
        opened: list[int] = []

        @contextmanager
        def transaction() -> Iterator[Session]:
            opened.append(1)
            with database.session() as session:
                yield session

        assert reattribute_articles(transaction, every=True, batch=1) == 1
        assert len(opened) == 2  # the batch with the seed, then an empty one that ends the run
    finally:
        database.dispose()

"""A small database with known contents for the analysis and dashboard tests (text the project owns)."""

from __future__ import annotations

from datetime import date, datetime

from db.articles import store_article
from db.engine import Database
from db.registry import store_attribution
from extraction.dates import SHANGHAI
from ground.article import Extracted
from ground.speech import Attribution, Speaker
from pipelines.seed import open_database

# (key, site, published_at, source, title, body). The seed speech (article 1, 2018-05-04, e-gov.org.cn) is there
# too: it contains 政务公开 twice, 放管服 once and 电子政务, and none of 数字政府, 一网通办, 政务服务.
ARTICLES = [
    (
        "a",
        "people.com.cn",
        datetime(2023, 3, 10, 9, 0, tzinfo=SHANGHAI),
        "人民网-人民日报",
        "加快建设数字政府",
        "数字政府建设是推进国家治理现代化的重要举措。\n各地要以数字政府为抓手，提升履职能力。",
    ),
    (
        "b",
        "people.com.cn",
        datetime(2023, 7, 1, 10, 0, tzinfo=SHANGHAI),
        "人民网",
        "发展数字经济",
        "数字经济蓬勃发展，政府部门要加强统筹。数字化转型带动产业升级，地方政府积极作为。",
    ),
    (
        "c",
        "people.com.cn",
        datetime(2024, 1, 15, 8, 30, tzinfo=SHANGHAI),
        "人民网-人民日报",
        "上海推进一网通办",
        "一网通办让企业和群众少跑腿。深化放管服改革，优化政务服务，一网通办再上新台阶。",
    ),
    (
        "d",
        "news.cn",
        datetime(2024, 2, 20, 15, 0, tzinfo=SHANGHAI),
        "新华社",
        "推进互联网+政务服务",
        "全面推进互联网+政务服务，建设数字政府，实现政务服务一网通办。",
    ),
    (
        "e",
        "news.cn",
        datetime(2024, 5, 5, 9, 0, tzinfo=SHANGHAI),
        "新华社",
        "深化政务公开",
        "各级政府要深化政务公开，回应社会关切，各级政府要回应社会关切。",
    ),
    (
        "f",
        "people.com.cn",
        # 23:30 in Shanghai is 15:30 UTC: it belongs to December 2023, not to January 2024.
        datetime(2023, 12, 31, 23, 30, tzinfo=SHANGHAI),
        "人民网",
        "年终盘点：一网通办",
        "这一年，一网通办覆盖更多事项，越来越多的事项已经实现网上办理。",
    ),
]


def url_of(key: str, site: str) -> str:
    host = "politics.people.com.cn" if site == "people.com.cn" else "www.news.cn"
    return f"http://{host}/analysis/{key}.html"


def build(url: str) -> tuple[Database, dict[str, int]]:
    """Open a new database with the seed and the articles above; returns it and article ids by key."""
    database = open_database(url)
    ids = {}
    with database.session() as session:
        for key, site, published, source, title, body in ARTICLES:
            record = Extracted(
                url=url_of(key, site),
                site=site,
                charset="utf-8",
                title=title,
                published_at=published,
                published_precision="minute",
                source=source,
                authors=["记者甲"],
                editors=["编辑乙"],
                body=body,
                rules={"title": "test"},
            )
            ids[key] = store_article(session, record).article_id
    return database, ids


# Speech attribution and one reprint on top of build(): article c is 王明's speech report, copied word for word by
# news.cn as "g" the next day (a reprint: g joins c's cluster, c the original); d is 赵红's press conference for
# 工信部信软司. The seed (article 1) is 谢少锋's speech (speech_full_text, 工信部信软司), attributed at seeding.
WANG = Speaker(
    name="王明",
    role="副市长",
    org="上海市人民政府",
    org_as_written="上海市政府",
    evidence="上海市副市长王明在推进会上表示，一网通办让企业和群众少跑腿。",
    rule="test:fixture",
)
ZHAO = Speaker(
    name="赵红",
    role="司长",
    org="工业和信息化部信息化和软件服务业司",
    org_as_written="工信部信软司",
    evidence="工信部信软司司长赵红在发布会上介绍。",
    rule="test:fixture",
)
SPEECH_C = Attribution(
    kind="speech_report",
    speakers=[WANG],
    occasion="数字政府建设推进会",
    place="上海",
    spoken_on=date(2024, 1, 14),
)
CONFERENCE_D = Attribution(kind="press_conference", speakers=[ZHAO], occasion="新闻发布会", place="北京")
REPRINT_G = ("g", "news.cn", datetime(2024, 1, 16, 9, 0, tzinfo=SHANGHAI), "人民网")


def build_speeches(url: str) -> tuple[Database, dict[str, int]]:
    """build() plus speakers on c and d and the reprint g of c; returns the database and ids by key."""
    from analysis.reprints import match_article
    from pipelines.ingest import prepare, write

    database, ids = build(url)
    title, body = next((a[4], a[5]) for a in ARTICLES if a[0] == "c")
    key, reprint_site, published, source = REPRINT_G
    with database.session() as session:
        store_attribution(session, ids["c"], SPEECH_C, seen_on=date(2024, 1, 14))
        store_attribution(session, ids["d"], CONFERENCE_D, seen_on=date(2024, 2, 20))
        match_article(session, ids["c"])
        record = Extracted(
            url=url_of(key, reprint_site),
            site=reprint_site,
            charset="utf-8",
            title=title,
            published_at=published,
            published_precision="minute",
            source=source,
            authors=[],
            editors=["编辑丙"],
            body=body,
            rules={"title": "test"},
        )
        ids[key] = write(session, prepare(record, attribution=SPEECH_C)).article_id
    return database, ids


def store_article_text(database: Database, url: str, title: str, body: str) -> int:
    """One more news.cn article (June 2024) with this title and body; its id."""
    with database.session() as session:
        record = Extracted(
            url=url,
            site="news.cn",
            charset="utf-8",
            title=title,
            published_at=datetime(2024, 6, 1, 9, 0, tzinfo=SHANGHAI),
            published_precision="minute",
            source="新华社",
            body=body,
            rules={"title": "test"},
        )
        return store_article(session, record).article_id

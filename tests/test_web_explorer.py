"""The explorer as an analyst uses it over HTTP: attention over time for several queries (share and count, the
denominator, uncertain periods, gaps, each point's articles), search sorted, browsed, faceted and folded, terms in
context, every view as CSV and JSON, and mistakes answered on the form."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from analysis.export import csv_text
from analysis.trends import trend
from db.filters import Filters
from db.limits import TimeLimitExceeded, seconds_left, time_limit
from pipelines.seed import open_database
from tests.analysis_fixtures import build_speeches
from web import explore as web_explore
from web.app import create_app

LOOPBACK = "http://127.0.0.1"


@pytest.fixture
def http(db_url: str) -> Iterator[tuple[TestClient, dict[str, int]]]:
    database, ids = build_speeches(db_url)
    database.dispose()
    app = create_app(db_url)
    with TestClient(app, base_url=LOOPBACK) as client:
        yield client, ids
    app.state.database.dispose()


def _chart(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "no chart data on the page"
    return dict(json.loads(found.group(1)))


def _csv(body: str) -> list[dict[str, str]]:
    assert body.startswith("\ufeff"), "a download starts with the UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_two_queries_on_one_chart_with_denominator_gaps_and_uncertain_periods(
    http: tuple[TestClient, dict[str, int]],
) -> None:
    client, _ = http
    page = client.get("/trends", params={"q": ["政务公开", "一网通办 OR 数字政府"], "by": "year", "floor": 2})
    assert page.status_code == 200
    chart = _chart(page.text)
    assert chart["periods"] == ["2018", "2019", "2020", "2021", "2022", "2023", "2024"]
    # All articles per year, each speech once (g, the reprint of c, is not counted again): the denominator.
    assert chart["totals"] == [1, 0, 0, 0, 0, 3, 3]
    public, digital = chart["series"]
    assert public["label"] == "政务公开" and digital["label"] == "一网通办 OR 数字政府"
    # The seed alone in 2018 uses 政务公开: 1000 per 1000, under the floor of 2, so uncertain ...
    assert public["values"] == [1000.0, None, None, None, None, 0.0, 333.333]
    assert public["uncertain"] == [True, False, False, False, False, False, False]
    assert digital["values"] == [0.0, None, None, None, None, 666.667, 666.667]
    # ... and kept off the scale: the top is set by the certain points (666.667), not by 1000.
    assert chart["top"] == pytest.approx(666.667 * 1.1)
    assert "2019" in page.text and "no articles" in page.text  # a gap says so in the table
    counts = _chart(client.get("/trends", params={"q": ["一网通办 OR 数字政府"], "by": "year", "mode": "count"}).text)
    assert counts["series"][0]["values"] == [0, None, None, None, None, 2, 2]


def test_a_point_opens_its_articles(http: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = http
    chart = _chart(client.get("/trends", params={"q": ["一网通办 OR 数字政府"], "by": "year"}).text)
    link = chart["series"][0]["links"][-1]  # 2024
    assert "from=2024-01-01" in link and "to=2024-12-31" in link and "dedupe=reprints" in link
    articles = client.get(link)
    assert articles.status_code == 200
    shown = [int(i) for i in re.findall(r'<a class="title" href="/articles/(\d+)"', articles.text)]
    assert shown == [ids["d"], ids["c"]]  # newest first; the reprint g folded under c
    assert '<p id="total">2 篇文章' in articles.text


def test_trend_downloads_match_the_chart(http: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = http
    params = {"q": ["一网通办"], "by": "year", "floor": 2}
    rows = _csv(client.get("/trends.csv", params=params).text)
    assert [r["total_articles"] for r in rows] == ["1", "0", "0", "0", "0", "3", "3"]
    assert rows[1]["rate"] == "" and rows[0]["uncertain"] == "True"
    document = client.get("/trends.json", params=params).json()
    assert document["queries"] == ["一网通办"] and document["filters"]["dedupe"] == "reprints"
    assert [r["articles"] for r in document["rows"]] == [int(r["articles"]) for r in rows]


def test_search_sorts_browses_facets_and_folds_reprints(http: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = http
    newest = client.get("/search", params={"q": "一网通办", "sort": "date"})
    order = [int(i) for i in re.findall(r'<a class="title" href="/articles/(\d+)"', newest.text)]
    assert order == [ids["d"], ids["g"], ids["c"], ids["f"]]
    oldest = client.get("/search", params={"q": "一网通办", "sort": "oldest"})
    assert [int(i) for i in re.findall(r'<a class="title" href="/articles/(\d+)"', oldest.text)] == order[::-1]
    folded = client.get("/search", params={"q": "一网通办", "dedupe": "reprints", "sort": "date"})
    assert (
        f'href="/articles/{ids["g"]}"' not in folded.text and '<span class="copies">2 份 copies</span>' in folded.text
    )
    browse = client.get("/search", params={"site": "news.cn"})
    assert browse.status_code == 200 and '<p id="total">3 篇文章 articles pass the filters' in browse.text
    assert '<ul id="facet-speaker">' in newest.text
    facet = re.search(r'<ul id="facet-site">(.*?)</ul>', newest.text, re.S)
    assert facet and re.findall(r">(\S+)</a><span class=\"n\">(\d+)</span>", facet.group(1)) == [
        ("新华网", "2"),  # a tie: by domain, news.cn first
        ("人民网", "2"),
    ]


def test_search_downloads(http: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = http
    rows = _csv(client.get("/search.csv", params={"q": "一网通办", "sort": "date", "dedupe": "reprints"}).text)
    assert [int(r["id"]) for r in rows] == [ids["d"], ids["c"], ids["f"]]
    assert rows[1]["copies"] == "2" and rows[1]["speakers"] == "王明"
    document = client.get("/search.json", params={"q": "一网通办", "sort": "date"}).json()
    assert document["total"] == 4 and document["sort"] == "date"
    assert {f["label"]: f["articles"] for f in document["facets"]["kind"]} == {
        "speech_report": 2,
        "press_conference": 1,
    }
    facet_rows = _csv(client.get("/facets.csv", params={"q": "一网通办"}).text)
    assert {"facet": "speaker", "value": "王明", "label": "王明", "articles": "2", "estimated": "False"} in facet_rows


def test_facets_that_run_past_the_time_limit_leave_the_hits_standing(
    http: tuple[TestClient, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Facets whose statements would start after the request's time limit are stopped: the page shows the hits
    with a note, the JSON says so, the facets CSV is refused; the next ask counts the facets again."""
    client, ids = http
    monkeypatch.setenv("NEWSMON_QUERY_TIMEOUT", "2")
    real = web_explore.run_facets

    def late(session: Any, *args: Any, **kwargs: Any) -> Any:
        # As if the hits had taken the request's time: every facet statement starts past its deadline.
        time.sleep((seconds_left(session) or 0) + 0.05)
        return real(session, *args, **kwargs)

    monkeypatch.setattr(web_explore, "run_facets", late)
    page = client.get("/search", params={"q": "一网通办", "sort": "date"})
    assert page.status_code == 200
    shown = [int(i) for i in re.findall(r'<a class="title" href="/articles/(\d+)"', page.text)]
    assert shown == [ids["d"], ids["g"], ids["c"], ids["f"]]
    assert 'id="facets-cut"' in page.text and "time limit (2 s)" in page.text
    assert '<ul id="facet-site">' not in page.text
    document = client.get("/search.json", params={"q": "一网通办"}).json()
    assert document["total"] == 4 and document["facets"] == {} and "time limit" in document["facets_cut"]
    refused = client.get("/facets.csv", params={"q": "一网通办"})
    assert refused.status_code == 400 and "time limit" in refused.text
    monkeypatch.setattr(web_explore, "run_facets", real)
    again = client.get("/search", params={"q": "一网通办", "sort": "date"})
    assert 'id="facets-cut"' not in again.text and '<ul id="facet-site">' in again.text


def test_csv_cells_a_spreadsheet_would_run_are_escaped() -> None:
    body = csv_text([{"a": "=HYPERLINK(1)", "b": "-试点"}, {"a": "+1", "b": "@x"}, {"a": 5, "b": "普通"}], ["a", "b"])
    rows = _csv(body)
    assert rows == [{"a": "'=HYPERLINK(1)", "b": "'-试点"}, {"a": "'+1", "b": "'@x"}, {"a": "5", "b": "普通"}]


def test_terms_in_context(http: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = http
    page = client.get("/context", params={"q": "一网通办", "order": "oldest"})
    assert page.status_code == 200
    sentences = re.findall(r'<div class="text">(.*?)</div>', page.text)
    assert (
        sentences[0] == "这一年，<mark>一网通办</mark>覆盖更多事项，越来越多的事项已经实现网上办理。"
    )  # 2023-12-31, the oldest
    assert "<mark>一网通办</mark>让企业和群众少跑腿。" in sentences
    assert "2024-01-15 · 人民网 · 王明" in page.text
    rows = _csv(client.get("/context.csv", params={"q": "一网通办"}).text)
    assert rows[0]["sentence"] == "全面推进互联网+政务服务，建设数字政府，实现政务服务一网通办。"  # newest first
    assert rows[0]["speaker"] == "赵红"
    assert len(client.get("/context.json", params={"q": "一网通办"}).json()["sentences"]) == len(rows) == 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "政" * 201}, "q is 201 characters long; at most 200"),
        ({"q": "一网通办 OR"}, "OR needs a word, a phrase or a group on each side"),
        ({"q": "AND 一网通办"}, "AND needs a word"),
        ({"q": "一网通办", "from": "0001-01-01"}, "from: 0001-01-01 is outside 1900–2100"),
        ({"q": "一网通办", "to": "9999-12-31"}, "to: 9999-12-31 is outside 1900–2100"),
        ({"q": "一网通办", "kind": "speeches"}, "kind must be one of"),
        ({"q": "一网通办", "site": "example.com"}, "example.com&#39; in the database; its sites:"),
    ],
)
def test_a_mistake_is_a_400_on_the_form_it_was_typed_in(
    http: tuple[TestClient, dict[str, int]], params: dict[str, str], message: str
) -> None:
    client, _ = http
    for path in ("/search", "/trends", "/context"):
        page = client.get(path, params=params)
        assert page.status_code == 400, (path, page.text)
        assert message in page.text
        assert f'<form class="filters" method="get" action="{path}">' in page.text
        assert f'value="{params["q"]}"' in page.text  # what was typed is kept, never cut
        for name in ("site", "kind"):
            if name in params:
                assert f'<option value="{params[name]}" selected>' in page.text


def test_paging_past_the_end_shows_the_last_page(
    http: tuple[TestClient, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = http
    monkeypatch.setattr("web.explore.PAGE_SIZE", 2)
    first = client.get("/search", params={"q": "政务"})
    total = int(re.search(r'<p id="total">(\d+) 篇文章', first.text).group(1))  # type: ignore[union-attr]
    last = (total + 1) // 2
    assert last > 1 and f"第 1 / {last} 页" in first.text
    page = client.get("/search", params={"q": "政务", "page": 999})
    assert page.status_code == 200 and f"第 {last} / {last} 页" in page.text
    assert page.text.count('class="hit"') == total - 2 * (last - 1)


def test_headers_hosts_and_head(http: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = http
    page = client.get("/search", params={"q": "一网通办"})
    assert page.headers["x-content-type-options"] == "nosniff"
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    for path in ("/search", "/trends?q=一网通办", "/context?q=一网通办", "/speakers", "/ops"):
        assert "<script>" not in client.get(path).text, path  # no inline script: the CSP would block it
    head = client.head("/search", params={"q": "一网通办"})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(page.content))
    assert client.get("/search", headers={"host": "evil.example"}).status_code == 400


def test_a_query_past_its_time_limit_is_stopped(db_url: str) -> None:
    database = open_database(db_url)
    slow = (
        "SELECT pg_sleep(5)"
        if db_url.startswith("postgresql")
        else "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    )
    try:
        with database.session() as session:
            started = time.monotonic()
            cut = pytest.raises(TimeLimitExceeded, match=r"longer than its time limit \(0.2 s\)")
            with cut, time_limit(session, 0.2):
                session.execute(text(slow))
            assert time.monotonic() - started < 2
        with database.session() as session, time_limit(session, 0.2):
            assert session.execute(text("SELECT 1")).scalar() == 1  # a quick query is untouched
        # Several statements share the one limit: each quick, together too long.
        step = "SELECT pg_sleep(0.08)" if db_url.startswith("postgresql") else "SELECT 1"
        with database.session() as session:
            cut = pytest.raises(TimeLimitExceeded)
            with cut, time_limit(session, 0.2):
                for _ in range(100):
                    session.execute(text(step))
                    time.sleep(0.01)
    finally:
        database.dispose()


def test_distinctive_words_and_first_use(http: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = http
    page = client.get("/words", params={"q": "一网通办"})
    assert page.status_code == 200
    assert f'<p id="first">首次出现 First use: 2023-12-31 · 人民网 · <a href="/articles/{ids["f"]}">' in page.text
    rows = _csv(client.get("/words.csv", params={"q": "一网通办"}).text)
    words = [r["word"] for r in rows]
    # The query's own term and its company (政务服务, in two of the three speeches) come first; no stop word.
    assert words[:2] == ["一网通办", "政务服务"]
    assert rows[1]["articles"] == "2" and rows[1]["share"] == "0.6667" and rows[1]["archive_share"] == "0.2857"
    assert not {"我们", "进一步", "工作"} & set(words)
    document = client.get("/words.json", params={"q": "一网通办", "dedupe": "copies"}).json()
    assert document["matches_read"] == 4 and document["first"]["id"] == ids["f"]


def test_ops_page_shows_alerts_runs_and_failures(db_url: str) -> None:
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from db.models import Alert, CrawlRun, FailedPage, Site
    from db.types import SHANGHAI

    database, _ = build_speeches(db_url)
    now = datetime.now(SHANGHAI)
    with database.session() as session:
        site = session.scalar(select(Site).where(Site.domain == "news.cn"))
        assert site is not None
        run = CrawlRun(
            site_id=site.id,
            spider="xinhua",
            started_at=now - timedelta(minutes=3, seconds=5),
            finished_at=now,
            status="finished",
        )
        session.add(run)
        session.flush()
        for n, (reason, status) in enumerate([("http 404", 404), ("http 404", 404), ("no body found", None)]):
            session.add(
                FailedPage(
                    run_id=run.id, url=f"http://www.news.cn/x{n}.html", reason=reason, http_status=status, failed_at=now
                )
            )
        common = {"site_id": site.id, "run_id": run.id, "created_at": now, "expected": "≥ 5", "seen": "0"}
        session.add(Alert(kind="quiet", message="新华网 published nothing for 3 days", status="open", **common))
        session.add(Alert(kind="layout", message="title rule missed", status="resolved", resolved_at=now, **common))
    database.dispose()
    app = create_app(db_url)
    try:
        with TestClient(app, base_url=LOOPBACK) as client:
            page = client.get("/ops").text
    finally:
        app.state.database.dispose()
    open_alerts = page.split('id="open-alerts"', 1)[1].split("</table>", 1)[0]
    assert "新华网 published nothing for 3 days" in open_alerts and "title rule missed" not in open_alerts
    assert "title rule missed" in page.split('id="resolved-alerts"', 1)[1]
    assert '<td class="duration">3:05</td>' in page
    assert "<tr><td>http 404</td><td>404</td><td>2</td></tr>" in page
    assert "<tr><td>no body found</td><td></td><td>1</td></tr>" in page
    assert 'id="schedules"' in page
    # 7 days against the usual: news.cn published nothing in the last 7 days of the fixture.
    assert "<td>news.cn</td><td>新华网</td>" in page


def test_speaker_downloads(http: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = http
    rows = _csv(client.get("/speakers.csv").text)
    assert {"name": "王明", "role": "副市长", "org": "上海市人民政府", "articles": "1"}.items() <= rows[0].items()
    copies = _csv(client.get("/speakers.csv", params={"dedupe": "copies"}).text)
    assert next(r["articles"] for r in copies if r["name"] == "王明") == "2"
    wang = client.get("/speakers/王明.json").json()
    assert [a["id"] for a in wang["articles"]] == [ids["c"]] and wang["articles"][0]["copies"] == 2
    assert wang["terms"]["by_year"]["2024"]["一网通办"] == 1
    assert client.get("/speakers/无此人.json").status_code == 404


def test_a_trend_counting_in_python_stops_at_its_time_limit(db_url: str) -> None:
    """A term without stored counts is counted in the text of its matches, in Python, where neither SQLite's
    progress handler nor PostgreSQL's statement_timeout runs: the limit is checked there a batch at a time."""
    database, ids = build_speeches(db_url)
    postgresql = db_url.startswith("postgresql")
    # Full-width commas, which NFKC folds one by one, and a radical it turns into 网 (so the text is folded before
    # 网通办 is counted): every body takes a while to count.
    padding = "⽹" + "，" * 2_000_000
    try:
        with database.engine.begin() as connection:  # long bodies, the index left as it was (titles still match)
            if postgresql:
                connection.execute(text("ALTER TABLE articles DISABLE TRIGGER article_search_update"))
            else:
                trigger = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_fts_update'")
                ).scalar_one()
                connection.execute(text("DROP TRIGGER articles_fts_update"))
            connection.execute(
                text("UPDATE articles SET body = body || :padding WHERE id IN (:c, :d, :g)"),
                {"padding": padding, "c": ids["c"], "d": ids["d"], "g": ids["g"]},
            )
            if postgresql:
                connection.execute(text("ALTER TABLE articles ENABLE TRIGGER article_search_update"))
            else:
                connection.execute(text(trigger))
        with database.session() as session:
            started = time.monotonic()
            rows = trend(session, ["网通办"], by="year", filters=Filters(dedupe="copies"))
            uncut = time.monotonic() - started
        assert sum(r.articles for r in rows) >= 3 and uncut > 0.8  # slow enough for the limit to matter
        with database.session() as session:
            started = time.monotonic()
            with pytest.raises(TimeLimitExceeded), time_limit(session, 0.1):
                trend(session, ["网通办"], by="year", filters=Filters(dedupe="copies"))
            cut = time.monotonic() - started
        # Checked before each article: past the limit by about one long article's counting (a third of the uncut
        # run, measured here so that a busy machine does not fail the test), never the whole run.
        assert cut < 0.1 + 1.5 * uncut / 3 + 0.2 and cut < 0.75 * uncut
    finally:
        database.dispose()

"""Crawl-health alerts: layout change (a real crawl of an altered mirror), quiet site, zero items, error spike."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.monitors import check_quiet_sites, check_run
from db.articles import store_article
from db.engine import Database
from db.runs import finish_run, list_alerts, start_run
from db.types import SHANGHAI
from ground.article import Extracted
from pipelines.seed import open_database
from tests.conftest import MIRROR_SITE
from tests.test_crawl_e2e import crawl, mirror_articles, newsmon

SITE = "people.com.cn"
# Every body container of the people.com.cn templates in the mirror, renamed as a redesign would.
BODY_CONTAINERS = (b"rm_txt_con", b"rwb_zw", b"show_text", b"p_content", b"d2txt_con", b"box_con")


class Receiver(ThreadingHTTPServer):
    """A webhook receiver on 127.0.0.1 that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(MIRROR_SITE, copy)
    return copy


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def alerts(db_url: str, **filters: Any) -> list[dict[str, Any]]:
    result = newsmon("alerts", "list", "--db", db_url, "--json", *[f"--{k}={v}" for k, v in filters.items()])
    return list(json.loads(result.stdout))


def test_layout_change_raises_one_alert_and_it_resolves_when_fixed(
    mirror: Path, sqlite_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSMON_ALERT_WEBHOOK", receiver.url)  # the crawl subprocesses read it
    good = crawl(mirror, sqlite_url)
    assert good["field_coverage"]["body_site_rule"] == 1.0
    originals = {}
    for url in mirror_articles(mirror):
        page = mirror / url.removeprefix("http://")
        originals[page] = page.read_bytes()
        changed = originals[page]
        for name in BODY_CONTAINERS:
            changed = changed.replace(name, b"article_main")
        page.write_bytes(changed)

    broken = crawl(mirror, sqlite_url, "--full")
    assert broken["status"] == "finished"
    assert broken["field_coverage"]["body_site_rule"] == 0.0
    raised = alerts(sqlite_url)
    assert [(a["kind"], a["run_id"], a["status"]) for a in raised] == [("layout", broken["id"], "open")]
    assert "body by site rules 100%" in raised[0]["expected"] and f"run {good['id']}" in raised[0]["expected"]
    assert "body by site rules 0%" in raised[0]["seen"] and f"run {broken['id']}" in raised[0]["seen"]
    assert raised[0]["deliveries"] == {"log": "sent", "webhook": "sent"}
    assert [r["alert"]["id"] for r in receiver.received] == [raised[0]["id"]]

    still_broken = crawl(mirror, sqlite_url, "--full")
    assert len(alerts(sqlite_url)) == 1  # the same problem is not raised twice
    assert still_broken["field_coverage"]["body_site_rule"] == 0.0

    for page, data in originals.items():
        page.write_bytes(data)
    crawl(mirror, sqlite_url, "--full")
    assert [a["status"] for a in alerts(sqlite_url)] == ["resolved"]
    assert len(receiver.received) == 1


# ---- checks on injected history ------------------------------------------------------------------------------


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


def article(n: int, published: datetime) -> Extracted:
    return Extracted(
        url=f"http://politics.people.com.cn/n1/2026/0101/c1024-{n}.html",
        site=SITE,
        charset="utf-8",
        title=f"第{n}篇讲话",
        published_at=published,
        body=f"第{n}篇讲话的正文，谈数字政府建设。" * 3,
    )


def injected_run(database: Database, *, pages: int, errors: dict[str, int] | None = None, **counts: int) -> int:
    errors = errors or {}
    with database.session() as session:
        run_id = start_run(session, SITE, "people", trigger="schedule")
        finish_run(
            session,
            run_id,
            status="finished",
            counts={"pages_fetched": pages, "http_errors": sum(errors.values()), **counts},
            stats={"newsmon/list_pages": 2, "newsmon/list_known_urls": counts.get("known", 0)},
            http_status_counts=errors,
        )
    return run_id


def test_quiet_site_alert_only_after_its_learned_interval(database: Database) -> None:
    first = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
    with database.session() as session:
        for n in range(10):  # one speech a day for ten days
            store_article(session, article(n, first + timedelta(days=n)))
    newest = first + timedelta(days=9)

    assert check_quiet_sites(database, [SITE], now=newest + timedelta(days=2, hours=23)) == []
    opened = check_quiet_sites(database, [SITE], now=newest + timedelta(days=3, hours=1))
    with database.session() as session:
        rows = list_alerts(session)
    assert [a["id"] for a in rows] == opened and len(opened) == 1
    assert rows[0]["kind"] == "quiet"
    assert "within 3.0 days" in rows[0]["expected"] and "usual interval of 1.0 days" in rows[0]["expected"]
    assert "none for 3.0 days" in rows[0]["seen"]
    # Still quiet a day later: the open alert stands, no second one.
    assert check_quiet_sites(database, [SITE], now=newest + timedelta(days=4)) == []

    with database.session() as session:
        store_article(session, article(99, newest + timedelta(days=4)))
    check_quiet_sites(database, [SITE], now=newest + timedelta(days=4, hours=1))
    with database.session() as session:
        assert [a["status"] for a in list_alerts(session)] == ["resolved"]


def test_quiet_needs_enough_history(database: Database) -> None:
    first = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
    with database.session() as session:
        for n in range(3):
            store_article(session, article(n, first + timedelta(days=n)))
    assert check_quiet_sites(database, [SITE], now=first + timedelta(days=300)) == []


def test_error_spike_against_the_sites_usual_error_rate(database: Database) -> None:
    for errors in (0, 1, 0, 1, 0):
        injected_run(database, pages=20, errors={"404": errors} if errors else {}, articles_unchanged=5)
    small = injected_run(database, pages=20, errors={"404": 2}, articles_unchanged=5)
    assert check_run(database, small) == []  # 2 errors: under the minimum, whatever the rate
    spike = injected_run(database, pages=20, errors={"503": 9, "403": 3}, articles_unchanged=5)
    opened = check_run(database, spike)
    with database.session() as session:
        rows = list_alerts(session)
    assert [(a["id"], a["kind"], a["run_id"]) for a in rows] == [(opened[0], "error_spike", spike)]
    assert "usual 4%" in rows[0]["expected"]
    assert "12 of 20 requests failed (60%: 503×9, 403×3)" in rows[0]["seen"]
    assert "blocking" in rows[0]["seen"]
    calm = injected_run(database, pages=20, articles_unchanged=5)
    check_run(database, calm)
    with database.session() as session:
        assert [a["status"] for a in list_alerts(session)] == ["resolved"]


def test_zero_items_alert(database: Database) -> None:
    normal = injected_run(database, pages=2, known=6)  # incremental run: only known links, that is fine
    assert check_run(database, normal) == []
    empty = injected_run(database, pages=2)
    opened = check_run(database, empty)
    with database.session() as session:
        rows = list_alerts(session)
    assert [(a["id"], a["kind"]) for a in rows] == [(opened[0], "zero_items")]
    assert rows[0]["seen"] == f"0 article links on 2 list pages (2 pages fetched) in run {empty}"

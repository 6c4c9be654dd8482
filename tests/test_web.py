"""The dashboard: pages render Chinese, filters and paging work, bad parameters get a 4xx page, never a 500."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.analysis_fixtures import build, build_speeches
from web.app import create_app


@pytest.fixture
def client(db_url: str) -> Iterator[tuple[TestClient, dict[str, int]]]:
    database, ids = build(db_url)
    database.dispose()
    app = create_app(db_url)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client, ids
    app.state.database.dispose()


@pytest.fixture
def speeches_client(db_url: str) -> Iterator[tuple[TestClient, dict[str, int]]]:
    database, ids = build_speeches(db_url)
    database.dispose()
    app = create_app(db_url)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client, ids
    app.state.database.dispose()


def test_search_page_filters_by_speaker_org_kind_and_dedupe(
    speeches_client: tuple[TestClient, dict[str, int]],
) -> None:
    http, ids = speeches_client
    by_speaker = http.get("/search", params={"q": "一网通办", "speaker": "王明"})
    assert '<p id="total">2 篇文章' in by_speaker.text
    assert '<a class="speaker" href="/speakers/%E7%8E%8B%E6%98%8E">王明</a>' in by_speaker.text
    once = http.get("/search", params={"q": "一网通办", "speaker": "王明", "dedupe": "reprints"})
    assert '<p id="total">1 篇文章' in once.text and f'href="/articles/{ids["c"]}"' in once.text
    by_org = http.get("/search", params={"q": "政务", "org": "工信部"})
    assert '<p id="total">2 篇文章' in by_org.text
    assert f'href="/articles/{ids["d"]}"' in by_org.text and 'href="/articles/1"' in by_org.text
    by_kind = http.get("/search", params={"q": "政务", "kind": "press_conference"})
    assert '<p id="total">1 篇文章' in by_kind.text and '<option value="press_conference" selected>' in by_kind.text
    assert http.get("/search", params={"q": "政务", "dedupe": "all"}).status_code == 400


def test_speakers_list_and_one_speaker(speeches_client: tuple[TestClient, dict[str, int]]) -> None:
    http, ids = speeches_client
    listing = http.get("/speakers")
    assert listing.status_code == 200
    for name in ("王明", "赵红", "谢少锋"):
        assert f">{name}</a>" in listing.text
    of_miit = http.get("/speakers", params={"org": "工信部"})
    assert ">赵红</a>" in of_miit.text and ">王明</a>" not in of_miit.text
    once = http.get("/speakers/王明")
    assert "<tr><th>speech_report</th><td>1</td></tr>" in once.text  # c and its reprint g: one speech
    assert '<p id="spoken">讲话 Spoke: 2024-01-14 – 2024-01-14' in once.text
    assert f'<a href="/articles/{ids["g"]}">' not in once.text and "<td>数字政府建设推进会</td><td>2</td>" in once.text
    listed = http.get("/speakers").text  # the list on the same basis: one speech, first and last day spoken
    assert "<td>上海市人民政府</td>\n    <td>1</td><td>2024-01-14</td><td>2024-01-14</td>" in listed
    terms = once.text.split('<table id="terms">', 1)[1].split("</table>", 1)[0]
    assert ">一网通办</a></td><td>1</td>" in terms and "<th>2024</th>" in terms  # the terms he uses, by year
    page = http.get("/speakers/王明", params={"dedupe": "copies"})
    assert page.status_code == 200
    assert '<h1 id="name">王明</h1>' in page.text
    assert "<td>副市长</td><td>上海市人民政府</td><td>2024-01-14</td>" in page.text
    assert "<tr><th>speech_report</th><td>2</td></tr>" in page.text
    assert "<tr><th>2024</th><td>2</td></tr>" in page.text
    assert f'href="/articles/{ids["g"]}"' in page.text and "数字政府建设推进会" in page.text
    assert http.get("/speakers/无此人").status_code == 404


def test_article_page_shows_attribution_and_reprints(speeches_client: tuple[TestClient, dict[str, int]]) -> None:
    http, ids = speeches_client
    page = http.get(f"/articles/{ids['g']}")
    assert page.status_code == 200
    assert '<td id="kind">speech_report</td>' in page.text
    assert '<td id="occasion">数字政府建设推进会</td>' in page.text
    assert '<td id="place">上海</td>' in page.text
    assert '<td id="spoken_on">2024-01-14</td>' in page.text
    assert "上海市人民政府 (上海市政府)" in page.text
    assert "上海市副市长王明在推进会上表示" in page.text
    assert '<tr class="original"><td>原文 original</td><td>人民网</td>' in page.text
    assert '<tr class="reprint"><td>转载 reprint (this)</td><td>新华网</td>' in page.text
    assert '<td class="similarity">1.00</td>' in page.text
    original = http.get(f"/articles/{ids['c']}")
    assert "原文 original (this)" in original.text and f'href="/articles/{ids["g"]}"' in original.text
    alone = http.get(f"/articles/{ids['a']}")
    assert "no other copy known" in alone.text and "no speaker attributed" in alone.text


def test_search_page_highlights_and_filters(client: tuple[TestClient, dict[str, int]]) -> None:
    http, ids = client
    page = http.get("/search", params={"q": "一网通办"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert '<p id="total">3 篇文章' in page.text
    assert "上海推进<mark>一网通办</mark>" in page.text
    assert f'href="/articles/{ids["c"]}"' in page.text
    only_news = http.get("/search", params={"q": "一网通办", "site": "news.cn"})
    assert '<p id="total">1 篇文章' in only_news.text
    dated = http.get("/search", params={"q": "一网通办", "from": "2024-01-01", "to": "2024-12-31"})
    assert '<p id="total">2 篇文章' in dated.text
    # What the form sends when no date is chosen: empty from= and to= mean no bound, not a bad date.
    undated = http.get("/search?q=%E4%B8%80%E7%BD%91%E9%80%9A%E5%8A%9E&site=&from=&to=&speaker=&dedupe=copies")
    assert undated.status_code == 200 and '<p id="total">3 篇文章' in undated.text


def test_search_paging(client: tuple[TestClient, dict[str, int]], monkeypatch: pytest.MonkeyPatch) -> None:
    http, _ = client
    monkeypatch.setattr("web.explore.PAGE_SIZE", 2)
    first = http.get("/search", params={"q": "政务"})
    assert "第 1 / 2 页" in first.text and 'id="next"' in first.text
    second = http.get("/search", params={"q": "政务", "page": 2})
    assert "第 2 / 2 页" in second.text and 'id="next"' not in second.text
    assert second.text.count('class="hit"') == 2


def test_article_page(client: tuple[TestClient, dict[str, int]]) -> None:
    http, ids = client
    page = http.get(f"/articles/{ids['d']}")
    assert page.status_code == 200
    assert '<h1 id="title">推进互联网+政务服务</h1>' in page.text
    assert "新华社" in page.text and "全面推进互联网+政务服务" in page.text
    assert http.get("/articles/999999").status_code == 404


def test_trend_page_and_csv(client: tuple[TestClient, dict[str, int]]) -> None:
    http, _ = client
    page = http.get("/trends", params={"q": ["一网通办", "数字政府"], "by": "year"})
    assert page.status_code == 200
    assert '<script src="/static/chart.umd.min.js"></script>' in page.text
    assert '"periods": ["2018", "2019", "2020", "2021", "2022", "2023", "2024"]' in page.text
    assert http.get("/static/chart.umd.min.js").status_code == 200
    download = http.get("/trends.csv", params={"q": "一网通办", "by": "year"})
    assert download.headers["content-type"].startswith("text/csv")
    assert "2023,一网通办,1,2,3,333.333,True,False,2023-01-01,2023-12-31" in download.text.splitlines()


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=%22%E6%95%B0%E5%AD%97",  # unbalanced quote
        "/search?q=NOT%20x",
        "/search?q=" + "政" * 201,
        "/search?q=a&page=abc",
        "/search?q=a&page=0",
        "/search?q=a&from=2024-13-40",
        "/articles/abc",
        "/articles/99999999999999999999",
        "/trends?q=a&q=b&q=c&q=d&q=e&q=f&q=g",
        "/trends?q=a&by=week",
        "/trends?q=%E3%80%82",  # 。 alone: nothing to count
        "/nowhere",
    ],
)
def test_bad_parameters_get_a_4xx_page(client: tuple[TestClient, dict[str, int]], path: str) -> None:
    http, _ = client
    response = http.get(path)
    assert 400 <= response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert 'id="error-message"' in response.text


def test_other_pages(client: tuple[TestClient, dict[str, int]]) -> None:
    http, _ = client
    ops = http.get("/ops")
    assert ops.status_code == 200 and "people.com.cn" in ops.text and "中国电子政务网" in ops.text
    assert http.get("/speakers").status_code == 200
    assert http.get("/", follow_redirects=False).headers["location"] == "/search"


def test_database_is_opened_read_only(client: tuple[TestClient, dict[str, int]]) -> None:
    http, _ = client
    database = http.app.state.database  # type: ignore[attr-defined]
    with pytest.raises(Exception, match=r"(?i)read.only|readonly|query_only"), database.session() as session:
        session.execute(text("UPDATE articles SET title = 'x'"))


def test_real_server_on_loopback(sqlite_url: str) -> None:
    build(sqlite_url)[0].dispose()
    app = create_app(sqlite_url)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not (server.started and server.servers):
            assert time.monotonic() < deadline, "server did not start"
            thread.join(0.05)
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        assert host == "127.0.0.1"
        response = httpx.get(f"http://127.0.0.1:{port}/search", params={"q": "数字政府"}, timeout=10)
        assert response.status_code == 200
        assert '<p id="total">2 篇文章' in response.text
        assert response.headers["content-type"] == "text/html; charset=utf-8"
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.database.dispose()


def test_web_command_serves_on_loopback_from_a_frozen_heap(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`newsmon web` binds 127.0.0.1 by default and freezes its start-up objects before serving (a full garbage
    collection then walks only what requests create: it took 35–68 ms per collection mid-request before)."""
    from typer.testing import CliRunner

    from cli.app import app as cli

    build(sqlite_url)[0].dispose()
    served: dict[str, object] = {}

    def run(app: object, *, host: str, port: int, log_level: str) -> None:
        served.update(host=host, port=port, frozen=gc.get_freeze_count())
        app.state.database.dispose()  # type: ignore[attr-defined]

    monkeypatch.setattr(uvicorn, "run", run)
    gc.unfreeze()
    try:
        result = CliRunner().invoke(cli, ["web", "--db", sqlite_url, "--port", "8123"])
    finally:
        gc.unfreeze()
    assert result.exit_code == 0, result.output
    assert served["host"] == "127.0.0.1" and served["port"] == 8123
    assert isinstance(served["frozen"], int) and served["frozen"] > 10_000  # the modules' objects, at least


def test_newsmon_web_serves_from_several_worker_processes(default_db_url: str) -> None:
    """`newsmon web --workers 2`: a real server whose worker processes each open the database and answer."""
    import socket
    import subprocess
    import sys

    from tests.conftest import ROOT

    build_speeches(default_db_url)[0].dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "cli", "web", "--db", default_db_url, "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/search", params={"q": "一网通办"}, timeout=10)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the dashboard did not start"
                time.sleep(0.2)
        assert answered.status_code == 200 and "篇文章" in answered.text
        pages = [httpx.get(f"http://127.0.0.1:{port}/search", params={"q": "数字政府"}, timeout=10) for _ in range(6)]
        assert {page.status_code for page in pages} == {200}
        workers = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(workers) >= 2  # the worker processes (and uvicorn's resource tracker, if any)
    finally:
        server.terminate()
        server.wait(30)

"""The dashboard in a real headless browser: Debian's chromium driven by Playwright, against the real server.

One uvicorn server on 127.0.0.1 and one chromium per module, over the known database of analysis_fixtures. The
trend chart is checked on a screenshot of its canvas (with a control where the chart library is blocked, so the
check can fail). Chromium and a Chinese font come from Debian (`make browser` installs them when run as root);
without them these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import numpy as np
import pytest
import uvicorn
from PIL import Image

from tests.analysis_fixtures import ARTICLES, build_speeches
from web.app import create_app

CHROMIUM = Path(os.environ.get("NEWSMON_CHROMIUM", "/usr/bin/chromium"))
INSTALL_HINT = (
    "`make browser` as root, or `sudo apt-get install -y --no-install-recommends chromium fonts-wqy-microhei`"
)
# The flags that work on this kind of machine (root, no network); Playwright adds a fresh user-data dir.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# trends.html draws series i in colours[i]: the chart of two terms must show the first two.
SERIES_COLOURS = [(0xC0, 0x39, 0x2B), (0x24, 0x71, 0xA3)]
LOOPBACK = "127.0.0.1"


def _unavailable(reason: str) -> NoReturn:
    """Skip on a developer's machine; under CI=true the browser tests must run, so fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}: .ci/run installs it through `make browser`")
    pytest.skip(f"{reason}: install it with {INSTALL_HINT}")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    """The `newsmon web` app served by uvicorn on 127.0.0.1 (a free port) over build_speeches(); base URL, ids."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'newsmon.db'}"
    database, ids = build_speeches(url)
    database.dispose()
    app = create_app(url)
    server = uvicorn.Server(uvicorn.Config(app, host=LOOPBACK, port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not (server.started and server.servers):
            assert thread.is_alive() and time.monotonic() < deadline, "the dashboard server did not start"
            thread.join(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://{LOOPBACK}:{port}", ids
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (`make install` installs the dev extra)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Tab:
    """A page in a fresh browser context, with what it logged and every request it made."""

    page: Any
    base: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).inner_text())

    def off_loopback(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).scheme not in ("data", "blob") and not _loopback(u)]

    def assert_clean(self) -> None:
        assert self.requests, "no request was recorded"
        assert self.off_loopback() == []
        assert self.console_errors == []
        assert self.page.evaluate("document.characterSet") == "UTF-8"


def _loopback(url: str) -> bool:
    return urlsplit(url).hostname == LOOPBACK


@contextmanager
def _open_tab(browser: Any, base: str, **context_options: Any) -> Iterator[Tab]:
    context = browser.new_context(locale="zh-CN", **context_options)
    context.set_default_timeout(15_000)
    # Nothing may leave 127.0.0.1: such a request is recorded (below) and aborted here.
    context.route(lambda url: not _loopback(url), lambda route: route.abort())
    page = context.new_page()
    tab = Tab(page, base)
    page.on("request", lambda request: tab.requests.append(request.url))
    page.on("console", lambda message: tab.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: tab.console_errors.append(f"uncaught: {error}"))
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def tab(browser: Any, dashboard: tuple[str, dict[str, int]]) -> Iterator[Tab]:
    with _open_tab(browser, dashboard[0]) as opened:
        yield opened


@pytest.fixture
def ids(dashboard: tuple[str, dict[str, int]]) -> dict[str, int]:
    return dashboard[1]


def _containing(term: str) -> set[str]:
    """Fixture articles whose title or body has term (g, the reprint of c, copies c's text)."""
    keys = {key for key, _site, _when, _source, title, body in ARTICLES if term in title + body}
    return keys | ({"g"} if "c" in keys else set())


def _hit_ids(tab: Tab) -> list[int]:
    hrefs = tab.page.locator(".hit a.title").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [int(h.rsplit("/", 1)[1]) for h in hrefs]


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _coloured_pixels(png: bytes, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    """How many pixels of the screenshot are close to colour (antialiasing blends line edges)."""
    return int((np.abs(_pixels(png) - np.array(colour)) <= tolerance).all(axis=-1).sum())


def _distinct_colours(png: bytes) -> int:
    return len(np.unique(_pixels(png).reshape(-1, 3), axis=0))


def test_search_form_highlights_filters_and_pages(
    tab: Tab, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    tab.goto("/")
    assert tab.page.url == tab.base + "/search"
    tab.page.fill("input[name=q]", "一网通办")
    tab.page.click("button[type=submit]")
    tab.page.wait_for_url("**/search?q=*")
    expected = {ids[k] for k in _containing("一网通办")}
    assert tab.text("#total").startswith(f"{len(expected)} 篇文章")
    assert set(_hit_ids(tab)) == expected
    marks = tab.page.locator(".hit .snippet mark").all_inner_texts()
    assert marks and set(marks) == {"一网通办"}
    snippets = tab.page.locator(".hit .snippet").all_inner_texts()
    assert any("一网通办让企业和群众少跑腿" in s for s in snippets), snippets
    # Highlighting is drawn: a <mark> gets the stylesheet's yellow, not plain text.
    background = tab.page.locator(".hit .snippet mark").first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background == "rgb(255, 226, 122)"
    assert tab.page.title() == "搜索 一网通办 · newsmon"

    # The site filter, chosen in the form: only news.cn's copies.
    tab.page.select_option("select[name=site]", "news.cn")
    tab.page.click("button[type=submit]")
    tab.page.wait_for_url("**site=news.cn*")
    on_news = {ids[k] for k in _containing("一网通办") if k in ("d", "g")}
    assert tab.text("#total").startswith(f"{len(on_news)} 篇文章")
    assert set(_hit_ids(tab)) == on_news
    assert tab.page.locator("input[name=q]").input_value() == "一网通办"

    # Paging: with two hits a page, following 下一页 visits every hit of 政务 exactly once.
    monkeypatch.setattr("web.explore.PAGE_SIZE", 2)
    tab.goto("/search?q=政务")
    total = int(tab.text("#total").split(" ", 1)[0])
    assert total > 2
    seen = _hit_ids(tab)
    pages = 1
    while tab.page.locator("#next").count():
        tab.page.click("#next")
        pages += 1
        assert f"第 {pages} / " in tab.text(".pager")
        seen += _hit_ids(tab)
    assert pages == (total + 1) // 2
    assert len(seen) == len(set(seen)) == total
    tab.assert_clean()


def test_article_page_from_a_result_link(tab: Tab, ids: dict[str, int]) -> None:
    tab.goto("/search?q=一网通办&speaker=王明&dedupe=reprints")
    tab.page.click(f'.hit a.title[href="/articles/{ids["c"]}"]')
    tab.page.wait_for_url(f"**/articles/{ids['c']}")
    assert tab.text("#title") == "上海推进一网通办"
    assert tab.text("#kind") == "speech_report"
    assert tab.text("#occasion") == "数字政府建设推进会"
    assert tab.text("#place") == "上海"
    assert tab.text("#spoken_on") == "2024-01-14"
    speaker_row = tab.page.locator("#speakers tr", has_text="王明").inner_text()
    assert "副市长" in speaker_row and "上海市人民政府 (上海市政府)" in speaker_row
    assert "上海市副市长王明在推进会上表示" in speaker_row
    assert "人民网-人民日报" in tab.page.locator("main").inner_text()
    assert "原文 original (this)" in tab.text("#reprints") and "新华网" in tab.text("#reprints")
    # And on to the speaker, by the link in the table.
    tab.page.locator("#speakers a", has_text="王明").click()
    tab.page.wait_for_url("**/speakers/*")
    assert tab.text("#name") == "王明"
    assert "数字政府建设推进会" in tab.text("#articles")
    tab.assert_clean()


def test_trend_chart_draws(tab: Tab, browser: Any, dashboard: tuple[str, dict[str, int]]) -> None:
    tab.goto("/trends")
    tab.page.locator("input[name=q]").nth(0).fill("一网通办")
    tab.page.locator("input[name=q]").nth(1).fill("数字政府")
    tab.page.select_option("select[name=by]", "year")
    tab.page.click("button[type=submit]")
    tab.page.wait_for_url("**/trends?q=*")
    canvas = tab.page.locator("canvas#trend-chart")
    canvas.wait_for(state="visible")
    tab.page.wait_for_function("window.trendChart && window.trendChart.chartArea")
    labels = tab.page.evaluate("window.trendChart.data.datasets.map(d => d.label)")
    assert labels == ["一网通办", "数字政府", "all articles"]
    drawn = canvas.screenshot()
    for colour in SERIES_COLOURS:
        assert _coloured_pixels(drawn, colour) > 150, f"no line in {colour} on the chart"
    assert _distinct_colours(drawn) > 20  # lines, points, axes, grid, antialiased text

    # The control: the same page without its chart library leaves the canvas empty, and the same check says so.
    with _open_tab(browser, dashboard[0]) as control:
        control.page.route("**/static/chart.umd.min.js", lambda route: route.abort())
        control.goto("/trends?q=一网通办&q=数字政府&by=year")
        blank = control.page.locator("canvas#trend-chart").screenshot()
        assert any("Chart is not defined" in e for e in control.console_errors), control.console_errors
    assert Image.open(io.BytesIO(blank)).size == Image.open(io.BytesIO(drawn)).size
    assert all(_coloured_pixels(blank, colour) == 0 for colour in SERIES_COLOURS)
    assert _distinct_colours(blank) <= 2

    # The CSV link downloads the rows the table shows.
    with tab.page.expect_download() as download_info:
        tab.page.click("#csv")
    download = download_info.value
    assert download.suggested_filename == "newsmon-trend.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == [
        "period",
        "term",
        "articles",
        "occurrences",
        "total_articles",
        "rate",
        "uncertain",
        "estimated",
        "date_from",
        "date_to",
    ]
    table = [r.split("\t")[:5] for r in tab.page.locator("#trend-table tr").all_inner_texts()[1:]]
    assert [[p, t, a, n, rate or "—"] for p, t, a, _, n, rate, *_ in rows[1:]] == table
    assert {r[1] for r in rows[1:]} == {"一网通办", "数字政府"}
    assert tab.base + "/static/chart.umd.min.js" in tab.requests
    tab.assert_clean()


def _cjk_font_missing() -> str | None:
    fc_list = shutil.which("fc-list")
    found = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout if fc_list else ""
    return None if found.strip() else "no Chinese font for chromium (fc-list :lang=zh finds none)"


def test_chinese_is_drawn_with_real_glyphs(tab: Tab) -> None:
    """Two different names must look different on screen: without a Chinese font both are the same empty boxes."""
    missing = _cjk_font_missing()
    if missing:
        _unavailable(missing)
    tab.goto("/speakers")
    shots = [tab.page.locator("#speakers a", has_text=name).screenshot() for name in ("王明", "赵红")]
    first, second = (_pixels(shot) for shot in shots)
    assert first.shape == second.shape  # full-width glyphs: two characters, the same box
    assert (first.sum(axis=-1) < 300).sum() > 20 and (second.sum(axis=-1) < 300).sum() > 20  # ink, not blank
    assert not np.array_equal(first, second)


def test_ops_and_speakers_pages_render_chinese(tab: Tab) -> None:
    tab.goto("/ops")
    assert tab.page.locator("h1").inner_text() == "运行 Ops"
    sites = tab.text("#sites")
    assert "people.com.cn" in sites and "中国电子政务网" in sites
    tab.page.locator("header a", has_text="讲话人").click()
    tab.page.wait_for_url("**/speakers")
    listing = tab.text("#speakers")
    for name in ("王明", "赵红", "谢少锋"):
        assert name in listing
    tab.page.fill("input[name=org]", "工信部")
    tab.page.click("button[type=submit]")
    tab.page.wait_for_url("**/speakers?org=*")
    filtered = tab.text("#speakers")
    assert "赵红" in filtered and "王明" not in filtered
    tab.assert_clean()


def test_a_request_off_loopback_is_seen_and_blocked(browser: Any, dashboard: tuple[str, dict[str, int]]) -> None:
    """The control for assert_clean: a page that reaches out is caught, and the request goes nowhere. The
    dashboard's Content-Security-Policy already stops such a request in the page; with the policy bypassed the
    request is made, recorded and aborted."""
    with _open_tab(browser, dashboard[0]) as tab:
        tab.goto("/ops")
        outcome = tab.page.evaluate("fetch('http://192.0.2.1/beacon').then(() => 'reached', e => 'blocked')")
        assert outcome == "blocked" and tab.off_loopback() == []
        assert any("Content Security Policy" in e for e in tab.console_errors), tab.console_errors
    with _open_tab(browser, dashboard[0], bypass_csp=True) as tab:
        tab.goto("/ops")
        assert tab.off_loopback() == []
        outcome = tab.page.evaluate("fetch('http://192.0.2.1/beacon').then(() => 'reached', e => 'blocked')")
        assert outcome == "blocked"
        assert tab.off_loopback() == ["http://192.0.2.1/beacon"]
        with pytest.raises(AssertionError):
            tab.assert_clean()


@pytest.mark.parametrize("path", ["/articles/abc", "/articles/99999", "/nowhere"])
def test_bad_parameter_shows_a_4xx_page(tab: Tab, path: str) -> None:
    response = tab.goto(path)
    assert 400 <= response.status < 500
    assert tab.page.locator("#error-message").is_visible()
    assert tab.text("h1") == str(response.status)
    body = tab.page.locator("body").inner_text()
    assert "Traceback" not in body and "返回搜索" in body
    # Chromium logs the 4xx of the document itself; anything else would be a fault of the page.
    assert all("status of 4" in e for e in tab.console_errors), tab.console_errors
    assert tab.off_loopback() == []


def test_bad_query_typed_into_the_form(tab: Tab) -> None:
    tab.goto("/search")
    tab.page.fill("input[name=q]", '"数字')
    with tab.page.expect_navigation() as navigation:
        tab.page.click("button[type=submit]")
    assert navigation.value.status == 400
    message = tab.text("#error-message")
    assert message and "Traceback" not in tab.page.content()


SCREENSHOTS = Path(os.environ.get("NEWSMON_SCREENSHOTS", "build/screenshots"))


def _download(tab: Tab, selector: str) -> list[dict[str, str]]:
    with tab.page.expect_download() as download_info:
        tab.page.click(selector)
    body = Path(download_info.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf"), f"{selector}: no UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_an_analyst_explores_a_formulation(browser: Any, dashboard: tuple[str, dict[str, int]]) -> None:
    """Two queries on one chart with their gaps, a point's articles, the facets, a term in context, every CSV
    read back, a speaker; a screenshot of each page at 1400 px wide goes to build/screenshots (NEWSMON_SCREENSHOTS)."""
    base, ids = dashboard
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with _open_tab(browser, base, viewport={"width": 1400, "height": 900}, accept_downloads=True) as tab:
        tab.goto("/trends?q=一网通办 OR 数字政府&q=政务公开&by=year&floor=2")
        tab.page.wait_for_function("window.trendChart && window.trendChart.chartArea")
        chart = tab.page.evaluate(
            """() => { const c = window.trendChart; return {
                labels: c.data.datasets.map(d => d.label),
                values: c.data.datasets.slice(0, 2).map(d => d.data),
                xs: c.getDatasetMeta(0).data.map(p => p.x),
                points: c.getDatasetMeta(0).data.map(p => [p.x, p.y]),
                area: c.chartArea, top: c.scales.y.max }; }"""
        )
        assert chart["labels"] == ["一网通办 OR 数字政府", "政务公开", "all articles"]
        assert chart["values"][0][1:5] == [None] * 4  # 2019–2022: no articles, gaps
        assert chart["top"] < 1000  # 政务公开's 1000 per 1000 of 2018 (one article) does not set the scale
        drawn = _pixels(tab.page.locator("canvas#trend-chart").screenshot())
        # Inside the gap (between the 2019 and 2022 ticks) no series line is drawn across the plot.
        left, right = int(chart["xs"][1]) + 3, int(chart["xs"][4]) - 3
        top, bottom = int(chart["area"]["top"]), int(chart["area"]["bottom"]) - 2
        gap = drawn[top:bottom, left:right]
        for colour in SERIES_COLOURS:
            assert int((np.abs(gap - np.array(colour)) <= 40).all(axis=-1).sum()) == 0, f"{colour} across a gap"
        assert _coloured_pixels(tab.page.locator("canvas#trend-chart").screenshot(), SERIES_COLOURS[0]) > 100
        tab.page.screenshot(path=str(SCREENSHOTS / "trends.png"), full_page=True)
        trend_rows = _download(tab, "#csv")
        assert {r["term"] for r in trend_rows} == {"一网通办 OR 数字政府", "政务公开"}

        # A point opens its articles: 2024 of the first query.
        x, y = chart["points"][-1]
        box = tab.page.locator("canvas#trend-chart").bounding_box()
        with tab.page.expect_navigation():
            tab.page.mouse.click(box["x"] + x, box["y"] + y)
        assert "/search?" in tab.page.url and "from=2024-01-01" in tab.page.url
        assert set(_hit_ids(tab)) == {ids["c"], ids["d"]}  # each speech once: g folded under c
        assert "2 份 copies" in tab.text(f".hit:has(a[href='/articles/{ids['c']}']) .meta")
        assert "王明" in tab.text("#facet-speaker") and "赵红" in tab.text("#facet-speaker")
        tab.page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)
        hits = _download(tab, "#search-csv")
        assert sorted(int(r["id"]) for r in hits) == sorted([ids["c"], ids["d"]])
        facets = _download(tab, "#facets-csv")
        site = {"facet": "site", "value": "news.cn", "label": "新华网", "articles": "1", "estimated": "False"}
        assert site in facets  # a handful of matches: counted, not estimated

        # The same query's sentences, oldest first.
        tab.page.click("#to-context")
        tab.page.wait_for_url("**/context?*")
        tab.page.select_option("select[name=order]", "oldest")
        tab.page.click("button[type=submit]")
        tab.page.wait_for_url("**order=oldest*")
        sentences = tab.page.locator(".sentence .text").all_inner_texts()
        assert sentences[0] == "一网通办让企业和群众少跑腿。"
        tab.page.screenshot(path=str(SCREENSHOTS / "context.png"), full_page=True)
        read = _download(tab, "#context-csv")
        assert [r["sentence"] for r in read] == sentences

        # Browse by the filters alone, and on to a speaker.
        tab.goto("/search?site=news.cn&sort=date")
        assert tab.text("#total").startswith("3 篇文章")
        tab.page.screenshot(path=str(SCREENSHOTS / "browse.png"), full_page=True)
        tab.page.locator("a.speaker", has_text="王明").first.click()
        tab.page.wait_for_url("**/speakers/*")
        assert tab.text("#name") == "王明"
        tab.page.screenshot(path=str(SCREENSHOTS / "speaker.png"), full_page=True)
        for name, path in [("speakers", "/speakers"), ("ops", "/ops"), ("article", f"/articles/{ids['c']}")]:
            tab.goto(path)
            tab.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        tab.assert_clean()
    assert {p.name for p in SCREENSHOTS.glob("*.png")} >= {"trends.png", "search.png", "context.png", "speaker.png"}

"""No article silently lost, end to end: real `newsmon crawl` processes against pages served on 127.0.0.1. A page
with no body, a body shorter than its own lead, or an impossible date is a failed page with its reason and raw
bytes, counts in the run's coverage, and the layout alert rises when such failures repeat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Alert, CrawlRun, FailedPage
from mirror.faults import FaultyMirror
from mirror.scaled import ScaledMirror, build_scaled
from pipelines.seed import open_database
from tests.test_faults import crawl, stored

ARTICLES = 20
# The mirror's people.com.cn pages: GB2312, the time in the info line and in the publishdate meta.
ENCODING = "gb18030"
_BODY_PARAGRAPH = re.compile(r"<p>(?:<strong>)?\u3000\u3000.*?</p>\n?")
_INFO_TIME = re.compile(r"20[0-9]{2}年[0-9]{2}月[0-9]{2}日[0-9]{2}:[0-9]{2}")
_META_DAY = re.compile(r'(<meta name="publishdate" content=")[0-9-]+(")')


@pytest.fixture
def small(tmp_path: Path) -> ScaledMirror:
    return build_scaled(tmp_path / "mirror", ARTICLES, per_list_page=ARTICLES)


@pytest.fixture
def server(small: ScaledMirror) -> Iterator[FaultyMirror]:
    with FaultyMirror(small.root) as running:
        assert isinstance(running, FaultyMirror)
        yield running


def rewrite(mirror: ScaledMirror, url: str, change: object) -> bytes:
    path = mirror.root / url.removeprefix("http://")
    html = path.read_bytes().decode(ENCODING)
    assert callable(change)
    changed = change(html)
    assert changed != html, f"the change did not apply to {url}"
    path.write_bytes(changed.encode(ENCODING))
    return path.read_bytes()


def without_body(html: str) -> str:
    return _BODY_PARAGRAPH.sub("", html)


def cut_to_a_line(html: str) -> str:
    """Only the opening words of the first paragraph are left: less than the description says the article has."""
    first = _BODY_PARAGRAPH.search(html)
    assert first is not None
    opening = re.sub(r"<[^>]+>", "", first.group()).strip()[:24]
    return _BODY_PARAGRAPH.sub("", html, count=0).replace(
        '<div class="rm_txt_con cf">', f'<div class="rm_txt_con cf">\n<p>\u3000\u3000{opening}</p>', 1
    )


def dated(year: int) -> object:
    def change(html: str) -> str:
        html = _INFO_TIME.sub(f"{year}年12月31日17:00", html)
        return _META_DAY.sub(rf"\g<1>{year}-12-31\g<2>", html)

    return change


def failed_rows(db_url: str, run_id: int) -> dict[str, tuple[str, bytes | None]]:
    database = open_database(db_url)
    try:
        with database.session() as session:
            rows = session.execute(
                select(FailedPage.url, FailedPage.reason, FailedPage.body).where(FailedPage.run_id == run_id)
            )
            return {url: (reason, body) for url, reason, body in rows.tuples()}
    finally:
        database.dispose()


def coverage_and_alerts(db_url: str, run_id: int) -> tuple[dict[str, float], list[tuple[str, str]]]:
    database = open_database(db_url)
    try:
        with database.session() as session:
            run = session.get(CrawlRun, run_id)
            assert run is not None
            alerts = session.execute(select(Alert.kind, Alert.seen).where(Alert.run_id == run_id)).tuples()
            return dict(run.field_coverage or {}), [(kind, seen) for kind, seen in alerts]
    finally:
        database.dispose()


def test_unstorable_pages_are_failed_with_reason_and_bytes_counted_and_alerted_when_repeated(
    server: FaultyMirror, small: ScaledMirror, default_db_url: str
) -> None:
    empty, short, future, early = (small.article_urls[i] for i in (2, 5, 8, 11))
    sent = {
        empty: rewrite(small, empty, without_body),
        short: rewrite(small, short, cut_to_a_line),
        future: rewrite(small, future, dated(2031)),
        # The parser refuses the year; without the page's own statement of it, a link's date would stand in.
        early: rewrite(small, early, dated(1985)),
    }
    code, run, err = crawl(server, default_db_url)
    assert code == 0, err
    failed = failed_rows(default_db_url, run["id"])
    assert set(failed) == set(sent)
    reason, body = failed[empty]
    assert reason.startswith("extraction failed: missing body") and "tried" in reason and body == sent[empty]
    reason, body = failed[short]
    assert "body shorter than the page's own lead" in reason and body == sent[short]
    reason, body = failed[future]
    assert "published_at 2031-12-31T17:00:00+08:00 is in the future" in reason and body == sent[future]
    reason, body = failed[early]
    assert "published_at 1985-12-31T00:00:00+08:00 is before 1990" in reason and body == sent[early]
    assert stored(default_db_url, small.article_urls) == (ARTICLES - 4, ARTICLES - 4)
    coverage, alerts = coverage_and_alerts(default_db_url, run["id"])
    assert (coverage["pages"], coverage["extraction_failed"]) == (ARTICLES, 4)
    # Four pages of twenty: not a layout change (the mirror's old dates may make the site read as quiet).
    assert [kind for kind, _ in alerts if kind == "layout"] == []

    # The same pages fail again on the next run: every article page it reads fails, and ops hear of it.
    code, run, err = crawl(server, default_db_url)
    assert code == 0, err
    assert set(failed_rows(default_db_url, run["id"])) == set(sent)
    coverage, alerts = coverage_and_alerts(default_db_url, run["id"])
    assert (coverage["pages"], coverage["extraction_failed"]) == (4, 4)
    (layout,) = [seen for kind, seen in alerts if kind == "layout"]
    assert "pages extracted 0%" in layout

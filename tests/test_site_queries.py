"""The reads behind `newsmon sites list` and the gone-URL skip, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from db.articles import record_failed_page, store_article
from db.queries import gone_urls, site_activity
from db.runs import finish_run, start_run
from db.types import SHANGHAI
from ground.article import Extracted
from pipelines.seed import open_database


def _article(url: str, site: str) -> Extracted:
    return Extracted(
        url=url,
        site=site,
        charset="utf-8",
        title="标题",
        published_at=datetime(2025, 6, 1, 9, 0, tzinfo=SHANGHAI),
        body=f"正文 {url}",
    )


def test_site_activity_and_gone_urls(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.session() as session:
            first = start_run(session, "cac.gov.cn", "cac")
            finish_run(session, first, status="failed", counts={}, message="site unreachable")
            second = start_run(session, "cac.gov.cn", "cac")
            store_article(session, _article("https://www.cac.gov.cn/2025-06/01/c_1.htm", "cac.gov.cn"), run_id=second)
            record_failed_page(
                session, "https://www.cac.gov.cn/2019-01/01/c_9.htm", "HTTP 410", http_status=410, run_id=second
            )
            record_failed_page(
                session,
                "https://www.cac.gov.cn/2025-06/02/c_2.htm",
                "extraction failed: missing body",
                http_status=200,
                run_id=second,
            )
            for _ in range(2):  # a 404/410 is believed once seen in two runs
                record_failed_page(
                    session,
                    "https://www.gov.cn/yaowen/liebiao/202501/content_1.htm",
                    "HTTP 404",
                    http_status=404,
                    run_id=start_run(session, "gov.cn", "govcn"),
                )
            record_failed_page(
                session, "https://www.cac.gov.cn/2019-01/01/c_9.htm", "HTTP 410", http_status=410, run_id=first
            )
            record_failed_page(
                session, "https://www.cac.gov.cn/2025-06/03/c_3.htm", "HTTP 404", http_status=404, run_id=second
            )
            finish_run(session, second, status="finished", counts={"articles_new": 1, "pages_failed": 2})
        with database.session() as session:
            activity = site_activity(session)
            assert activity["cac.gov.cn"]["articles"] == 1
            assert activity["cac.gov.cn"]["last_run"]["id"] == second  # the newest run, not the failed one
            assert activity["cac.gov.cn"]["last_run"]["status"] == "finished"
            assert activity["gov.cn"]["articles"] == 0
            # Only 404/410 answers seen in two runs count as gone (c_3 once: maybe a glitch), and only the
            # asked sites' pages.
            assert gone_urls(session, ("cac.gov.cn",)) == {"https://www.cac.gov.cn/2019-01/01/c_9.htm"}
            assert gone_urls(session, ("cac.gov.cn", "gov.cn")) == {
                "https://www.cac.gov.cn/2019-01/01/c_9.htm",
                "https://www.gov.cn/yaowen/liebiao/202501/content_1.htm",
            }
    finally:
        database.dispose()

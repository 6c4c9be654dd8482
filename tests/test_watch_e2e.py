"""Watches end to end: a crawl of the mirror matched at ingest, digests received by a real webhook server and a
real SMTP server on 127.0.0.1, a channel down during one run and its matches sent by the next, the Atom feed read
by feedparser, the dashboard's watch pages."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from analysis.watch_match import create_watch
from db.models import Article
from db.watch_models import WatchDigest, WatchMatch
from pipelines.seed import open_database
from tests.conftest import MIRROR_SITE
from tests.test_alert_channels import Hook, Inbox


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(MIRROR_SITE, copy)
    return copy


@pytest.fixture
def webhook() -> Iterator[Hook]:
    server = Hook(200)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def crawl(mirror: Path, db_url: str, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "cli", "crawl", "people", "--mirror-dir", str(mirror), "--db", db_url, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_a_crawl_is_matched_sent_by_webhook_and_email_and_served_as_a_feed(
    mirror: Path, db_url: str, webhook: Hook, tmp_path: Path
) -> None:
    database = open_database(db_url)
    with database.session() as session:
        create_watch(session, "shuzi", "数字政府")
        create_watch(session, "zhou", "", speaker="周海清")
    smtp_port = free_port()  # nothing listens here during the first run: email is down
    (tmp_path / "none.toml").write_text("", encoding="utf-8")  # no settings file but the environment's
    env = {
        "NEWSMON_CONFIG": str(tmp_path / "none.toml"),
        "NEWSMON_ALERT_WEBHOOK": webhook.url,
        "NEWSMON_ALERT_SMTP_HOST": "127.0.0.1",
        "NEWSMON_ALERT_SMTP_PORT": str(smtp_port),
        "NEWSMON_ALERT_EMAIL_TO": "analyst@example.org",
        "NEWSMON_WATCH_RETRY_DELAY": "0",
    }
    first = crawl(mirror, db_url, env)
    assert first["articles_new"] >= 8
    try:
        with database.session() as session:
            articles = {a.id: a for a in session.scalars(select(Article))}
            matched = {
                (m.watch_id, m.article_id): m for m in session.scalars(select(WatchMatch).order_by(WatchMatch.id))
            }
            shuzi = {a for (w, a) in matched if w == 1}
            # Every stored article that uses the term matched, and only those (the seed was there before the watch).
            uses = {i for i, a in articles.items() if i != 1 and ("数字政府" in a.title or "数字政府" in a.body)}
            assert shuzi == uses and 2 <= len(shuzi) < len(articles) - 1
            zhou = {a for (w, a) in matched if w == 2}
            assert zhou and all("周海清" in articles[a].body or "周海清" in articles[a].title for a in zhou)
            digests = session.scalars(select(WatchDigest).order_by(WatchDigest.id)).all()
        # The webhook got one digest per watch; email was down: tried three times, recorded, nothing marked sent.
        assert sorted(body["watch"]["name"] for body in webhook.bodies) == ["shuzi", "zhou"]
        sent = next(body for body in webhook.bodies if body["watch"]["name"] == "shuzi")
        assert {m["article_id"] for m in sent["matches"]} == shuzi
        assert all("数字政府" in m["sentence"] for m in sent["matches"])
        assert sent["run_id"] == first["id"]
        # Email is tried three times for the first watch, then not again in this round: the second watch's wait.
        tried = sorted((d.channel, d.status, d.attempts) for d in digests)
        assert tried == [("email", "failed", 0), ("email", "failed", 3), ("webhook", "sent", 1), ("webhook", "sent", 1)]

        # The second run finds nothing new; email is back up and gets what it missed; the webhook gets nothing again.
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        try:
            again = crawl(mirror, db_url, env)
        finally:
            controller.stop()
        assert again["articles_new"] == 0
        assert len(webhook.bodies) == 2
        with database.session() as session:
            assert len(session.scalars(select(WatchMatch.id)).all()) == len(matched)  # re-crawling changes nothing
            assert not session.scalars(select(WatchMatch.id).where(WatchMatch.pending.is_(True))).all()
        messages = {m["Subject"]: m for _, m in inbox.messages}
        assert set(messages) == {
            f"[newsmon] watch shuzi: {len(shuzi)} new matches",
            f"[newsmon] watch zhou: {len(zhou)} new {'match' if len(zhou) == 1 else 'matches'}",
        }
        text = messages[f"[newsmon] watch shuzi: {len(shuzi)} new matches"].get_content()
        for article_id in shuzi:
            article = articles[article_id]
            assert article.title in text and article.url in text
        assert "site:     人民网 (people.com.cn)" in text and "sentence: " in text and "speakers: " in text

        # The feed: valid Atom, one entry per match, stable ids, newest first.
        from web.app import create_app

        client = TestClient(create_app(db_url), base_url="http://127.0.0.1")
        response = client.get("/watch/shuzi.atom")
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == "atom10"
        assert feed.feed.title == "newsmon · shuzi"
        assert {e.link for e in feed.entries} == {articles[i].url for i in shuzi}
        published = [e.published_parsed for e in feed.entries]
        assert published == sorted(published, reverse=True)
        again_feed = feedparser.parse(client.get("/watch/shuzi.atom").content)
        assert [e.id for e in feed.entries] == [e.id for e in again_feed.entries]
        assert len({e.id for e in feed.entries}) == len(feed.entries)
        assert all("数字政府" in e.summary for e in feed.entries)
        assert client.get("/watch/nope.atom").status_code == 404

        listing = client.get("/watches")
        assert listing.status_code == 200 and "shuzi" in listing.text and "/watch/shuzi.atom" in listing.text
        page = client.get("/watch/shuzi")
        assert page.status_code == 200
        assert 'href="/watch/shuzi.atom"' in page.text and "per-month" in page.text
        newest = max(shuzi, key=lambda i: matched[(1, i)].id)
        assert matched[(1, newest)].sentence in page.text
        client.app.state.database.dispose()  # type: ignore[attr-defined]
    finally:
        database.dispose()

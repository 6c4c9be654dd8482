"""Watch digests: retried on failure and recorded, sent once per channel, at most one per interval."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from analysis.watch_match import create_watch
from crawler.alerts.config import AlertConfig
from crawler.alerts.digest import WatchConfig, deliver_digests, load_watch_config
from db.engine import Database
from db.types import now_shanghai
from db.watches import get_watch
from pipelines.ingest import prepare, write
from pipelines.seed import open_database
from tests.test_alert_channels import Hook
from tests.test_watch_match import _record


@pytest.fixture
def hooks() -> Iterator[dict[int, Hook]]:
    servers = {status: Hook(status) for status in (200, 500)}
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers.values()]
    for thread in threads:
        thread.start()
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    with database.session() as session:
        create_watch(session, "yiwang", "一网通办")
    yield database
    database.dispose()


def _store(database: Database, *keys: str) -> None:
    with database.session() as session:
        for key in keys:
            write(session, prepare(_record(key)))


def test_a_failing_channel_is_retried_recorded_and_catches_up(database: Database, hooks: dict[int, Hook]) -> None:
    _store(database, "c", "a")
    pauses: list[float] = []
    broken = AlertConfig(webhook_url=hooks[500].url)
    report = deliver_digests(database, 7, config=broken, watch_config=WatchConfig(retry_delay=0.5), sleep=pauses.append)
    assert report == [
        {
            "watch": "yiwang",
            "channel": "webhook",
            "status": "failed",
            "attempts": 3,
            "error": "HTTPError: HTTP Error 500: Internal Server Error",
            "matches": 1,
            "terms": 0,
        }
    ]
    assert pauses == [0.5, 1.0] and len(hooks[500].bodies) == 3
    _store(database, "f")  # another match while the channel is down
    working = AlertConfig(webhook_url=hooks[200].url)
    report = deliver_digests(database, 8, config=working, watch_config=WatchConfig(retry_delay=0))
    assert [(r["status"], r["matches"]) for r in report] == [("sent", 2)]
    [body] = hooks[200].bodies
    assert body["type"] == "watch_digest" and body["run_id"] == 8
    assert [m["title"] for m in body["matches"]] == ["上海推进一网通办", "年终盘点：一网通办"]
    assert body["matches"][0]["sentence"] == "一网通办让企业和群众少跑腿。"
    assert deliver_digests(database, 9, config=working, watch_config=WatchConfig(retry_delay=0)) == []
    with database.session() as session:
        watch = get_watch(session, "yiwang")
    assert watch is not None and watch["pending"] == 0
    assert [(d["status"], d["attempts"], d["run_id"]) for d in watch["digests"]] == [("sent", 1, 8), ("failed", 3, 7)]


def test_at_most_one_digest_per_interval(database: Database, hooks: dict[int, Hook]) -> None:
    config = AlertConfig(webhook_url=hooks[200].url)
    hourly = WatchConfig(digest_interval=3600, retry_delay=0)
    now = now_shanghai()
    _store(database, "c")
    assert len(deliver_digests(database, config=config, watch_config=hourly, now=now)) == 1
    _store(database, "f")
    assert deliver_digests(database, config=config, watch_config=hourly, now=now + timedelta(minutes=30)) == []
    later = deliver_digests(database, config=config, watch_config=hourly, now=now + timedelta(minutes=61))
    assert [r["matches"] for r in later] == [1]


def test_without_a_channel_matches_wait(database: Database) -> None:
    _store(database, "c")
    assert deliver_digests(database, config=AlertConfig(), watch_config=WatchConfig()) == []
    with database.session() as session:
        watch = get_watch(session, "yiwang")
    assert watch is not None and watch["pending"] == 1


def test_watch_config_from_toml_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "newsmon.toml"
    path.write_text("[alerts]\nwebhook_url = 'http://127.0.0.1:1/x'\n[watches]\ndigest_interval = 600\n")
    config = load_watch_config(path, {"NEWSMON_WATCH_ATTEMPTS": "5"})
    assert config == WatchConfig(digest_interval=600.0, attempts=5)
    path.write_text("[watches]\ninterval = 1\n")
    with pytest.raises(ValueError, match="unknown"):
        load_watch_config(path, {})


def test_a_channel_down_is_tried_for_one_watch_only_in_a_round(database: Database, hooks: dict[int, Hook]) -> None:
    with database.session() as session:
        create_watch(session, "shuzi", "数字政府")
    _store(database, "c", "a")
    broken = AlertConfig(webhook_url=hooks[500].url)
    report = deliver_digests(database, config=broken, watch_config=WatchConfig(retry_delay=0), sleep=lambda _: None)
    assert [(r["status"], r["attempts"]) for r in report] == [("failed", 3), ("failed", 0)]
    assert report[1]["error"].startswith("not tried: HTTPError") and len(hooks[500].bodies) == 3


def test_one_process_sends_at_a_time(database: Database, hooks: dict[int, Hook]) -> None:
    from crawler.alerts.digest import DIGEST_LEASE
    from db.runs import acquire_lease

    _store(database, "c")
    with database.session() as session:
        assert acquire_lease(session, DIGEST_LEASE, "another worker", ttl=timedelta(minutes=5))
    config = AlertConfig(webhook_url=hooks[200].url)
    assert deliver_digests(database, config=config, watch_config=WatchConfig()) == []
    assert hooks[200].bodies == []
    with database.session() as session:
        assert acquire_lease(session, DIGEST_LEASE, "another worker", ttl=timedelta(seconds=-1))  # it expires
    assert [r["matches"] for r in deliver_digests(database, config=config, watch_config=WatchConfig())] == [1]

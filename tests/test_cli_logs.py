"""Logs and output for machines: one line per event outside a terminal, JSON lines on request, and a crawl the
scheduler stopped logged as stopped, not as an error."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import scheduler
from db.queries import get_article
from pipelines.seed import open_database

ROOT = Path(__file__).resolve().parents[1]
LONG = "第一行很长" * 40 + " https://www.gov.cn/zhengce/" + "x" * 100


def log_from_a_subprocess(*setup_args: str) -> list[str]:
    code = (
        "import logging, sys; from cli.output import setup_logging; setup_logging(*sys.argv[2:]); "
        "logging.getLogger('crawler.run').warning(sys.argv[1]); "
        "logging.getLogger('crawler.run').info('run %d finished', 7)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, LONG + "\nsecond line", *setup_args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.splitlines()


def test_outside_a_terminal_each_event_is_one_plain_line() -> None:
    lines = log_from_a_subprocess("INFO")
    assert len(lines) == 2
    assert lines[0].endswith(f"WARNING crawler.run: {LONG}\\nsecond line")
    assert lines[1].endswith("INFO crawler.run: run 7 finished")


def test_json_log_lines() -> None:
    lines = log_from_a_subprocess("INFO", "json")
    events = [json.loads(line) for line in lines]
    assert [(e["level"], e["logger"], e["message"]) for e in events] == [
        ("WARNING", "crawler.run", LONG + "\nsecond line"),
        ("INFO", "crawler.run", "run 7 finished"),
    ]
    assert events[0]["time"][-6] in "+-"  # ISO 8601 with its offset


def test_the_log_format_option(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    bad = subprocess.run(
        [sys.executable, "-m", "cli", "--log-format", "xml", "search", "x", "--db", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--log-format must be one of auto, rich, plain, json" in bad.stderr


def test_printed_lines_are_not_wrapped_outside_a_terminal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    database = open_database(url)
    with database.session() as session:
        article = get_article(session, 1)
    database.dispose()
    assert article is not None
    result = subprocess.run(
        [sys.executable, "-m", "cli", "articles", "show", "1", "--db", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    paragraphs = [p for p in article["body"].split("\n") if len(p) > 80]
    assert paragraphs and all(p in result.stdout.splitlines() for p in paragraphs)


def test_a_crawl_stopped_by_the_scheduler_is_logged_as_stopped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The launcher's view of a crawl it stopped with SIGTERM (a process that waits to be stopped stands in for
    the crawl, which has its own tests of stopping cleanly)."""
    real_popen = subprocess.Popen

    def waiting_process(command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return real_popen([sys.executable, "-c", "import time; time.sleep(60)"])

    monkeypatch.setattr(scheduler.subprocess, "Popen", waiting_process)
    launcher = scheduler.SubprocessLauncher("sqlite:///unused.db")
    codes: list[int] = []
    with caplog.at_level(logging.INFO, logger="scheduler"):
        thread = threading.Thread(target=lambda: codes.append(launcher.launch("people")))
        thread.start()
        for _ in range(200):
            if launcher._running:
                break
            threading.Event().wait(0.05)
        launcher.stop_all(grace=10)
        thread.join(timeout=20)
    assert codes == [-15]
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "scheduler"]
    level, message = messages[-1]
    assert level == "INFO" and message.startswith("crawl of people stopped by SIGTERM after ")
    assert message.endswith("s; its next run carries on where it stopped")
    assert not any(level == "ERROR" for level, _ in messages)
    # A job that comes due while the scheduler stops starts no crawl (stop_all() could not stop it).
    with caplog.at_level(logging.INFO, logger="scheduler"):
        assert launcher.launch("cac") == -15
    assert caplog.records[-1].getMessage() == "crawl of cac not started: the scheduler is stopping"


def test_a_scheduled_crawl_is_one_info_line_with_what_it_did(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The crawl subprocess logs only warnings; the scheduler's one INFO line sums up its run record."""
    url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    open_database(url).dispose()
    launcher = scheduler.SubprocessLauncher(url, ["--mirror-dir", str(ROOT / "mirror" / "site")])
    with caplog.at_level(logging.DEBUG, logger="scheduler"):
        assert launcher.launch("cac") == 0
    info = [r.getMessage() for r in caplog.records if r.name == "scheduler" and r.levelno >= logging.INFO]
    assert len(info) == 1, info
    assert re.fullmatch(
        r"crawl of cac finished in \d+s: run \d+ finished, [1-9]\d* pages, [1-9]\d* new, 0 changed, 0 failed, "
        r"0 HTTP errors",
        info[0],
    ), info[0]

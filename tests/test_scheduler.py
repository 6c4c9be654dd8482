"""The scheduler: schedules persist in the database, missed windows run once, one scheduler per database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from typer.testing import CliRunner

import scheduler
from cli.app import app
from db.runs import acquire_lease, lease_holder
from db.types import SHANGHAI
from pipelines.seed import open_database
from scheduler import (
    LEASE_NAME,
    SchedulerLocked,
    SchedulerService,
    add_schedule,
    list_schedules,
    make_trigger,
    parse_every,
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


class RecordingLauncher:
    """Stands in for the crawl subprocess: records which spider was started and when (scheduler clock)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime]] = []
        self._lock = threading.Lock()

    def launch(self, spider: str) -> int:
        with self._lock:
            self.calls.append((spider, datetime.now(SHANGHAI)))
        return 0

    def stop_all(self, grace: float) -> None:
        pass


def test_schedule_survives_restart_and_fires_once_after_missed_windows(db_url: str) -> None:
    with time_machine.travel(START, tick=True) as clock:
        add_schedule(db_url, "people", every="30m")
        first = RecordingLauncher()
        service = SchedulerService(db_url, launcher=first)
        service.start()
        assert [j.id for j in service.scheduler().get_jobs()] == ["crawl:people"]
        service.stop()
        assert first.calls == []  # 09:30 had not come

        # The scheduler was down from 09:00 to 11:05: the 09:30 … 11:00 windows (five) were missed.
        clock.move_to(START + timedelta(hours=2, minutes=5))
        second = RecordingLauncher()
        service = SchedulerService(db_url, launcher=second)
        service.start()
        try:

            def caught_up() -> bool:
                job = service.scheduler().get_job("crawl:people")
                return bool(second.calls) and job is not None and job.next_run_time > datetime.now(SHANGHAI)

            wait_for(caught_up, what="the missed run")
            job = service.scheduler().get_job("crawl:people")
            assert job is not None
            next_run = job.next_run_time
        finally:
            service.stop()
    assert [spider for spider, _ in second.calls] == ["people"]  # coalesced: once, not five times
    assert next_run == START + timedelta(hours=2, minutes=30)
    # The schedule itself is still in the database after both schedulers stopped.
    assert [r["site"] for r in list_schedules(db_url)] == ["people"]


def test_second_scheduler_on_the_same_database_refuses_to_start(db_url: str) -> None:
    first = SchedulerService(db_url, launcher=RecordingLauncher())
    first.start()
    try:
        with pytest.raises(SchedulerLocked, match="another scheduler is running"):
            SchedulerService(db_url, launcher=RecordingLauncher()).start()
    finally:
        first.stop()
    # Released on a clean stop: the next one starts at once.
    again = SchedulerService(db_url, launcher=RecordingLauncher())
    again.start()
    again.stop()


def test_lease_of_a_dead_scheduler_can_be_taken_over_after_it_expires(db_url: str) -> None:
    database = open_database(db_url)
    ttl = timedelta(seconds=60)
    try:
        with database.session() as session:
            assert acquire_lease(session, LEASE_NAME, "crashed", ttl=ttl, now=START)
        with database.session() as session:
            assert not acquire_lease(session, LEASE_NAME, "new", ttl=ttl, now=START + timedelta(seconds=59))
            assert acquire_lease(session, LEASE_NAME, "crashed", ttl=ttl, now=START + timedelta(seconds=30))
        with database.session() as session:
            # Renewed at +30s, so still held at +89s; free at +91s.
            assert not acquire_lease(session, LEASE_NAME, "new", ttl=ttl, now=START + timedelta(seconds=89))
            assert acquire_lease(session, LEASE_NAME, "new", ttl=ttl, now=START + timedelta(seconds=91))
            holder = lease_holder(session, LEASE_NAME)
        assert holder is not None and holder["owner"] == "new"
    finally:
        database.dispose()


def test_scheduler_run_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    database = open_database(url)
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "scheduler", "run", "--db", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def lease() -> dict[str, object] | None:
            with database.session() as session:
                return lease_holder(session, LEASE_NAME)

        wait_for(lambda: lease() is not None or process.poll() is not None, timeout=60, what="the lease")
        holder = lease()
        assert holder is not None and f":{process.pid}:" in str(holder["owner"])
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
        assert lease() is None  # given back, so a new scheduler can start at once
    finally:
        if process.poll() is None:
            process.kill()
        database.dispose()


def test_schedule_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    runner = CliRunner()
    env = {"NEWSMON_DATABASE_URL": url}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    with time_machine.travel(START, tick=False):
        added = runner.invoke(app, ["schedule", "add", "people.com.cn", "--cron", "0 6 * * *", "--json"], env=env)
        assert added.exit_code == 0, added.output
        listed = runner.invoke(app, ["schedule", "list", "--json"], env=env)
    assert '"next_run_at": "2026-01-06T06:00:00+08:00"' in listed.output
    assert '"trigger": "cron 0 6 * * *"' in listed.output
    assert runner.invoke(app, ["schedule", "pause", "people"], env=env).exit_code == 0
    assert list_schedules(url)[0]["paused"] is True
    assert runner.invoke(app, ["schedule", "resume", "people"], env=env).exit_code == 0
    assert list_schedules(url)[0]["next_run_at"] is not None
    assert runner.invoke(app, ["schedule", "remove", "people"], env=env).exit_code == 0
    assert list_schedules(url) == []
    missing = runner.invoke(app, ["schedule", "pause", "people"], env=env)
    assert missing.exit_code == 1
    bad = runner.invoke(app, ["schedule", "add", "people", "--every", "soon"], env=env)
    assert bad.exit_code == 2


def test_intervals_and_triggers() -> None:
    assert parse_every("30m") == timedelta(minutes=30)
    assert parse_every("6h") == timedelta(hours=6)
    assert parse_every("1d") == timedelta(days=1)
    for bad in ("30", "0m", "m30", "1w"):
        with pytest.raises(ValueError):
            parse_every(bad)
    with pytest.raises(ValueError):
        make_trigger(cron="0 6 * * *", every="30m")
    with pytest.raises(ValueError):
        make_trigger()


def test_subprocess_launcher_runs_a_scheduled_crawl_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real launcher starts `newsmon crawl SPIDER --trigger schedule`; here against an unreachable site."""
    url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    monkeypatch.setenv("NEWSMON_MIRROR", "http://127.0.0.1:9")
    open_database(url).dispose()  # as `newsmon init` does: a crawl never creates the database
    launcher = scheduler.SubprocessLauncher(url)
    assert launcher.launch("people") == 1  # the crawl failed: nothing reachable
    database = open_database(url)
    try:
        from db.runs import list_runs

        with database.session() as session:
            runs = list_runs(session)
    finally:
        database.dispose()
    assert [(r["trigger"], r["status"]) for r in runs] == [("schedule", "failed")]
    assert os.environ["NEWSMON_MIRROR"] == "http://127.0.0.1:9"

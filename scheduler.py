"""The scheduler service: crawl schedules kept in the newsmon database; it starts crawls, it does not crawl.

One process (`newsmon scheduler run`) holds the database's scheduler lease and runs APScheduler 3 with a
SQLAlchemyJobStore on the same database, so schedules survive restarts and the CLI can edit them while the
service runs. Each due job starts `newsmon crawl SITE --trigger schedule` as a subprocess.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import FrameType
from typing import Any, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from db.engine import Database, database_url
from db.types import SHANGHAI
from ground.settings import setting
from pipelines.seed import open_database

log = logging.getLogger(__name__)

JOB_DEFAULTS: dict[str, Any] = {
    # A run missed while the scheduler was down is made up once when it is back, however late: crawls are
    # incremental, so a late crawl still collects everything published since the last one, while a skipped
    # one would leave the site unread until its next window (a day, for a daily schedule).
    "misfire_grace_time": None,
    # Several missed windows of one schedule collapse into that single run, not a burst of identical crawls.
    "coalesce": True,
    # Never two crawls of one site at once: a crawl still running when its next window comes delays that
    # window rather than doubling up (the site lock in crawler/jobs.py would refuse a second one anyway).
    "max_instances": 1,
}
JOB_TABLE = "apscheduler_jobs"  # SQLAlchemyJobStore's default table (created by migration 0003)
LEASE_NAME = "scheduler"
LEASE_TTL = timedelta(seconds=60)  # another scheduler may take over this long after the holder stops renewing
HEARTBEAT_SECONDS = 15.0  # renew the lease and re-read schedules (the CLI edits them from other processes)
QUIET_CHECK_SECONDS = 3600.0  # between crawls, a site that went quiet is noticed within the hour


class SchedulerLocked(RuntimeError):
    """Another scheduler holds this database's lease."""


class Launcher(Protocol):
    def launch(self, spider: str) -> int: ...

    def stop_all(self, grace: float) -> None: ...


def job_id(spider: str) -> str:
    return f"crawl:{spider}"


_EVERY = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_every(text: str) -> timedelta:
    """ "30m" → 30 minutes; units s, m, h, d."""
    match = _EVERY.match(text.lower())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"cannot read interval {text!r}: use a number and a unit, e.g. 30m, 6h, 1d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def make_trigger(*, cron: str | None = None, every: str | None = None) -> BaseTrigger:
    """A crontab expression (minute hour day month weekday, Asia/Shanghai) or an interval like 30m."""
    if bool(cron) == bool(every):
        raise ValueError("give exactly one of a cron expression or an interval")
    if cron:
        return CronTrigger.from_crontab(cron, timezone=SHANGHAI)
    assert every is not None
    return IntervalTrigger(seconds=int(parse_every(every).total_seconds()), timezone=SHANGHAI)


def _scheduler(database: Database) -> BackgroundScheduler:
    return BackgroundScheduler(**_settings(database))


def _settings(database: Database) -> dict[str, Any]:
    return {
        "jobstores": {"default": SQLAlchemyJobStore(engine=database.engine)},
        "executors": {"default": ThreadPoolExecutor(max_workers=setting("schedule.max_parallel_crawls"))},
        "job_defaults": JOB_DEFAULTS,
        "timezone": SHANGHAI,
    }


class _StoreEditor(BaseScheduler):
    """A scheduler that edits the job store and never processes it: its wakeup does nothing, so no due job is
    run or moved to its next window, whether the service is down or running (it re-reads the store)."""

    def shutdown(self, wait: bool = True) -> None:  # abstract in BaseScheduler; its own shutdown is all we need
        super().shutdown(wait)

    def wakeup(self) -> None:
        pass


@contextmanager
def schedule_store(db_url: str | None) -> Iterator[BaseScheduler]:
    """The job store opened for editing: jobs can be added, paused, resumed and removed; none is run."""
    database = open_database(db_url)
    scheduler = _StoreEditor(**_settings(database))
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)
        database.dispose()


def read_jobs(session: Session) -> list[Job]:
    """The stored schedules, read from the job store's table without a scheduler: reading runs nothing,
    reschedules nothing and writes nothing (a read-only database is fine)."""
    if not inspect(session.connection()).has_table(JOB_TABLE):
        return []
    jobs = []
    for job_id_, state in session.execute(text(f"SELECT id, job_state FROM {JOB_TABLE} ORDER BY id")):
        try:
            job = Job.__new__(Job)
            job.__setstate__(pickle.loads(state))
        except Exception as error:
            log.warning("schedule %s cannot be read (%s: %s); skipped", job_id_, type(error).__name__, error)
            continue
        jobs.append(job)
    return jobs


def describe_trigger(trigger: BaseTrigger) -> str:
    """ "cron 0 6 * * *" or "every 30m": the way the schedule was given."""
    if isinstance(trigger, CronTrigger):
        fields = {f.name: str(f) for f in trigger.fields}
        return "cron " + " ".join(fields[n] for n in ("minute", "hour", "day", "month", "day_of_week"))
    if isinstance(trigger, IntervalTrigger):
        seconds = int(trigger.interval.total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds % size == 0:
                return f"every {seconds // size}{unit}"
        return f"every {seconds}s"
    return str(trigger)


def schedule_record(job: Job) -> dict[str, Any]:
    next_run: datetime | None = job.next_run_time
    return {
        "site": job.kwargs.get("spider", job.id),
        "job_id": job.id,
        "trigger": describe_trigger(job.trigger),
        "paused": next_run is None,
        "next_run_at": next_run.astimezone(SHANGHAI).isoformat() if next_run else None,
    }


def add_schedule(
    db_url: str | None, spider: str, *, cron: str | None = None, every: str | None = None
) -> dict[str, Any]:
    """Schedule crawls of a spider (replacing its existing schedule: one schedule per site)."""
    trigger = make_trigger(cron=cron, every=every)
    with schedule_store(db_url) as scheduler:
        job = scheduler.add_job(
            "scheduler:crawl_job",
            trigger=trigger,
            kwargs={"spider": spider},
            id=job_id(spider),
            name=f"crawl {spider}",
            replace_existing=True,
        )
        return schedule_record(job)


def list_schedules(db_url: str | None) -> list[dict[str, Any]]:
    from db.engine import open_read_only

    database = open_read_only(db_url)
    try:
        with database.session() as session:
            return schedule_records(session)
    finally:
        database.dispose()


def schedule_records(session: Session) -> list[dict[str, Any]]:
    return [schedule_record(job) for job in read_jobs(session)]


def _edit(db_url: str | None, spider: str, action: Callable[[BaseScheduler, str], Any]) -> dict[str, Any] | None:
    with schedule_store(db_url) as scheduler:
        try:
            result = action(scheduler, job_id(spider))
        except JobLookupError:
            raise KeyError(f"no schedule for {spider}") from None
        return schedule_record(result) if isinstance(result, Job) else None


def pause_schedule(db_url: str | None, spider: str) -> dict[str, Any] | None:
    return _edit(db_url, spider, lambda s, i: s.pause_job(i))


def resume_schedule(db_url: str | None, spider: str) -> dict[str, Any] | None:
    return _edit(db_url, spider, lambda s, i: s.resume_job(i))


def remove_schedule(db_url: str | None, spider: str) -> None:
    _edit(db_url, spider, lambda s, i: s.remove_job(i))


def next_runs(session: Session) -> dict[str, str | None]:
    """spider → next run time (ISO), None when paused; for `newsmon status`."""
    return {r["site"]: r["next_run_at"] for r in schedule_records(session)}


# ---- the service --------------------------------------------------------------------------------------------


class SubprocessLauncher:
    """Starts each crawl as `python -m cli crawl SPIDER --trigger schedule` and waits for it."""

    def __init__(self, db_url: str, extra_args: list[str] | None = None) -> None:
        self.db_url = db_url
        self.extra_args = extra_args or []
        self._running: dict[int, subprocess.Popen[bytes]] = {}
        self._stopped: dict[int, bool] = {}  # crawls this launcher asked to stop
        self._closing = False  # stop_all() was called: nothing more is started
        self._lock = threading.Lock()

    def launch(self, spider: str) -> int:
        command = [
            sys.executable,
            "-m",
            "cli",
            # The crawl's warnings and errors go to the scheduler's log; what it did is in its run record, which
            # the scheduler sums up in the one line it logs when the crawl ends (INFO: a line per run).
            "--log-level",
            "WARNING",
            "crawl",
            spider,
            "--trigger",
            "schedule",
            "--db",
            self.db_url,
            *self.extra_args,
        ]
        started = time.monotonic()
        since = datetime.now(SHANGHAI)
        with self._lock:
            # A job already due when the scheduler is told to stop starts nothing: stop_all() would miss it.
            if self._closing:
                log.info("crawl of %s not started: the scheduler is stopping", spider)
                return -signal.SIGTERM
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            self._running[process.pid] = process
        log.debug("crawl of %s started (pid %d)", spider, process.pid)
        try:
            code = process.wait()
        finally:
            with self._lock:
                self._running.pop(process.pid, None)
        with self._lock:
            stopped = self._stopped.pop(process.pid, False) or code == -signal.SIGTERM
        took = f"{time.monotonic() - started:.0f}s"
        if stopped:
            log.info("crawl of %s stopped by SIGTERM after %s; its next run carries on where it stopped", spider, took)
        elif code == 0:
            log.info("crawl of %s finished in %s: %s", spider, took, self._run_summary(spider, since))
        else:
            log.error("crawl of %s failed with exit code %d after %s (see `newsmon runs list`)", spider, code, took)
        return code

    def _run_summary(self, spider: str, since: datetime) -> str:
        """What the run did, from its record."""
        from sqlalchemy import select

        from db.engine import open_read_only
        from db.models import CrawlRun

        try:
            database = open_read_only(self.db_url)
        except Exception as error:
            return f"its run record cannot be read ({type(error).__name__})"
        try:
            with database.session() as session:
                run = session.scalars(
                    select(CrawlRun)
                    .where(CrawlRun.spider == spider, CrawlRun.started_at >= since)
                    .order_by(CrawlRun.id.desc())
                    .limit(1)
                ).first()
                if run is None:
                    return "no run recorded"
                return (
                    f"run {run.id} {run.status}, {run.pages_fetched} pages, {run.articles_new} new, "
                    f"{run.articles_changed} changed, {run.pages_failed} failed, {run.http_errors} HTTP errors"
                )
        finally:
            database.dispose()

    def stop_all(self, grace: float) -> None:
        """SIGTERM every running crawl (Scrapy stops cleanly and keeps its job dir), SIGKILL after `grace`."""
        with self._lock:
            self._closing = True
            running = list(self._running.values())
            self._stopped.update((process.pid, True) for process in running)
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                log.error("crawl pid %d did not stop within %.0fs: killed", process.pid, grace)
                process.kill()


_active_launcher: Launcher | None = None


def crawl_job(spider: str) -> None:
    """The job every schedule runs (referenced by name in the job store, so it must stay importable here)."""
    if _active_launcher is None:
        raise RuntimeError("crawl_job runs only inside a started SchedulerService")
    _active_launcher.launch(spider)


class SchedulerService:
    """The long-running scheduler: holds the lease, runs due jobs, renews the lease, stops cleanly."""

    def __init__(
        self,
        db_url: str | None = None,
        *,
        launcher: Launcher | None = None,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        lease_ttl: timedelta = LEASE_TTL,
    ) -> None:
        self.db_url = database_url(db_url)
        shared = ["--distributed"] if setting("schedule.distributed") else []  # workers join the scheduled crawls
        self.launcher: Launcher = launcher or SubprocessLauncher(self.db_url, shared)
        self.heartbeat_seconds = heartbeat_seconds
        self.lease_ttl = lease_ttl
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self._database: Database | None = None
        self._scheduler: BackgroundScheduler | None = None
        self._heartbeat: threading.Thread | None = None

    def start(self) -> None:
        from db.runs import acquire_lease, lease_holder

        global _active_launcher
        database = open_database(self.db_url)
        with database.session() as session:
            acquired = acquire_lease(session, LEASE_NAME, self.owner, ttl=self.lease_ttl)
        if not acquired:
            with database.session() as session:
                holder = lease_holder(session, LEASE_NAME) or {}
            database.dispose()
            raise SchedulerLocked(
                f"another scheduler is running on this database ({holder.get('owner')}, lease until "
                f"{holder.get('expires_at')}); refusing to start a second one"
            )
        self._database = database
        _active_launcher = self.launcher
        self._scheduler = _scheduler(database)
        self._scheduler.start()
        self._heartbeat = threading.Thread(target=self._beat, name="scheduler-heartbeat", daemon=True)
        self._heartbeat.start()
        log.info("scheduler %s started: %d schedules", self.owner, len(self._scheduler.get_jobs()))

    def _beat(self) -> None:
        from db.runs import acquire_lease

        last_quiet_check = time.monotonic()
        while not self.stopping.wait(self.heartbeat_seconds):
            assert self._database is not None and self._scheduler is not None
            try:
                with self._database.session() as session:
                    held = acquire_lease(session, LEASE_NAME, self.owner, ttl=self.lease_ttl)
            except Exception:
                log.exception("could not renew the scheduler lease; will retry")
                continue
            if not held:
                log.error("the scheduler lease was taken over by another process: stopping")
                self.stopping.set()
                return
            # Schedules added or paused by the CLI in another process are seen at the next wakeup.
            self._scheduler.wakeup()
            if time.monotonic() - last_quiet_check >= QUIET_CHECK_SECONDS:
                last_quiet_check = time.monotonic()
                self._check_quiet()

    def _check_quiet(self) -> None:
        """The quiet-site check for every scheduled site (crawls check it too, but a paused or failing
        schedule must not hide a site that went quiet)."""
        from crawler.monitors import check_quiet_sites
        from crawler.run import spider_names

        assert self._database is not None and self._scheduler is not None
        domains = spider_names()
        sites = [domains.get(job.kwargs.get("spider", ""), "") for job in self._scheduler.get_jobs()]
        try:
            check_quiet_sites(self._database, [s for s in sites if s])
        except Exception:
            log.exception("the quiet-site check failed")

    def stop(self) -> None:
        """Stop starting crawls, let running ones stop cleanly, give the lease back."""
        from db.runs import release_lease

        global _active_launcher
        self.stopping.set()
        if self._database is None:
            return  # never started (the lease was held elsewhere)
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None
        if self._scheduler is not None:
            self._scheduler.pause()
            self.launcher.stop_all(setting("schedule.stop_grace_seconds"))
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        if self._database is not None:
            with self._database.session() as session:
                release_lease(session, LEASE_NAME, self.owner)
            self._database.dispose()
            self._database = None
        _active_launcher = None
        log.info("scheduler %s stopped", self.owner)

    def scheduler(self) -> BackgroundScheduler:
        assert self._scheduler is not None, "the service is not started"
        return self._scheduler

    def run_forever(self) -> None:
        """Run until SIGTERM or SIGINT, then stop cleanly."""

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: stopping", signal.Signals(signum).name)
            self.stopping.set()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            # A bounded wait, so the signal handler's flag is seen promptly on every platform.
            while not self.stopping.wait(1.0):
                pass
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

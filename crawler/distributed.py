"""Distributed crawls over scrapy-redis: one shared request queue and dupe filter in Redis, leased to workers."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.database import database_for
from db.runs import hold_run
from ground.settings import default, setting

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

DEFAULT_REDIS_URL: str = default("distributed.redis_url")
DEFAULT_LEASE_TIMEOUT: float = default("distributed.lease_timeout")

# Push a request only if its fingerprint is new, in one step: a worker killed between the dupe filter's SADD
# and the queue's ZADD would otherwise leave a URL marked seen that nobody will ever fetch.
_ENQUEUE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# Pop the highest-priority request and record it in the worker's lease hash (member -> score) in one step,
# so a request is always either queued or leased to a named worker.
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
redis.call('HSET', KEYS[2], top[1], top[2])
return top[1]
"""
# Give a worker's leased requests back to the queue, unless its heartbeat is still alive (ARGV[2] = '1'
# forces it: a worker returning its own leases on shutdown). Atomic, so two survivors cannot both requeue.
_RECLAIM = """
if ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local entries = redis.call('HGETALL', KEYS[2])
for i = 1, #entries, 2 do redis.call('ZADD', KEYS[3], entries[i + 1], entries[i]) end
redis.call('DEL', KEYS[2], KEYS[1])
redis.call('SREM', KEYS[4], ARGV[1])
return #entries / 2
"""


def redis_url(explicit: str | None = None) -> str:
    """--redis wins, then the distributed.redis_url setting (REDIS_URL), then the Redis server on this machine."""
    return explicit or str(setting("distributed.redis_url"))


@dataclass(frozen=True)
class DistributedOptions:
    """How a process takes part in a distributed crawl: the seeder adds the start requests, workers do not."""

    role: str = "worker"  # seeder | worker
    redis_url: str | None = None
    prefix: str | None = None
    max_idle: int = default("distributed.max_idle")
    lease_timeout: float = DEFAULT_LEASE_TIMEOUT

    def settings(self) -> dict[str, object]:
        """Scrapy settings that switch a crawl onto the shared queue; the spiders themselves do not change."""
        prefix = self.prefix or setting("distributed.prefix")
        return {
            "SCHEDULER": "crawler.distributed.LeasingScheduler",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
            # One worker finishing must not flush the queue the others still work on.
            "SCHEDULER_PERSIST": True,
            "REDIS_URL": redis_url(self.redis_url),
            "MAX_IDLE_TIME_BEFORE_CLOSE": self.max_idle,
            "NEWSMON_DISTRIBUTED": self.role,
            "NEWSMON_LEASE_TIMEOUT": self.lease_timeout,
        }


class LeasingScheduler(Scheduler):
    """scrapy-redis's scheduler with leases: a popped request stays in Redis until this worker is done with it.

    scrapy-redis alone pops a request out of Redis when the worker takes it, so a worker killed mid-crawl
    takes its in-flight requests with it (and their URLs stay in the dupe filter, so they are never fetched
    again). Here a pop moves the request into the worker's lease hash; it leaves the hash only once Scrapy has
    finished with it: downloaded, callback run, the requests it yielded queued and its items stored. A worker
    refreshes a heartbeat key; when the heartbeat of a worker expires, the others put its leased requests back
    in the queue. Requests are therefore processed at least once; storage is an upsert on the unique URL, so
    a request processed twice still stores its article once. The same heartbeat renews the lease of the
    worker's crawl-run row in the database, so a killed worker's run is closed as `interrupted`, not left
    `running`.
    """

    crawler: Crawler
    worker_id: str
    lease_timeout: float
    max_idle: float
    role: str
    _leases: dict[Request, bytes]
    _idle_since: float | None
    _beat: task.LoopingCall | None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        instance: LeasingScheduler = super().from_crawler(crawler)
        settings = crawler.settings
        instance.crawler = crawler
        instance.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        instance.lease_timeout = settings.getfloat("NEWSMON_LEASE_TIMEOUT", DEFAULT_LEASE_TIMEOUT)
        instance.max_idle = settings.getfloat("MAX_IDLE_TIME_BEFORE_CLOSE", default("distributed.max_idle"))
        instance.role = settings.get("NEWSMON_DISTRIBUTED") or "worker"
        instance._leases = {}
        instance._idle_since = None
        instance._beat = None
        instance._enqueue = instance.server.register_script(_ENQUEUE)
        instance._pop = instance.server.register_script(_POP)
        instance._reclaim = instance.server.register_script(_RECLAIM)
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    # ---- keys ------------------------------------------------------------------------------------------

    @property
    def _base(self) -> str:
        return str(self.queue.key).removesuffix(":requests")

    @property
    def workers_key(self) -> str:
        return f"{self._base}:workers"

    def lease_key(self, worker: str) -> str:
        return f"{self._base}:leases:{worker}"

    def heartbeat_key(self, worker: str) -> str:
        return f"{self._base}:heartbeat:{worker}"

    # ---- lifecycle -------------------------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        super().open(spider)
        # The run recorder names this worker as the holder of the run's heartbeat lease (see _hold_run).
        spider.worker_id = self.worker_id  # type: ignore[attr-defined]
        self.reclaim_dead()
        if self.role == "seeder" and self._no_crawl_running():
            # A new crawl: yesterday's fingerprints must not hide today's list pages.
            self.df.clear()
            log.info("new distributed crawl of %s: dupe filter cleared", spider.name)
        elif self.role == "seeder":
            # Work is left from a crawl whose processes died (queued, or leased to workers whose heartbeat has not
            # expired yet): carry that crawl on with its fingerprints, so nothing it took on is lost or redone.
            log.warning("distributed crawl of %s carried on: %d requests queued", spider.name, len(self))
        self._heartbeat()
        self._beat = task.LoopingCall(self._tick)
        self._beat.start(max(self.lease_timeout / 3, 0.5), now=False)
        log.info("worker %s joined the crawl of %s (%d requests queued)", self.worker_id, spider.name, len(self))

    def close(self, reason: str) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        self.release_finished()
        # Whatever is still leased was not finished (shutdown, error): it goes back for the others.
        returned = self._reclaim(
            keys=[
                self.heartbeat_key(self.worker_id),
                self.lease_key(self.worker_id),
                self.queue.key,
                self.workers_key,
            ],
            args=[self.worker_id, "1"],
        )
        if returned:
            log.warning("worker %s returned %d unfinished requests to the queue", self.worker_id, returned)
        super().close(reason)

    def _heartbeat(self) -> None:
        with self.server.pipeline() as pipe:
            pipe.set(self.heartbeat_key(self.worker_id), "1", px=int(self.lease_timeout * 1000))
            pipe.sadd(self.workers_key, self.worker_id)
            pipe.execute()

    def _tick(self) -> None:
        try:
            self._heartbeat()
            self.release_finished()
            self.reclaim_dead()
        except Exception:
            # A Redis hiccup must not stop the heartbeat loop; the next tick tries again.
            log.exception("worker %s: heartbeat failed", self.worker_id)
        try:
            self._hold_run()
        except Exception:
            log.exception("worker %s: could not renew its crawl run's lease", self.worker_id)

    def _hold_run(self) -> None:
        """Renew the heartbeat lease of this worker's crawl run in the database (taken by crawler/recorder.py), so
        that once this process is gone any other can tell its run is dead (db.runs.close_abandoned_runs)."""
        run_id = getattr(self.spider, "run_id", None)
        if not run_id:
            return
        with database_for(self.crawler).session() as session:
            hold_run(session, run_id, self.worker_id, ttl=timedelta(seconds=self.lease_timeout))

    # ---- queue -----------------------------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        # Start requests are seeded once, by the seeder; a worker's own spider.start() output is dropped here.
        # The mark is removed before queueing so that a retry or redirect of a seeded request is kept.
        if request.meta.pop("is_start_request", False) and self.role == "worker":
            return False
        data = self.queue._encode_request(request)
        score = -request.priority
        if request.dont_filter:
            self.server.execute_command("ZADD", self.queue.key, score, data)
        elif not self._enqueue(
            keys=[self.df.key, self.queue.key], args=[self.df.request_fingerprint(request), score, data]
        ):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        self.release_finished()
        data = self._pop(keys=[self.queue.key, self.lease_key(self.worker_id)])
        if data is None:
            return None
        request: Request = self.queue._decode_request(data)
        self._leases[request] = data
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def release_finished(self) -> None:
        """Drop the leases of requests Scrapy has finished with (they left the engine's in-progress set)."""
        if not self._leases:
            return
        slot = getattr(self.crawler.engine, "_slot", None)
        # scrapy.utils.engine.get_engine_status reads the same set: a request stays in it from the scheduler
        # until its download, callback and item pipelines are all done.
        in_progress: set[Request] = slot.inprogress if slot is not None else set()
        done = [request for request in self._leases if request not in in_progress]
        if done:
            self.server.hdel(self.lease_key(self.worker_id), *(self._leases.pop(r) for r in done))

    def reclaim_dead(self) -> int:
        """Put the leased requests of workers whose heartbeat expired back in the queue."""
        returned = 0
        for worker in _names(self.server.smembers(self.workers_key)):
            if worker == self.worker_id:
                continue
            keys = [self.heartbeat_key(worker), self.lease_key(worker), self.queue.key, self.workers_key]
            count = int(self._reclaim(keys=keys, args=[worker, "0"]))
            if count > 0:
                log.warning("worker %s is gone: %d of its requests are back in the queue", worker, count)
                returned += count
                if self.stats:
                    self.stats.inc_value("newsmon/requests_reclaimed", count)
        return returned

    def _leased_anywhere(self) -> int:
        workers = _names(self.server.smembers(self.workers_key))
        with self.server.pipeline() as pipe:
            for worker in workers:
                pipe.hlen(self.lease_key(worker))
            return sum(int(n) for n in pipe.execute())

    def _no_crawl_running(self) -> bool:
        """Nothing queued and nothing leased, to live workers or to dead ones whose leases are not back yet."""
        return len(self) == 0 and self._leased_anywhere() == 0

    def spider_idle(self, spider: Spider) -> None:
        """Stay while the queue or any worker's leases hold work; close after MAX_IDLE_TIME_BEFORE_CLOSE of none.

        Another worker's leased request may still yield new requests, and a dead worker's leases come back
        once its heartbeat expires, so an empty queue alone does not mean the crawl is over.
        """
        self.release_finished()
        self.reclaim_dead()
        now = time.monotonic()
        if len(self) > 0 or self._leased_anywhere() > 0:
            self._idle_since = None
            raise DontCloseSpider
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.max_idle:
            raise DontCloseSpider
        log.info("worker %s: no work for %.0f s, closing", self.worker_id, now - self._idle_since)


def _names(members: Any) -> list[str]:
    return [m.decode() if isinstance(m, bytes) else str(m) for m in members]


def options_from_env(role: str, **given: object) -> DistributedOptions:
    """DistributedOptions from the command line, else the [distributed] settings (ground/settings.py)."""
    keys = ("redis_url", "prefix", "max_idle", "lease_timeout")
    values: dict[str, Any] = {key: given.get(key) or setting(f"distributed.{key}") for key in keys}
    return DistributedOptions(role=role, **values)

"""Watch digests: after each crawl run, each watch's new matches and terms sent through the alert channels.

A digest holds what a channel has not sent yet, so a channel that was down sends the matches it missed with the
next digest; each attempt is retried (with a growing pause) and recorded in watch_digests. At most one digest per
watch per `digest_interval` seconds (the watches.digest_interval setting, docs/settings.md): matches
found in between wait for the next run after it.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from crawler.alerts.channels import post_json, send_email
from crawler.alerts.config import AlertConfig, load_config
from db.engine import Database
from db.runs import acquire_lease, release_lease
from db.types import now_shanghai
from db.watches import (
    active_watches,
    mark_delivered,
    pending_entries,
    record_digest,
    term_entries,
    watch_json,
)
from ground.settings import current, default, load

log = logging.getLogger("newsmon.watches")

DIGEST_LEASE = "watch-digests"
DIGEST_LEASE_TTL = timedelta(minutes=15)  # longer than a round of digests with every channel retried


@dataclass(frozen=True)
class WatchConfig:
    """How digests are sent: at most one per watch per `digest_interval` seconds; each channel tried `attempts`
    times, waiting retry_delay, then twice that … in between; `feed_base` prefixes feed links (the dashboard's URL)."""

    digest_interval: float = default("watches.digest_interval")
    attempts: int = default("watches.attempts")
    retry_delay: float = default("watches.retry_delay")
    feed_base: str = default("watches.feed_base")


def load_watch_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> WatchConfig:
    """The [watches] settings in force: of `path` and `environ` when given, else of this process."""
    settings = current() if path is None and environ is None else load(path, environ)
    return WatchConfig(**settings.section("watches"))


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "delivered"}


def digest_payload(
    watch: dict[str, Any],
    matches: list[dict[str, Any]],
    terms: list[dict[str, Any]],
    *,
    run_id: int | None,
    feed_base: str = "",
) -> dict[str, Any]:
    """The webhook's JSON: the watch, its new matches (each with its copies) and its new terms."""
    return {
        "source": "newsmon",
        "type": "watch_digest",
        "run_id": run_id,
        "watch": {**watch, "feed": feed_base + watch["feed"]},
        "matches": [_public(m) for m in matches],
        "new_terms": [_public(t) for t in terms],
    }


def digest_email(
    watch: dict[str, Any], matches: list[dict[str, Any]], terms: list[dict[str, Any]], *, feed_base: str = ""
) -> EmailMessage:
    """The email: per article its title, date, site, speakers and the sentence that matched; then new terms."""
    counts = [f"{len(matches)} new {'match' if len(matches) == 1 else 'matches'}"] if matches else []
    if terms:
        counts.append(f"{len(terms)} new {'term' if len(terms) == 1 else 'terms'}")
    message = EmailMessage()
    message["Subject"] = f"[newsmon] watch {watch['name']}: {', '.join(counts)}"
    lines = [f"watch {watch['name']}: {watch['query'] or '(filters only)'}", ""]
    for m in matches:
        speakers = "、".join(m["speakers"]) or "—"
        lines += [
            m["title"],
            f"  date:     {(m['published_at'] or '')[:16].replace('T', ' ')}",
            f"  site:     {m['site_name']} ({m['site']})",
            f"  speakers: {speakers}",
            f"  sentence: {m['sentence']}",
            f"  {m['url']}",
        ]
        lines += [f"  also at {c['site_name']}: {c['url']}" for c in m["copies"]]
        lines.append("")
    for t in terms:
        first = t["first_article"]
        where = (
            f"{first['title']} ({first['site']}, {(first['published_at'] or '')[:10]}) {first['url']}" if first else ""
        )
        lines.append(f"{t['change']} term {t['term']}: first in {where}")
    lines += ["", f"feed: {feed_base}{watch['feed']}"]
    message.set_content("\n".join(lines) + "\n")
    return message


def _channels(config: AlertConfig) -> list[str]:
    return (["webhook"] if config.webhook_url else []) + (["email"] if config.email_enabled else [])


def _with_retries(
    send: Callable[[], None], attempts: int, delay: float, sleep: Callable[[float], None]
) -> tuple[int, str | None]:
    """(tries made, the last error or None when sent)."""
    error: str | None = None
    for attempt in range(1, attempts + 1):
        try:
            send()
            return attempt, None
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"
            if attempt < attempts:
                sleep(delay * 2 ** (attempt - 1))
    return attempts, error


def deliver_digests(
    database: Database,
    run_id: int | None = None,
    *,
    config: AlertConfig | None = None,
    watch_config: WatchConfig | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """Send each active watch's digest on every configured channel; one row per (watch, channel) attempted.

    Without a configured channel the matches wait (the dashboard and the feed show them). Never raises for a
    channel: a failure is recorded and its matches go with the next digest. One process sends at a time (a lease):
    workers of a distributed crawl ending together would otherwise send the same matches twice; the one that finds
    the lease taken leaves its matches to the holder or to the next digest."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    with database.session() as session:
        if not acquire_lease(session, DIGEST_LEASE, owner, ttl=DIGEST_LEASE_TTL):
            log.info("watch digests are being sent by another process")
            return []
    try:
        return _deliver(database, run_id, config=config, watch_config=watch_config, now=now, sleep=sleep)
    finally:
        with database.session() as session:
            release_lease(session, DIGEST_LEASE, owner)


def _deliver(
    database: Database,
    run_id: int | None,
    *,
    config: AlertConfig | None,
    watch_config: WatchConfig | None,
    now: datetime | None,
    sleep: Callable[[float], None],
) -> list[dict[str, Any]]:
    config = config or load_config()
    watch_config = watch_config or load_watch_config()
    channels = _channels(config)
    now = now or now_shanghai()
    interval = timedelta(seconds=watch_config.digest_interval)
    report: list[dict[str, Any]] = []
    # A channel that failed every attempt for one watch is not tried again for the others in this round (their
    # matches wait for the next digest): a mail server down must not hold a crawl's end for minutes of retries.
    down: dict[str, str] = {}
    with database.session() as session:
        watches = [(w.id, watch_json(w)) for w in active_watches(session)]
    for watch_id, watch in watches:
        last = watch["last_digest_at"]
        if interval and last and now - datetime.fromisoformat(last) < interval:
            continue
        with database.session() as session:
            matches = pending_entries(session, watch_id)
            terms = term_entries(session, watch_id, pending=True)
        if not matches and not terms:
            continue
        log.info("watch %s: %d new matches, %d new terms", watch["name"], len(matches), len(terms))
        for channel in channels:
            unsent = [m for m in matches if channel not in m["delivered"]]
            unsent_terms = [t for t in terms if channel not in t["delivered"]]
            if not unsent and not unsent_terms:
                continue
            send: Callable[[], None]
            if channel == "webhook":
                payload = digest_payload(watch, unsent, unsent_terms, run_id=run_id, feed_base=watch_config.feed_base)
                send = functools.partial(post_json, payload, config)
            else:
                message = digest_email(watch, unsent, unsent_terms, feed_base=watch_config.feed_base)
                send = functools.partial(send_email, message, config)
            error: str | None
            if channel in down:
                attempts, error = 0, f"not tried: {down[channel]} (earlier in this round)"
            else:
                attempts, error = _with_retries(send, watch_config.attempts, watch_config.retry_delay, sleep)
                if error:
                    down[channel] = error
            status = "failed" if error else "sent"
            if error:
                log.error("watch %s: %s digest failed after %d attempts: %s", watch["name"], channel, attempts, error)
            with database.session() as session:
                record_digest(
                    session,
                    watch_id,
                    run_id=run_id,
                    channel=channel,
                    status=status,
                    attempts=attempts,
                    error=error,
                    matches=len(unsent),
                    terms=len(unsent_terms),
                    when=now,
                )
                if not error:
                    mark_delivered(
                        session,
                        [m["match_id"] for m in unsent],
                        [t["term_id"] for t in unsent_terms],
                        channel,
                        channels,
                        now,
                    )
            report.append(
                {
                    "watch": watch["name"],
                    "channel": channel,
                    "status": status,
                    "attempts": attempts,
                    "error": error,
                    "matches": len(unsent),
                    "terms": len(unsent_terms),
                }
            )
    return report


def after_crawl_run(database: Database, run_id: int | None) -> list[dict[str, Any]]:
    """What a finished crawl run does for watches: the new-term check, then the digests."""
    from analysis.new_terms import check_new_terms

    try:
        check_new_terms(database, run_id=run_id)
    except Exception:
        # A failed term check must not hold back the matches' digests.
        log.exception("the new-term check after run %s failed", run_id)
    return deliver_digests(database, run_id)

"""Crawl-health checks run after every crawl: layout change, quiet site, zero items, error spike."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean
from typing import Literal

from sqlalchemy.orm import Session

from db.engine import Database
from db.models import CrawlRun
from db.queries import publish_times
from db.runs import recent_runs, record_alert, resolve_alerts, run_row
from db.types import now_shanghai
from pipelines.coverage import COVERED_FIELDS

log = logging.getLogger(__name__)

KINDS = ("layout", "quiet", "zero_items", "error_spike")


@dataclass(frozen=True)
class Thresholds:
    """How far from a site's own history a run must be before ops hear about it."""

    baseline_runs: int = 5  # finished runs of the site a run is compared with
    layout_min_pages: int = 3  # fewer article pages than this say nothing about the layout
    layout_drop: float = 0.3  # a coverage share this far below the baseline mean is "well below"
    quiet_factor: float = 3.0  # quiet after this many usual intervals without a new article
    quiet_history: int = 30  # newest publish times the usual interval is learned from
    quiet_min_articles: int = 6  # fewer stored articles than this: no rhythm to learn yet
    error_min: int = 3  # fewer HTTP errors than this are never a spike
    error_factor: float = 3.0  # a spike: the error share this many times the usual …
    error_margin: float = 0.2  # … and at least this much above it


@dataclass(frozen=True)
class Finding:
    kind: str
    expected: str
    seen: str

    @property
    def message(self) -> str:
        return f"{self.kind.replace('_', ' ')}: expected {self.expected}; seen {self.seen}"


Verdict = Finding | Literal["ok", "unknown"]


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _coverage_metrics(coverage: dict[str, float]) -> dict[str, float]:
    """Shares that fall when a template changes: fields found, fields found by the site's own rules, pages read."""
    pages = coverage.get("pages", 0) or 0
    metrics = {"pages extracted": 1 - (coverage.get("extraction_failed", 0) or 0) / pages} if pages else {}
    for name in COVERED_FIELDS:
        metrics[name] = float(coverage.get(name, 0.0))
        metrics[f"{name} by site rules"] = float(coverage.get(f"{name}_site_rule", 0.0))
    return metrics


def layout_check(run: CrawlRun, baseline: list[CrawlRun], limits: Thresholds) -> Verdict:
    coverage = run.field_coverage or {}
    if coverage.get("pages", 0) < limits.layout_min_pages:
        return "unknown"
    usable = [r.field_coverage for r in baseline if (r.field_coverage or {}).get("pages", 0) >= limits.layout_min_pages]
    seen = _coverage_metrics(coverage)
    if usable:
        past = [_coverage_metrics(c) for c in usable]
        expected = {k: mean(m[k] for m in past) for k in seen}
        ids = [str(r.id) for r in baseline if r.field_coverage in usable]
        basis = f"mean of run{'s' if len(ids) > 1 else ''} " + ", ".join(ids)
    else:
        # A site's first runs: nothing learned yet, so hold them to what any working template gives.
        expected = {"pages extracted": 1.0, "title": 1.0, "body": 1.0, "published_at": 1.0}
        basis = "no earlier runs to learn from"
    dropped = [k for k, want in expected.items() if seen.get(k, 0.0) < want - limits.layout_drop]
    if not dropped:
        return "ok"
    return Finding(
        "layout",
        expected=", ".join(f"{k} {_pct(expected[k])}" for k in dropped) + f" ({basis})",
        seen=", ".join(f"{k} {_pct(seen[k])}" for k in dropped)
        + f" of {coverage['pages']} article pages in run {run.id}",
    )


def zero_items_check(run: CrawlRun) -> Verdict:
    if run.status not in ("finished", "incomplete", "failed") or run.pages_fetched == 0:
        return "unknown"  # unreachable: the error check speaks for that run
    known = int((run.stats or {}).get("newsmon/list_known_urls", 0))
    items = (
        run.articles_new + run.articles_changed + run.articles_unchanged + run.pages_failed + run.pages_skipped + known
    )
    if items:
        return "ok"
    list_pages = int((run.stats or {}).get("newsmon/list_pages", 0))
    return Finding(
        "zero_items",
        expected="at least one article link on the columns' list pages",
        seen=f"0 article links on {list_pages} list pages ({run.pages_fetched} pages fetched) in run {run.id}",
    )


def _error_share(run: CrawlRun) -> tuple[int, int]:
    counts = run.http_status_counts or {}
    errors = run.http_errors or sum(int(v) for v in counts.values())
    requests = max(run.pages_fetched + int(counts.get("exception", 0)), errors, 1)
    return errors, requests


def error_check(run: CrawlRun, baseline: list[CrawlRun], limits: Thresholds) -> Verdict:
    errors, requests = _error_share(run)
    share = errors / requests
    usual = mean(e / r for e, r in map(_error_share, baseline)) if baseline else 0.0
    limit = max(usual * limits.error_factor, usual + limits.error_margin)
    if errors < limits.error_min or share < limit:
        return "ok"
    counts = run.http_status_counts or {}
    # Most frequent first (JSONB does not keep the order the counts were written in).
    detail = ", ".join(f"{k}×{n}" for k, n in sorted(counts.items(), key=lambda kv: (-int(kv[1]), kv[0])))
    bans = sum(int(counts.get(s, 0)) for s in ("403", "429"))
    ban_note = f"; {bans} answers 403/429: the site may be blocking the crawler" if bans else ""
    return Finding(
        "error_spike",
        expected=f"under {_pct(limit)} of requests failing (usual {_pct(usual)} over {len(baseline)} recent runs)",
        seen=f"{errors} of {requests} requests failed ({_pct(share)}: {detail}) in run {run.id}{ban_note}",
    )


def usual_interval(times: list[datetime]) -> timedelta | None:
    """The mean gap between the site's publish times (newest first); None with fewer than two."""
    if len(times) < 2:
        return None
    return (max(times) - min(times)) / (len(times) - 1)


def quiet_check(session: Session, site: str, run_id: int | None, now: datetime, limits: Thresholds) -> Verdict:
    times = publish_times(session, site, limit=limits.quiet_history)
    interval = usual_interval(times)
    if len(times) < limits.quiet_min_articles or not interval:
        return "unknown"
    silence = now - max(times)
    allowed = interval * limits.quiet_factor
    if silence <= allowed:
        return "ok"
    run_note = f" (checked after run {run_id})" if run_id else ""
    return Finding(
        "quiet",
        expected=(
            f"a new article within {_days(allowed)} ({limits.quiet_factor:g}× the usual interval of "
            f"{_days(interval)}, learned from the newest {len(times)} articles)"
        ),
        seen=f"none for {_days(silence)}: newest published {max(times):%Y-%m-%d %H:%M}{run_note}",
    )


def _days(span: timedelta) -> str:
    return f"{span.total_seconds() / 86400:.1f} days"


def check_run(
    database: Database, run_id: int, *, now: datetime | None = None, limits: Thresholds | None = None
) -> list[int]:
    """Run every check on a finished run, record new alerts, resolve ones whose check now passes, send.

    Returns the ids of the alerts opened. An alert already open for the same site and kind is not opened
    again: ops get one alert per problem, and it closes itself when a later run passes the check.
    """
    limits = limits or Thresholds()
    moment = now or now_shanghai()
    with database.session() as session:
        found = run_row(session, run_id)
        if found is None:
            return []
        run, site = found
        baseline = recent_runs(session, site, before_run=run.id, limit=limits.baseline_runs)
        verdicts: dict[str, Verdict] = {
            "layout": layout_check(run, baseline, limits),
            "zero_items": zero_items_check(run),
            "error_spike": error_check(run, baseline, limits),
            "quiet": quiet_check(session, site, run.id, moment, limits) if run.status == "finished" else "unknown",
        }
        opened = _apply(session, site, run.id, verdicts)
    _send(database, opened)
    return opened


def check_quiet_sites(database: Database, sites: list[str], *, now: datetime | None = None) -> list[int]:
    """The quiet check alone, for every site (the scheduler runs it between crawls)."""
    limits = Thresholds()
    moment = now or now_shanghai()
    opened: list[int] = []
    with database.session() as session:
        for site in sites:
            opened += _apply(session, site, None, {"quiet": quiet_check(session, site, None, moment, limits)})
    _send(database, opened)
    return opened


def _apply(session: Session, site: str, run_id: int | None, verdicts: dict[str, Verdict]) -> list[int]:
    opened = []
    for kind, verdict in verdicts.items():
        if verdict == "ok":
            resolve_alerts(session, site=site, kind=kind)
        elif isinstance(verdict, Finding):
            alert_id = record_alert(
                session,
                site=site,
                kind=kind,
                expected=verdict.expected,
                seen=verdict.seen,
                message=verdict.message,
                run_id=run_id,
            )
            if alert_id is not None:
                opened.append(alert_id)
    return opened


def _send(database: Database, alert_ids: list[int]) -> None:
    if not alert_ids:
        return
    from crawler.alerts import deliver  # the channels are configured once per process

    deliver(database, alert_ids)

"""The sites newsmon crawls: every spider with its entry points, joined with what the database knows of it."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.spiderloader import SpiderLoader
from sqlalchemy.orm import Session

from crawler.run import project_settings
from db.queries import site_activity
from ground.sites import site_name


def spider_classes() -> list[type[Spider]]:
    """Every spider in spiders/, by name."""
    loader = SpiderLoader.from_settings(project_settings())
    return [loader.load(name) for name in sorted(loader.list())]


def _health(last_run: dict[str, Any] | None) -> str:
    if last_run is None:
        return "never crawled"
    if last_run["status"] == "finished" and last_run["pages_failed"]:
        return f"finished, {last_run['pages_failed']} failed pages"
    return str(last_run["status"])


def site_overview(session: Session, schedules: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One row a site: spider, domain, name, entry points, schedule, last run, article count, health.

    `schedules` maps spider names to a description of their schedule, where one is configured.
    """
    activity = site_activity(session)
    rows = []
    for spider in spider_classes():
        site = str(getattr(spider, "site", spider.name))
        domains = (site, *getattr(spider, "aliases", ()))
        runs = [activity[d]["last_run"] for d in domains if d in activity and activity[d].get("last_run")]
        last_run = max(runs, key=lambda run: run["id"]) if runs else None
        rows.append(
            {
                "spider": spider.name,
                "site": site,
                "name": site_name(site),
                "aliases": list(domains[1:]),
                "entry_points": list(getattr(spider, "columns", ())),
                "schedule": (schedules or {}).get(spider.name),
                "articles": sum(int(activity.get(d, {}).get("articles", 0)) for d in domains),
                "last_run": last_run,
                "health": _health(last_run),
            }
        )
    return rows

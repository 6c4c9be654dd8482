"""`newsmon alerts …`, `newsmon status` and `newsmon articles history ID`: what ops look at."""

from __future__ import annotations

import difflib
import itertools
from typing import Annotated, Any

import typer

from cli.checks import check_filters
from cli.database import reading, writing
from cli.options import AlertId, ArticleId, DbOption, JsonOption
from cli.output import console, fail, print_json, print_table

alerts_app: typer.Typer = typer.Typer(
    help="Alerts raised by the crawl checks (layout, quiet, zero items, error spike)."
)


@alerts_app.command("list")
def alerts_list(
    site: Annotated[list[str] | None, typer.Option("--site", help="Only this site's alerts (repeatable).")] = None,
    status: Annotated[str | None, typer.Option(help="open or resolved.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List alerts, newest first: what was expected, what was seen, which run."""
    from db.queries import ALERT_STATUSES
    from db.runs import list_alerts

    if status is not None and status not in ALERT_STATUSES:
        fail(f"no status {status!r}; statuses: {', '.join(ALERT_STATUSES)}", code=2)
    with reading(db) as database, database.session() as session:
        check_filters(session, site)
        rows = list_alerts(session, site=site, status=status, limit=limit)
    if json_out:
        print_json(rows)
    else:
        print_table(rows, ["id", "created_at", "site", "kind", "status", "run_id", "expected", "seen"])


@alerts_app.command("resolve")
def alerts_resolve(alert_id: AlertId, db: DbOption = None) -> None:
    """Close an alert by hand (alerts also close themselves when a later run passes the check)."""
    from db.runs import resolve_alerts

    with writing(db) as database, database.session() as session:
        closed = resolve_alerts(session, site="", alert_id=alert_id)
    if not closed:
        fail(f"no open alert {alert_id}")
    console.print(f"alert {alert_id} resolved")


def status(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Per site: last run, next scheduled run, articles in the last 7 days against the usual, open alerts."""
    from datetime import datetime

    from db.queries import site_health
    from db.types import SHANGHAI
    from scheduler import next_runs

    with reading(db) as database, database.session() as session:
        sites = site_health(session, now=datetime.now(SHANGHAI))
        schedules = next_runs(session)
    domains = _spider_sites() if schedules else {}
    by_domain = {domain: spider for spider, domain in domains.items()}
    known = {row["site"] for row in sites}
    # A scheduled site that was never crawled has no row yet; it still belongs in the overview.
    for spider in sorted(schedules):
        if domains.get(spider, spider) not in known:
            sites.append(
                {
                    "site": domains.get(spider, spider),
                    "last_run": None,
                    "articles_7d": 0,
                    "usual_7d": 0.0,
                    "open_alerts": 0,
                }
            )
    for row in sites:
        name = by_domain.get(row["site"])
        row["scheduled"] = name in schedules
        row["next_run_at"] = schedules.get(name) if name else None
    if json_out:
        print_json(sites)
        return
    rows = [
        {
            "site": r["site"],
            "last run": _run_cell(r["last_run"]),
            "next run": _short(r["next_run_at"]) or ("paused" if r["scheduled"] else "not scheduled"),
            "articles 7d / usual": f"{r['articles_7d']} / {r['usual_7d']}",
            "open alerts": r["open_alerts"],
        }
        for r in sites
    ]
    print_table(rows, ["site", "last run", "next run", "articles 7d / usual", "open alerts"], title="newsmon status")


def _spider_sites() -> dict[str, str]:
    """spider name → site domain (loading the spiders imports Scrapy: only when there are schedules to show)."""
    from crawler.run import spider_names

    return spider_names()


def _run_cell(run: dict[str, Any] | None) -> str:
    if run is None:
        return "never"
    return f"#{run['id']} {run['status']} {_short(run['finished_at'] or run['started_at'])}"


def _short(iso: str | None) -> str:
    """2026-11-25T19:00:00.123+08:00 → 2026-11-25 19:00 (every time newsmon shows is Asia/Shanghai)."""
    return iso[:16].replace("T", " ") if iso else ""


def articles_history(article_id: ArticleId, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Every stored version of an article and what changed between them (a unified diff)."""
    from db.queries import article_history, get_article

    with reading(db) as database, database.session() as session:
        article = get_article(session, article_id)
        versions = article_history(session, article_id)
    if article is None:
        fail(f"no article {article_id}")
        return
    for previous, current in itertools.pairwise(versions):
        current["diff"] = version_diff(previous, current)
    if json_out:
        print_json({"id": article_id, "url": article["url"], "removed_at": article["removed_at"], "versions": versions})
        return
    console.print(f"[bold]{article['title']}[/] — {article['url']}")
    if article["removed_at"]:
        console.print(f"[red]removed from the site[/] (HTTP 404/410 since {article['removed_at']})")
    print_table(versions, ["version", "seen_at", "run_id", "title"], title=f"{len(versions)} versions")
    for version in versions[1:]:
        console.print(f"\n[bold]version {version['version'] - 1} → {version['version']}[/]")
        console.print(version["diff"], markup=False, highlight=False)


def version_diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    """A unified diff of title and body, one paragraph per line."""
    before = [f"# {old['title']}", *old["body"].split("\n")]
    after = [f"# {new['title']}", *new["body"].split("\n")]
    lines = difflib.unified_diff(
        before, after, f"version {old['version']}", f"version {new['version']}", lineterm="", n=1
    )
    return "\n".join(lines)

"""`newsmon crawl` and `newsmon runs`: crawl sites into the database, and what each crawl did."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.checks import check_filters
from cli.database import reading, writing
from cli.options import DbOption, JsonOption, RunId
from cli.output import console, fail, fail_on, print_json, print_table

runs_app = typer.Typer(help="Crawl runs: what each crawl did.", no_args_is_help=True)


def crawl(
    sites: Annotated[
        list[str], typer.Argument(help="Spider names or site domains (people, news.cn …), or `all` for every site.")
    ],
    db: DbOption = None,
    mirror: Annotated[
        str | None,
        typer.Option(help="Fetch every URL from a running mirror server, e.g. http://127.0.0.1:8765."),
    ] = None,
    mirror_dir: Annotated[
        Path | None,
        typer.Option(
            exists=True, file_okay=False, help="Serve this mirror directory on 127.0.0.1 for the crawl's duration."
        ),
    ] = None,
    full: Annotated[bool, typer.Option(help="Do not stop at already-stored URLs (backfill).")] = False,
    max_list_pages: Annotated[int | None, typer.Option(help="How deep to follow each column's pages.")] = None,
    recheck_days: Annotated[
        int | None,
        typer.Option(help="Also fetch again the articles first seen or published in the last N days (edits, 404s)."),
    ] = None,
    trigger: Annotated[str, typer.Option(help="Recorded on the run: manual or schedule.")] = "manual",
    state_dir: Annotated[
        str | None,
        typer.Option(help="Crawl state (job dirs that let a stopped crawl resume); default: beside the SQLite file."),
    ] = None,
    distributed: Annotated[
        bool, typer.Option(help="Seed a crawl shared over Redis and work on it; see `newsmon worker`.")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Crawl sites' columns into the database, all in one process, and record a run per site.

    With one site, --json prints its run; with several (or `all`), a list of runs. A crawl that was stopped or
    killed half-way is carried on by the next crawl of the same site.
    """
    from crawler.distributed import options_from_env
    from crawler.run import CrawlOptions, resolve_spiders, run_crawls
    from db.runs import get_run

    spiders, unknown = resolve_spiders(sites)
    if unknown or not spiders:
        from crawler.run import spider_names

        fail(
            f"no spider for {', '.join(map(repr, unknown or sites))}; known: {', '.join(sorted(spider_names()))}, all",
            code=2,
        )
        return
    with writing(db):
        pass  # migrate and seed before Scrapy starts, so a bad URL fails here with a clear message
    with contextlib.ExitStack() as stack:
        if mirror_dir is not None:
            from mirror.serve import MirrorServer

            server = stack.enter_context(MirrorServer(mirror_dir, port=0))
            mirror = server.url
        from crawler.jobs import CrawlBusy
        from crawler.run import CrawlStopped

        with console.status(f"crawling {', '.join(spiders)}…", spinner="dots"), fail_on(CrawlBusy, CrawlStopped):
            run_ids = run_crawls(
                spiders,
                CrawlOptions(
                    db_url=db,
                    mirror=mirror,
                    full=full,
                    trigger=trigger,
                    max_list_pages=max_list_pages,
                    recheck_days=recheck_days,
                    log_level=logging.getLevelName(logging.getLogger().level),
                    state_dir=state_dir,
                    distributed=options_from_env("seeder") if distributed else None,
                ),
            )
    if any(run_id is None for run_id in run_ids):
        fail("a crawl did not start (see the log above)")
        return
    with reading(db) as database, database.session() as session:
        runs = [get_run(session, run_id) for run_id in run_ids if run_id is not None]
    if json_out:
        print_json(runs[0] if len(sites) == 1 and len(runs) == 1 and sites[0].lower() != "all" else runs)
    else:
        for run in runs:
            assert run is not None
            print_run(run)
    if any(run is not None and run["status"] in NOT_DONE for run in runs):
        raise typer.Exit(1)


# A run with work left undone exits non-zero: a scheduler or script must not take it for a finished one.
NOT_DONE = ("failed", "incomplete", "interrupted", "running")


def print_run(run: dict[str, Any]) -> None:
    colour = {"finished": "green", "failed": "red", "incomplete": "red"}.get(str(run["status"]), "yellow")
    console.print(
        f"run {run['id']} [{colour}]{run['status']}[/]: {run['site']} — "
        f"{run['pages_fetched']} pages, {run['articles_new']} new, {run['articles_changed']} changed, "
        f"{run['articles_unchanged']} unchanged, {run['pages_failed']} failed, "
        f"{run['http_errors']} HTTP errors"
    )
    if run.get("message"):
        console.print(f"  {run['message']}")
    details = {
        "trigger": run.get("trigger"),
        "removed": run.get("articles_removed") or None,
        "resumed run": run.get("resumed_from"),
        "HTTP errors": ", ".join(f"{k}×{v}" for k, v in dict(run.get("http_status_counts") or {}).items()) or None,
        "coverage": ", ".join(
            f"{k} {v:.0%}" for k, v in dict(run.get("field_coverage") or {}).items() if k in _COVERAGE_SHOWN
        )
        or None,
    }
    for key, value in details.items():
        if value is not None:
            console.print(f"  [dim]{key}:[/] {value}")


_COVERAGE_SHOWN = ("title", "published_at", "body", "source", "body_site_rule")


def _now() -> datetime:
    from db.types import SHANGHAI

    return datetime.now(SHANGHAI)


@runs_app.command("list")
def runs_list(
    site: Annotated[list[str] | None, typer.Option("--site", help="Only this site's runs (repeatable).")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List crawl runs, newest first (a worker's run whose heartbeat stopped shows as interrupted)."""
    from db.runs import list_runs, show_abandoned

    with reading(db) as database, database.session() as session:
        check_filters(session, site)
        rows = show_abandoned(session, list_runs(session, site=site, limit=limit), now=_now())
    if json_out:
        print_json(rows)
    else:
        print_table(
            rows,
            [
                "id",
                "site",
                "trigger",
                "status",
                "started_at",
                "pages_fetched",
                "articles_new",
                "articles_unchanged",
                "pages_failed",
                "http_errors",
                "message",
            ],
        )


@runs_app.command("show")
def runs_show(run_id: RunId, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Show one crawl run with its failed pages."""
    from db.runs import get_run, show_abandoned

    with reading(db) as database, database.session() as session:
        run = get_run(session, run_id)
        if run is not None:
            run = show_abandoned(session, [run], now=_now())[0]
    if run is None:
        fail(f"no run {run_id}")
        return
    if json_out:
        print_json(run)
        return
    print_run(run)
    if run["failed_pages"]:
        print_table(run["failed_pages"], ["id", "url", "http_status", "reason"], title="failed pages")

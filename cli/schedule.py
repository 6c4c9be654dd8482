"""`newsmon schedule …` (persisted crawl schedules) and `newsmon scheduler run` (the service)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.database import reading, require_newsmon_database, writing
from cli.options import DbOption, JsonOption
from cli.output import console, fail, print_json, print_table

schedule_app: typer.Typer = typer.Typer(
    help="Crawl schedules, kept in the database (run them with `newsmon scheduler run`)."
)
scheduler_app: typer.Typer = typer.Typer(
    help="The scheduler service that starts scheduled crawls.", no_args_is_help=True
)

SiteArg = Annotated[str, typer.Argument(help="Spider name or site domain, e.g. people or people.com.cn.")]
COLUMNS = ["site", "trigger", "next_run_at", "paused"]


def _spider(site: str) -> str:
    from crawler.run import resolve_spider, spider_names

    spider = resolve_spider(site)
    if spider is None:
        fail(f"no spider for {site!r}; known: {', '.join(sorted(spider_names()))}", code=2)
    assert spider is not None
    return spider


def _show(record: dict[str, Any] | None, json_out: bool, verb: str) -> None:
    if json_out:
        print_json(record)
    elif record is not None:
        when = record["next_run_at"] or "paused"
        console.print(f"{record['site']}: {verb} — {record['trigger']}, next run {when}")


@schedule_app.command("add")
def schedule_add(
    site: SiteArg,
    cron: Annotated[
        str | None, typer.Option(help="Crontab expression in Asia/Shanghai time, e.g. '0 */2 * * *'.")
    ] = None,
    every: Annotated[str | None, typer.Option(help="Interval: a number and s/m/h/d, e.g. 30m, 6h, 1d.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Schedule crawls of SITE (replacing its schedule if it has one)."""
    from scheduler import add_schedule

    spider = _spider(site)
    require_newsmon_database(db)
    try:
        record = add_schedule(db, spider, cron=cron, every=every)
    except ValueError as error:
        fail(str(error), code=2)
        return
    _show(record, json_out, "scheduled")


@schedule_app.command("list")
def schedule_list(db: DbOption = None, json_out: JsonOption = False) -> None:
    """List schedules with their next run (empty when paused)."""
    from scheduler import schedule_records

    with reading(db) as database, database.session() as session:
        rows = schedule_records(session)
    if json_out:
        print_json(rows)
    else:
        print_table(rows, COLUMNS, title=f"{len(rows)} schedules")


def _edit(action: str, site: str, db: str | None, json_out: bool) -> None:
    import scheduler

    spider = _spider(site)
    require_newsmon_database(db)
    try:
        record = getattr(scheduler, f"{action}_schedule")(db, spider)
    except KeyError as error:
        fail(str(error.args[0]))
        return
    if action == "remove":
        if json_out:
            print_json({"site": spider, "removed": True})
        else:
            console.print(f"{spider}: schedule removed")
        return
    _show(record, json_out, f"{action}d")


@schedule_app.command("pause")
def schedule_pause(site: SiteArg, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Pause SITE's schedule (kept, not run, until resumed)."""
    _edit("pause", site, db, json_out)


@schedule_app.command("resume")
def schedule_resume(site: SiteArg, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Resume SITE's paused schedule from now."""
    _edit("resume", site, db, json_out)


@schedule_app.command("remove")
def schedule_remove(site: SiteArg, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Delete SITE's schedule."""
    _edit("remove", site, db, json_out)


@scheduler_app.command("run")
def scheduler_run(db: DbOption = None) -> None:
    """Run the scheduler until SIGTERM/Ctrl-C: start each due crawl as a subprocess.

    One per database: a second one refuses to start while the first holds the lease.
    """
    import logging

    from scheduler import SchedulerLocked, SchedulerService

    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # APScheduler's INFO is three lines a job ("Running job", "executed successfully" even for a crawl that
        # failed or was stopped); the launcher's one line says how each crawl ended.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    with writing(db):
        pass  # migrate before the job store is touched, with a clear message on a bad URL
    service = SchedulerService(db)
    try:
        service.run_forever()
    except SchedulerLocked as error:
        fail(str(error))

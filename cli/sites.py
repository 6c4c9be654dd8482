"""`newsmon sites`: the sites newsmon crawls, their entry points, schedules, last runs and health."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import print_json, print_table

sites_app = typer.Typer(help="The sites newsmon crawls.", no_args_is_help=True)


@sites_app.command("list")
def sites_list(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (setting: database.url)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")] = False,
) -> None:
    """Every site: spider, entry points, schedule, last run, articles stored and health (last run's status)."""
    from cli.database import reading
    from crawler.catalog import site_overview

    with reading(db) as database, database.session() as session:
        rows = site_overview(session)
    if json_out:
        print_json(rows)
        return
    table = [
        {
            "spider": row["spider"],
            "site": " ".join([row["site"], *row["aliases"]]),
            "name": row["name"],
            "entry points": "\n".join(row["entry_points"]),
            "schedule": row["schedule"] or "—",
            "last run": f"{row['last_run']['started_at'][:16]} #{row['last_run']['id']}" if row["last_run"] else "—",
            "articles": row["articles"],
            "health": row["health"],
        }
        for row in rows
    ]
    print_table(table, ["spider", "site", "name", "entry points", "schedule", "last run", "articles", "health"])

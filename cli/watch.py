"""`newsmon watch …`: saved queries matched at ingest, sent as digests after each crawl and served as Atom feeds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.database import reading, writing
from cli.options import DbOption, JsonOption
from cli.output import console, fail, print_json, print_table

watch_app: typer.Typer = typer.Typer(
    help="Watches: saved searches matched against every new article; digests by webhook/email, an Atom feed each.",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="The watch's name (its feed is /watch/NAME.atom).")]


@watch_app.command("add")
def watch_add(
    name: Name,
    query: Annotated[
        str,
        typer.Argument(
            help='A search query (as `newsmon search`), e.g. 数据要素 OR "一网 通办"; "" for filters alone.'
        ),
    ],
    site: Annotated[str | None, typer.Option(help="Only articles of this site (domain or name).")] = None,
    speaker: Annotated[str | None, typer.Option(help="Only articles where this person speaks.")] = None,
    org: Annotated[
        str | None, typer.Option(help="Only speakers of this body (name or alias; its departments included).")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind of text, e.g. speech_full_text.")] = None,
    new_term: Annotated[
        bool, typer.Option("--new-term", help="Also report terms new to the archive or rising, with their first use.")
    ] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Save a watch. Every article stored from now on is matched against it; the archive is search's."""
    from analysis.watch_match import create_watch

    with writing(db) as database:
        try:
            with database.session() as session:
                watch = create_watch(
                    session, name, query, site=site, speaker=speaker, org=org, kind=kind, new_term=new_term
                )
        except ValueError as error:
            fail(str(error))
            return
    if json_out:
        print_json(watch)
    else:
        console.print(f"watch {watch['name']} added; feed {watch['feed']}", highlight=False)


@watch_app.command("list")
def watch_list(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Every watch: its query and filters, status, matches (copies apart) and matches not yet sent."""
    from db.watches import list_watches

    with reading(db) as database, database.session() as session:
        rows = list_watches(session)
    if json_out:
        print_json(rows)
        return
    for row in rows:
        row["filters"] = _filters(row)
        row["last_match_at"] = (row["last_match_at"] or "")[:16].replace("T", " ")
    print_table(
        rows, ["name", "query", "filters", "status", "matches", "copies", "pending", "last_match_at"], title="watches"
    )


def _filters(watch: dict[str, Any]) -> str:
    shown = [f"{key}={watch[key]}" for key in ("site", "speaker", "org", "kind") if watch[key]]
    return " ".join(shown + (["new-term"] if watch["new_term"] else []))


@watch_app.command("show")
def watch_show(
    name: Name,
    limit: Annotated[int, typer.Option(min=1, help="How many of the latest matches to show.")] = 20,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """One watch: definition, matches per month, latest matches with their sentences, new terms, digests sent."""
    from db.watches import get_watch

    with reading(db) as database, database.session() as session:
        watch = get_watch(session, name, latest=limit)
    if watch is None:
        fail(f"no watch named {name}")
        return
    if json_out:
        print_json(watch)
        return
    console.print(f"[bold]{watch['name']}[/] {watch['query']} {_filters(watch)} — {watch['status']}", highlight=False)
    console.print(
        f"{watch['matches']} matches, {watch['copies']} copies, {watch['pending']} not yet sent; feed {watch['feed']}",
        highlight=False,
    )
    per_month = [{"month": m, "matches": n} for m, n in watch["per_month"].items()]
    if per_month:
        print_table(per_month, ["month", "matches"], title="matches per month")
    for m in watch["latest"]:
        copies = f" (+{len(m['copies'])} copies)" if m["copies"] else ""
        console.print(
            f"#{m['article_id']} {(m['published_at'] or '')[:10]} {m['site_name']} {m['title']}{copies}",
            highlight=False,
            markup=False,
        )
        console.print(f"    {m['sentence']}", highlight=False, markup=False)
    if watch["new_terms"]:
        rows = [{**t, "first": (t["first_article"] or {}).get("title")} for t in watch["new_terms"]]
        print_table(rows, ["term", "change", "articles", "share_before", "share_now", "first"], title="new terms")
    if watch["digests"]:
        print_table(
            watch["digests"], ["sent_at", "channel", "status", "attempts", "matches", "terms", "error"], title="digests"
        )


def _set_status(name: str, status: str, db: str | None, json_out: bool) -> None:
    from db.watches import set_status

    with writing(db) as database, database.session() as session:
        found = set_status(session, name, status)
    if not found:
        fail(f"no watch named {name}")
    if json_out:
        print_json({"name": name, "status": status})
    else:
        console.print(f"watch {name} {status}")


@watch_app.command("pause")
def watch_pause(name: Name, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Stop matching new articles (matches so far are kept)."""
    _set_status(name, "paused", db, json_out)


@watch_app.command("resume")
def watch_resume(name: Name, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Match new articles again (those stored while paused are not matched)."""
    _set_status(name, "active", db, json_out)


@watch_app.command("remove")
def watch_remove(name: Name, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Delete a watch with its matches, terms and digest records."""
    from db.watches import remove_watch

    with writing(db) as database, database.session() as session:
        found = remove_watch(session, name)
    if not found:
        fail(f"no watch named {name}")
    if json_out:
        print_json({"name": name, "removed": True})
    else:
        console.print(f"watch {name} removed")


@watch_app.command("digest")
def watch_digest(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Run the new-term check and send the digests now (a crawl run does this when it ends)."""
    from crawler.alerts.digest import after_crawl_run

    with writing(db) as database:
        report = after_crawl_run(database, None)
    if json_out:
        print_json(report)
    else:
        print_table(report, ["watch", "channel", "status", "attempts", "matches", "terms", "error"], title="digests")

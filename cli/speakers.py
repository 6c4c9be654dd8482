"""`newsmon speakers`: the registry of officials — who spoke, in which roles over time, in which articles."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.database import reading, writing
from cli.options import DbOption, DedupeChoice, JsonOption
from cli.output import console, fail, print_json, print_table

app = typer.Typer(help="Officials who spoke: roles over time and their articles.", no_args_is_help=True)


@app.command("list")
def speakers_list(
    org: Annotated[
        str | None, typer.Option(help="Only speakers of this body (name or alias: 工信部 includes its departments).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 200,
    dedupe: Annotated[
        DedupeChoice, typer.Option(help="reprints: count each speech once (the default); copies: count every copy.")
    ] = DedupeChoice.reprints,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List speakers, most articles first, with their latest post and the days they were first and last seen."""
    from db.registry import list_speakers

    with reading(db) as database, database.session() as session:
        rows = list_speakers(session, org=org, limit=limit, dedupe=dedupe.value_literal)
    if json_out:
        print_json(rows)
    else:
        print_table(rows, ["name", "role", "org", "articles", "first_seen", "last_seen"], title=f"{len(rows)} speakers")


@app.command("show")
def speakers_show(
    name: Annotated[str, typer.Argument(help="The person's name, e.g. 谢少锋.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show one speaker: roles over time, articles by kind and by year, and the articles."""
    from db.registry import get_speaker

    with reading(db) as database, database.session() as session:
        speaker = get_speaker(session, name)
    if speaker is None:
        fail(f"no speaker named {name}")
        return
    if json_out:
        print_json(speaker)
        return
    console.print(f"[bold]{speaker['name']}[/]")
    print_table(speaker["roles"], ["role", "org", "first_seen", "last_seen"], title="roles over time")
    by_kind = [{"kind": k, "articles": n} for k, n in speaker["articles_by_kind"].items()]
    by_year = [{"year": y, "articles": n} for y, n in speaker["articles_by_year"].items()]
    print_table(by_kind, ["kind", "articles"], title="articles by kind")
    print_table(by_year, ["year", "articles"], title="articles by year")
    print_table(speaker["articles"], ["id", "spoken_on", "published_at", "kind", "title", "occasion"], title="articles")


@app.command("attribute")
def speakers_attribute(
    every: Annotated[bool, typer.Option("--all", help="Every article, not only those never attributed.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Attribute stored articles again (kind, speakers, occasion, place, day) from their stored text.

    Articles stored before attribution existed have none; --all re-runs it after the rules or registry changed.
    """
    from pipelines.reattribute import reattribute_articles

    with writing(db) as database, console.status("attributing…"):
        done = reattribute_articles(database.session, every=every)
    if json_out:
        print_json({"attributed": done})
    else:
        console.print(f"attributed {done} articles")

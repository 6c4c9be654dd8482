"""Reprint clusters in the CLI: the original/reprints block of `articles show` and `newsmon reprints …`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.output import console, print_json

reprints_app = typer.Typer(help="Reprint clusters: which copies of a text exist and which one is the original.")

MAX_CHANGE_CHARS = 60


def _line(entry: dict[str, Any]) -> str:
    this = " [bold](this article)[/]" if entry.get("this") else ""
    return f"#{entry['id']} {entry['site_name']} {entry['published_at'] or ''} {entry['url']}{this}"


def _short(text: str) -> str:
    return text if len(text) <= MAX_CHANGE_CHARS else text[:MAX_CHANGE_CHARS] + "…"


def print_reprints(article: dict[str, Any]) -> None:
    """The cluster block of `articles show`: original, then each copy with similarity and changed paragraphs."""
    console.print(f"[dim]{'original':>14}[/] {_line(article['original'])}")
    for copy in article["reprints"]:
        changes = copy["changes"]
        console.print(
            f"[dim]{'reprint':>14}[/] {_line(copy)} — similarity {copy['similarity']:.2f}, "
            f"+{len(changes['added'])}/-{len(changes['removed'])} paragraphs",
            highlight=False,
        )
        for sign, key in (("+", "added"), ("-", "removed")):
            for paragraph in changes[key]:
                console.print(f"{'':>16}{sign} {_short(paragraph)}", markup=False, highlight=False)


@reprints_app.command("reindex")
def reindex_command(
    db: Annotated[str | None, typer.Option("--db", help="Database URL (setting: database.url).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Match articles stored before reprint matching existed (oldest first); articles already matched are kept."""
    from rich.progress import Progress

    from analysis.reprints import match_article
    from cli.database import writing
    from db.reprints import unindexed_article_ids

    with writing(db) as database:
        with database.session() as session:
            pending = unindexed_article_ids(session)
        with Progress(console=console, transient=True, disable=json_out) as progress:
            task = progress.add_task("matching", total=len(pending))
            for article_id in pending:
                with database.session() as session:  # one transaction per article, as at ingest
                    match_article(session, article_id)
                progress.advance(task)
    if json_out:
        print_json({"matched": len(pending)})
    else:
        console.print(f"matched {len(pending)} articles")

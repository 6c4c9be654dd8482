"""The dashboard's watch pages and Atom feeds: /watches, /watch/NAME, /watch/NAME.atom (read-only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from db.engine import Database
from db.types import now_shanghai
from db.watches import feed_entries, find_watch, get_watch, list_watches, watch_json

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50
WatchName = Annotated[str, PathParam(max_length=100)]


def entry_id(watch_id: int, article_id: int) -> str:
    """An entry's id: the same for an article in a watch's feed however often the feed is read or rebuilt."""
    return f"urn:newsmon:watch:{watch_id}:article:{article_id}"


def atom_feed(watch: dict[str, Any], entries: list[dict[str, Any]], *, self_url: str, base_url: str) -> bytes:
    """The watch's matches as an Atom 1.0 document (RFC 4287), in the order given (newest first)."""
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    add(feed, "id", f"urn:newsmon:watch:{watch['id']}")
    add(feed, "title", f"newsmon · {watch['name']}")
    add(feed, "subtitle", watch["query"] or "(filters only)")
    updated = max([e["matched_at"] for e in entries if e["matched_at"]], default=None)
    add(feed, "updated", updated or watch["created_at"] or now_shanghai().isoformat())
    add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    add(feed, "link", rel="alternate", type="text/html", href=f"{base_url}/watch/{watch['name']}")
    author = add(feed, "author")
    add(author, "name", "newsmon")
    add(feed, "generator", "newsmon")
    for e in entries:
        entry = add(feed, "entry")
        add(entry, "id", entry_id(watch["id"], e["article_id"]))
        add(entry, "title", e["title"])
        add(entry, "link", rel="alternate", type="text/html", href=e["url"])
        add(entry, "updated", e["matched_at"])
        if e["published_at"]:
            add(entry, "published", e["published_at"])
        source_author = add(entry, "author")
        add(source_author, "name", e["site_name"])
        for speaker in e["speakers"]:
            add(entry, "category", term=speaker, label=f"speaker: {speaker}")
        lines = [e["sentence"], f"{e['site_name']} ({e['site']})"]
        if e["speakers"]:
            lines.append("speakers: " + "、".join(e["speakers"]))
        lines += [f"also at {c['site_name']}: {c['url']}" for c in e["copies"]]
        add(entry, "summary", "\n".join(lines), type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def register(
    app: FastAPI,
    database: Database,
    page: Callable[..., HTMLResponse],
    error: Callable[[Request, int, str], HTMLResponse],
) -> None:
    """Add the watch routes to the dashboard (the feed's route before the page's: both end in the name)."""

    @app.get("/watches", response_class=HTMLResponse)
    def watches_page(request: Request) -> HTMLResponse:
        with database.session() as session:
            watches = list_watches(session)
        return page(request, "watches.html", title="关注 Watches", watches=watches)

    @app.get("/watch/{name}.atom")
    def watch_feed(request: Request, name: WatchName) -> Response:
        with database.session() as session:
            watch = find_watch(session, name)
            if watch is None:
                return error(request, 404, f"no watch named {name}")
            entries = feed_entries(session, watch.id, limit=FEED_ENTRIES)
            described = watch_json(watch)
        base = str(request.base_url).rstrip("/")
        body = atom_feed(described, entries, self_url=str(request.url), base_url=base)
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    @app.get("/watch/{name}", response_class=HTMLResponse)
    def watch_page(request: Request, name: WatchName) -> HTMLResponse:
        with database.session() as session:
            watch = get_watch(session, name, latest=30)
        if watch is None:
            return error(request, 404, f"no watch named {name}")
        chart = {"months": list(watch["per_month"]), "matches": list(watch["per_month"].values())}
        return page(request, "watch.html", title=f"关注 {name}", watch=watch, chart=chart)

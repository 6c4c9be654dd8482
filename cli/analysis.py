"""Analyst commands: search, trend, first, who, terms, export and the web dashboard."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.options import DbOption, DedupeChoice, JsonOption
from cli.output import console, fail, print_json, print_table

log = logging.getLogger(__name__)

SiteOption = Annotated[
    list[str] | None,
    typer.Option("--site", help="Only this site (domain or name: people.com.cn, 人民网); repeat for several."),
]
FromOption = Annotated[
    datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="Published on or after (YYYY-MM-DD).")
]
ToOption = Annotated[
    datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Published on or before (YYYY-MM-DD).")
]
SpeakerOption = Annotated[str | None, typer.Option(help="Only articles carrying this official's words (name).")]
OrgOption = Annotated[
    str | None,
    typer.Option(help="Only articles with a speaker of this body (name or alias; 工信部 includes its departments)."),
]
KindOption = Annotated[
    str | None,
    typer.Option(help="Only this kind: speech_full_text, speech_excerpt, speech_report, press_conference, …"),
]
DedupeOption = Annotated[
    DedupeChoice | None,
    typer.Option(help="copies: every copy (the default here); reprints: each speech once (its original)."),
]
CountDedupeOption = Annotated[
    DedupeChoice | None,
    typer.Option(help="reprints: each speech counts once (the default here); copies: every copy counts."),
]
TermsFileOption = Annotated[
    Path | None,
    typer.Option(
        "--terms-file",
        exists=True,
        dir_okay=False,
        help="Your own terms (same format as data/terms/egov.txt) added to the curated vocabulary.",
    ),
]


def _filters(
    site: list[str] | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    speaker: str | None = None,
    org: str | None = None,
    kind: str | None = None,
    dedupe: DedupeChoice | None = None,
) -> Any:
    from db.filters import Filters

    return Filters(
        site=(site[0] if len(site) == 1 else tuple(site)) if site else None,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        speaker=speaker,
        org=org,
        kind=kind,
        dedupe=dedupe.value_literal if dedupe else None,
    )


def _run(function: Any, db: str | None, *args: Any, limited: bool = True, core: bool = False, **kwargs: Any) -> Any:
    """Open the database, call one analysis function in a transaction under the query time limit (db/limits.py;
    NEWSMON_QUERY_TIMEOUT seconds, default 2, 0 for none); a bad or cut query is a one-line error. With `core` the
    function reads on a Core connection (it is built on db/tables.py), so the ORM is never imported."""
    from cli.database import reading
    from db.limits import time_limit
    from ground.query import QueryError

    with reading(db) as database, database.connection() if core else database.session() as reader:
        try:
            if not limited:
                return function(reader, *args, **kwargs)
            with time_limit(reader):
                return function(reader, *args, **kwargs)
        except QueryError as error:
            fail(str(error), code=2)


@contextlib.contextmanager
def _fail_on(error_type: type[Exception]) -> Iterator[None]:
    """An expected error (a missing optional extra) as a one-line message, exit 2."""
    try:
        yield
    except error_type as error:
        fail(str(error), code=2)


@contextlib.contextmanager
def _cannot_write(path: Path) -> Iterator[None]:
    """A file that cannot be written (a directory, no such folder, no permission, disk full) as one line, exit 2."""
    try:
        yield
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror or error}", code=2)


def search(
    query: Annotated[
        str, typer.Argument(help='Words or "quoted phrases"; OR, NOT (or -word), parentheses. "" browses the filters.')
    ],
    site: SiteOption = None,
    speaker: SpeakerOption = None,
    org: OrgOption = None,
    kind: KindOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    dedupe: DedupeOption = None,
    sort: Annotated[str, typer.Option(help="relevance (best first), date (newest first) or oldest.")] = "relevance",
    facets: Annotated[
        bool,
        typer.Option("--facets", help="Also count the matches per site, 来源, kind, year, speaker and organisation."),
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many hits.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many hits (paging).")] = 0,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Full-text search over titles and bodies, best match (or newest) first, with highlighted snippets.

    A word matches as written: 数字政府 finds the four characters together, never 数字 … 政府 apart. An empty
    query lists the articles passing the filters, newest first.
    """
    from analysis.search import facets as run_facets
    from analysis.search import mark_to_rich
    from analysis.search import search as run_search

    filters = _filters(site, date_from, date_to, speaker, org, kind, dedupe)
    page = _run(run_search, db, query, filters, limit=limit, offset=offset, sort=sort, core=True)
    counts = _run(run_facets, db, query, filters, core=True) if facets else None
    if json_out:
        print_json({**page.to_json(), **({"facets": counts} if counts is not None else {})})
        return
    matched = f"match [bold]{query}[/]" if query.strip() else "pass the filters"
    console.print(f"{page.total_text} articles {matched}", highlight=False)
    for hit in page.hits:
        score = f" score {hit['score']}" if hit["score"] is not None else ""
        copies = f" {hit['copies']} copies" if hit.get("copies", 1) > 1 else ""
        console.print(
            f"\n[bold]{hit['id']}[/] {mark_to_rich(hit['title_html'])}  "
            f"[dim]{(hit['published_at'] or '')[:10]} {hit['site_name']} {'、'.join(hit['speakers'])} "
            f"{hit['kind'] or ''}{score}{copies}[/]",
            highlight=False,
        )
        console.print("   " + mark_to_rich(hit["snippet"]), highlight=False)
    for facet, values in (counts or {}).items():
        if values:
            print_table(values, ["label", "articles"], title=f"by {facet}")


def context(
    term: Annotated[
        str, typer.Argument(help="A term or query whose sentences to read (一网通办, '放管服 OR 简政放权').")
    ],
    site: SiteOption = None,
    speaker: SpeakerOption = None,
    org: OrgOption = None,
    kind: KindOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    dedupe: CountDedupeOption = None,
    oldest: Annotated[bool, typer.Option("--oldest", help="Oldest articles first (default: newest first).")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many sentences.")] = 50,
    db: DbOption = None,
    json_out: JsonOption = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """A term in context: each sentence that holds it, with the article's date, site and speaker.

    A reprinted speech is read once unless --dedupe copies.
    """
    from analysis.context import CONTEXT_COLUMNS, contexts
    from analysis.export import csv_text
    from analysis.search import mark_to_rich

    filters = _filters(site, date_from, date_to, speaker, org, kind, dedupe)
    order = "oldest" if oldest else "newest"
    found = _run(contexts, db, term, filters, order=order, limit=limit, core=True)
    if json_out:
        print_json(found.to_json())
    elif csv_out:
        sys.stdout.write(csv_text(found.rows, CONTEXT_COLUMNS, bom=False))
    elif not found.rows:
        console.print(f"no sentence holds {term}")
    else:
        for row in found.rows:
            console.print(
                f"[dim]{(row['published_at'] or '')[:10]} {row['site_name']} {row['speaker'] or ''} #{row['id']}[/]\n"
                f"  {mark_to_rich(row['sentence_html'])}",
                highlight=False,
            )


def trend(
    queries: Annotated[
        list[str],
        typer.Argument(
            help="One or more terms or full queries (一网通办, '\"一网通办\" OR 指尖办 NOT 试点'); curated terms count "
            "all their variants."
        ),
    ],
    by: Annotated[str, typer.Option(help="Period: month, quarter or year.")] = "month",
    site: SiteOption = None,
    speaker: SpeakerOption = None,
    org: OrgOption = None,
    kind: KindOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    dedupe: CountDedupeOption = None,
    per: Annotated[int, typer.Option(min=1, help="Share per this many articles of the period.")] = 1000,
    floor: Annotated[
        int, typer.Option(min=0, help="Periods with fewer articles than this are uncertain (kept off a chart's scale).")
    ] = 30,
    chart: Annotated[Path | None, typer.Option(help="Also draw the shares as a PNG chart here.")] = None,
    count: Annotated[bool, typer.Option("--count", help="Chart matching articles, not their share.")] = False,
    terms_file: TermsFileOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """Attention over time: per period and query, matching articles, all articles of the period (the
    denominator) and the share per 1000. Periods with no article are gaps; those under --floor are uncertain.

    A reprinted speech counts once unless --dedupe copies. On PostgreSQL, a query with phrases held by too many
    articles to check each within the time limit is estimated from a sample (column `estimated`);
    NEWSMON_QUERY_TIMEOUT=0 counts it exactly.
    """
    from analysis.export import csv_text
    from analysis.trends import TREND_COLUMNS
    from analysis.trends import trend as run_trend
    from analysis.vocabulary import load_vocabulary

    if by not in ("month", "quarter", "year"):
        fail("--by must be month, quarter or year", code=2)
    filters = _filters(site, date_from, date_to, speaker, org, kind, dedupe)
    vocabulary = load_vocabulary(terms_file)
    rows = _run(run_trend, db, queries, by=by, filters=filters, per=per, floor=floor, vocabulary=vocabulary)
    records = [r.to_json() for r in rows]
    if chart is not None:
        from analysis.chart import trend_chart

        with _fail_on(RuntimeError), _cannot_write(chart):
            trend_chart(rows, chart, per=per, by=by, count=count)
        console.print(f"chart written to {chart}", style="dim", highlight=False) if not (json_out or csv_out) else None
    if json_out:
        print_json(records)
    elif csv_out:
        sys.stdout.write(csv_text(records, TREND_COLUMNS, bom=False))
    else:
        print_table(records, TREND_COLUMNS)


def words(
    query: Annotated[str, typer.Argument(help="A search query (the same syntax as `newsmon search`).")],
    site: SiteOption = None,
    speaker: SpeakerOption = None,
    org: OrgOption = None,
    kind: KindOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    dedupe: CountDedupeOption = None,
    sample: Annotated[int, typer.Option(min=10, max=5000, help="Newest articles read on each side.")] = 200,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many words.")] = 30,
    terms_file: TermsFileOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """The words distinctive of a query's matches against the archive under the same filters (jieba with the
    domain vocabulary; stop words left out)."""
    from analysis.export import csv_text
    from analysis.vocabulary import load_vocabulary
    from analysis.words import WORDS_COLUMNS, distinctive_words

    filters = _filters(site, date_from, date_to, speaker, org, kind, dedupe)
    vocabulary = load_vocabulary(terms_file)
    report = _run(distinctive_words, db, query, filters, sample=sample, limit=limit, vocabulary=vocabulary)
    if json_out:
        print_json(report)
    elif csv_out:
        sys.stdout.write(csv_text(report["words"], WORDS_COLUMNS, bom=False))
    else:
        title = f"words of {query} ({report['matches_read']} matches against {report['archive_read']} articles)"
        print_table(report["words"], WORDS_COLUMNS, title=title)


def first(
    term: Annotated[str, typer.Argument(help="A term (curated terms match all their variants).")],
    site: SiteOption = None,
    limit: Annotated[int, typer.Option(min=1, help="How many of the earliest articles.")] = 1,
    terms_file: TermsFileOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """The earliest article that used a term: when, on which site, from which 来源, and who spoke."""
    from analysis.trends import first as run_first
    from analysis.vocabulary import load_vocabulary

    rows = _run(run_first, db, term, filters=_filters(site), limit=limit, vocabulary=load_vocabulary(terms_file))
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print(f"no dated article uses {term}")
        return
    columns = ["id", "published_at", "site_name", "speaker", "source", "variant", "title", "url"]
    print_table(rows, columns, title=f"first: {term}")


def who(
    term: Annotated[str, typer.Argument(help="A term (curated terms match all their variants).")],
    site: SiteOption = None,
    org: OrgOption = None,
    kind: KindOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    dedupe: CountDedupeOption = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    terms_file: TermsFileOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Who uses a term most: by speaker and organisation; articles with no speaker by 来源 and site."""
    from analysis.trends import who as run_who
    from analysis.vocabulary import load_vocabulary

    filters = _filters(site, date_from, date_to, None, org, kind, dedupe)
    rows = _run(run_who, db, term, filters=filters, limit=limit, vocabulary=load_vocabulary(terms_file))
    if json_out:
        print_json(rows)
    else:
        columns = ["speaker", "org", "source", "site_name", "articles", "occurrences", "first", "last"]
        print_table(rows, columns, title=f"who: {term}")


def terms(
    period_from: Annotated[str, typer.Option("--from", help="Earlier period: 2023, 2023-Q4 or 2023-05.")],
    period_to: Annotated[str, typer.Option("--to", help="Later period, same forms.")],
    site: SiteOption = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    min_articles: Annotated[int, typer.Option(min=1, help="Ignore terms in fewer articles of the later period.")] = 3,
    sample: Annotated[int, typer.Option(min=1, help="Read at most this many articles per period.")] = 5000,
    curated: Annotated[bool, typer.Option(help="Only curated terms (data/terms and --terms-file).")] = False,
    terms_file: TermsFileOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """The terms rising fastest between two periods (share of articles using them, per 1000)."""
    from analysis.trends import rising_terms
    from analysis.vocabulary import load_vocabulary

    report = _run(
        rising_terms,
        db,
        period_from,
        period_to,
        filters=_filters(site),
        limit=limit,
        min_articles=min_articles,
        sample=sample,
        curated_only=curated,
        vocabulary=load_vocabulary(terms_file),
    )
    if json_out:
        print_json(report)
        return
    read = report["articles_read"]
    print_table(
        report["terms"],
        ["term", "curated", "articles_from", "articles_to", "rate_from", "rate_to", "growth"],
        title=f"rising from {period_from} ({read['from']} articles) to {period_to} ({read['to']} articles)",
    )


def index_terms(
    term: Annotated[
        list[str] | None,
        typer.Option("--term", help="Only this curated term (repeatable); default: all not yet counted."),
    ] = None,
    terms_file: TermsFileOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Count curated terms in every stored article, so trends and `who` read the counts instead of the text.

    Run it after adding terms to your terms file or changing a term's variants; until then those terms are
    counted in the text (same answers, slower). New articles are counted as they are stored once a term is
    indexed. Commits every 2,000 articles, so a crawl can write meanwhile.
    """
    from analysis.vocabulary import load_vocabulary
    from cli.database import writing
    from db.terms import index_terms as run_index

    vocabulary = load_vocabulary(terms_file)
    with writing(db) as database, database.sessions() as session:
        try:
            used = run_index(session, vocabulary, term or None, commit=session.commit)
        except ValueError as error:
            fail(str(error), code=2)
            return
    if json_out:
        print_json(used)
    elif not used:
        console.print("every curated term is already counted")
    else:
        print_table([{"term": t, "articles": n} for t, n in used.items()], ["term", "articles"], title="counted")


def export(
    query: Annotated[str, typer.Argument(help="A search query (the same syntax as `newsmon search`).")],
    out: Annotated[Path, typer.Option("--out", help="Output file; the manifest is written beside it.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, jsonl or parquet (default: the --out extension, else csv).")
    ] = None,
    site: SiteOption = None,
    speaker: SpeakerOption = None,
    org: OrgOption = None,
    kind: KindOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    dedupe: DedupeOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Export every article matching a query with all its metadata, and a manifest to reproduce it."""
    from analysis.export import FORMATS, format_for, require_format
    from analysis.export import export as run_export
    from db.engine import database_url

    fmt = format_for(out, fmt)
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}", code=2)
    if out.is_dir():
        fail(f"--out {out} is a directory: name the file to write", code=2)
    with _fail_on(RuntimeError):
        require_format(fmt)
    from sqlalchemy.engine import make_url

    shown = make_url(database_url(db)).render_as_string(hide_password=True)
    filters = _filters(site, date_from, date_to, speaker, org, kind, dedupe)
    with _cannot_write(out):
        manifest = _run(
            run_export, db, query, out, fmt=fmt, filters=filters, database_url=shown, limited=False, core=True
        )
    if json_out:
        print_json(manifest)
    else:
        console.print(f"{manifest['rows']} articles written to {out} (manifest {out.name}.manifest.json)")


def web(
    port: Annotated[int | None, typer.Option(min=0, max=65535, help="Port to listen on (web.port: 8000).")] = None,
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (web.host); 127.0.0.1 unless you mean to share it.")
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="A name the dashboard may be reached by (the Host header), beside the loopback ones; repeatable.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes serving requests (one per core helps many concurrent users: one process runs "
            "one request's Python at a time).",
        ),
    ] = 1,
    db: DbOption = None,
) -> None:
    """Serve the read-only analyst dashboard (search, trends, context, speakers, ops) on 127.0.0.1.

    The dashboard has no login: binding another interface warns, and only requests addressed to a loopback name,
    the --host given or an --allowed-host are answered.
    """
    import os

    import uvicorn

    from ground.settings import setting
    from web.app import create_app, freeze_startup_heap, worker_environment
    from web.security import LOOPBACK_HOSTS, is_loopback

    host, port = host or setting("web.host"), setting("web.port") if port is None else port

    hosts = (*LOOPBACK_HOSTS, *(allowed_host or []), *([host] if host not in ("0.0.0.0", "::") else []))
    if not is_loopback(host):
        log.warning("the dashboard has no login and listens on %s: anyone who can reach it can read it", host)
    try:
        app = create_app(db, hosts=hosts)
    except (OSError, RuntimeError) as error:
        fail(f"cannot serve the dashboard: {error}", code=2)
        return
    console.print(f"newsmon dashboard on http://{host}:{port} (Ctrl-C to stop)")
    if workers == 1:
        freeze_startup_heap()
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    # Each worker opens the database itself (the app above only checked that it can be served).
    app.state.database.dispose()
    os.environ.update(worker_environment(db, hosts))
    factory = "web.app:create_worker_app"
    uvicorn.run(factory, factory=True, workers=workers, host=host, port=port, log_level="warning")

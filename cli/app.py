"""newsmon: crawl officials' speeches from Chinese news and government sites, and query what was collected."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.analysis import register as register_analysis
from cli.output import console, fail, print_json, print_table, setup_logging
from cli.reprints import DedupeChoice, print_reprints, reprints_app
from db.engine import Database, database_url, open_database

log = logging.getLogger(__name__)

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
articles_app = typer.Typer(help="Browse stored articles.", no_args_is_help=True)
runs_app = typer.Typer(help="Crawl runs: what each crawl did.", no_args_is_help=True)
mirror_app = typer.Typer(help="The offline mirror of saved pages served on 127.0.0.1.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(articles_app, name="articles")
app.add_typer(runs_app, name="runs")
app.add_typer(mirror_app, name="mirror")
app.add_typer(reprints_app, name="reprints")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="NEWSMON_DATABASE_URL",
        show_envvar=True,
        help="Database URL (sqlite:///newsmon.db by default; postgresql+psycopg://… works the same).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
LogOption = Annotated[str, typer.Option("--log-level", help="Logging level: DEBUG, INFO, WARNING, ERROR.")]


@contextlib.contextmanager
def opened(db: str | None) -> Iterator[Database]:
    """Open the database at head (migrating and seeding as needed), with a clear error when it can't."""
    try:
        database = open_database(db)
    except Exception as error:
        fail(f"cannot open database {database_url(db)}: {error}")
        raise
    try:
        yield database
    finally:
        database.dispose()


@app.callback()
def main_options(log_level: LogOption = "WARNING") -> None:
    setup_logging(log_level)


@app.command()
def init(db: DbOption = None) -> None:
    """Create the database (or bring it to the newest schema) with the seed speech as article 1."""
    with opened(db) as database, database.session() as session:
        from db.queries import articles_per_site

        total = sum(row["articles"] for row in articles_per_site(session))
    console.print(f"database ready: {database.url} ({total} articles)")


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None, revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (head by default)."""
    from db.engine import current_revision, make_engine, upgrade

    engine = make_engine(database_url(db))
    try:
        upgrade(engine, revision)
        console.print(f"{database_url(db)} at revision {current_revision(engine)}")
    finally:
        engine.dispose()


@app.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Plain-text article files.")],
    site: Annotated[str, typer.Option(help="Registrable domain of the site the text was copied from.")] = "local",
    url: Annotated[str | None, typer.Option(help="The article's URL (one file only).")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import articles in the plain-text format: title line, `来源:… 更新时间:…` line, then the body.

    Files may be UTF-8 or GB18030. Importing the same file twice changes nothing.
    """
    from analysis.reprints import store_and_match
    from crawler.attribution import attribute_record
    from crawler.extraction.plaintext import import_url, parse_plaintext
    from crawler.extraction.record import ExtractionError
    from crawler.extraction.sites import site_name

    if url and len(files) > 1:
        fail("--url names one article: give one file with it")
    results: list[dict[str, object]] = []
    with opened(db) as database:
        for path in files:
            data = path.read_bytes()
            try:
                record = parse_plaintext(data, url=url or import_url(data), site=site)
            except ExtractionError as error:
                results.append({"file": str(path), "status": "error", "reason": error.reason})
                continue
            with database.session() as session:
                stored = store_and_match(
                    session, record, site_name=site_name(site), attribution=attribute_record(record)
                )
            results.append(
                {"file": str(path), "status": stored.outcome, "id": stored.article_id, "title": record.title}
            )
    if json_out:
        print_json(results)
    else:
        print_table(results, ["file", "status", "id", "title", "reason"])
    if any(r["status"] == "error" for r in results):
        raise typer.Exit(1)


@app.command()
def crawl(
    sites: Annotated[
        list[str], typer.Argument(help="Spider names or site domains (people, news.cn …), or `all` for every site.")
    ],
    db: DbOption = None,
    mirror: Annotated[
        str | None,
        typer.Option(
            envvar="NEWSMON_MIRROR", help="Fetch every URL from a running mirror server, e.g. http://127.0.0.1:8765."
        ),
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
        typer.Option(
            envvar="NEWSMON_RECHECK_DAYS",
            help="Also fetch again the articles first seen or published in the last N days (edits, 404s).",
        ),
    ] = None,
    trigger: Annotated[str, typer.Option(help="Recorded on the run: manual or schedule.")] = "manual",
    state_dir: Annotated[
        str | None,
        typer.Option(
            envvar="NEWSMON_STATE_DIR",
            help="Crawl state (job dirs that let a stopped crawl resume); default: beside the SQLite file.",
        ),
    ] = None,
    distributed: Annotated[
        bool, typer.Option(help="Seed a crawl shared over Redis (REDIS_URL) and work on it; see `newsmon worker`.")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Crawl sites' columns into the database, all in one process, and record a run per site.

    With one site, --json prints its run; with several (or `all`), a list of runs. A crawl that was stopped or
    killed half-way is carried on by the next crawl of the same site.
    """
    from crawler.distributed import options_from_env
    from crawler.run import CrawlOptions, resolve_spiders, run_crawls
    from db.queries import get_run

    spiders, unknown = resolve_spiders(sites)
    if unknown or not spiders:
        from crawler.run import spider_names

        fail(f"no spider for {', '.join(map(repr, unknown or sites))}; known: {', '.join(sorted(spider_names()))}, all")
        return
    with opened(db):
        pass  # migrate and seed before Scrapy starts, so a bad URL fails here with a clear message
    with contextlib.ExitStack() as stack:
        if mirror_dir is not None:
            from mirror.serve import MirrorServer

            server = stack.enter_context(MirrorServer(mirror_dir, port=0))
            mirror = server.url
        from crawler.jobs import CrawlBusy

        with console.status(f"crawling {', '.join(spiders)}…", spinner="dots"), _fail_on(CrawlBusy):
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
    with opened(db) as database, database.session() as session:
        runs = [get_run(session, run_id) for run_id in run_ids if run_id is not None]
    if json_out:
        print_json(runs[0] if len(sites) == 1 and len(runs) == 1 and sites[0].lower() != "all" else runs)
    else:
        for run in runs:
            assert run is not None
            _print_run(run)
    if any(run is not None and run["status"] == "failed" for run in runs):
        raise typer.Exit(1)


@contextlib.contextmanager
def _fail_on(error_type: type[Exception]) -> Iterator[None]:
    """Turn an expected error into a one-line message and exit code 1."""
    try:
        yield
    except error_type as error:
        fail(str(error))


def _print_run(run: dict[str, Any]) -> None:
    colour = {"finished": "green", "failed": "red"}.get(str(run["status"]), "yellow")
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


@articles_app.command("list")
def articles_list(
    site: Annotated[str | None, typer.Option(help="Site domain or name (people.com.cn, 人民网).")] = None,
    date_from: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="Published on or after (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Published on or before (YYYY-MM-DD).")
    ] = None,
    contains: Annotated[str | None, typer.Option(help="Text the title or body contains.")] = None,
    speaker: Annotated[str | None, typer.Option(help="Only articles carrying this official's words (name).")] = None,
    org: Annotated[str | None, typer.Option(help="Only articles with a speaker of this body (name or alias).")] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="Only this kind: speech_full_text, speech_excerpt, speech_report, press_conference, …"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    dedupe: Annotated[
        DedupeChoice,
        typer.Option(help="copies: every copy; reprints: each speech once (its original, else its earliest copy)."),
    ] = DedupeChoice.copies,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List articles, newest first."""
    from db.queries import list_articles

    with opened(db) as database, database.session() as session:
        rows = list_articles(
            session,
            site=site,
            date_from=_day(date_from),
            date_to=_day(date_to),
            contains=contains,
            limit=limit,
            offset=offset,
            speaker=speaker,
            org=org,
            kind=kind,
            dedupe=dedupe.value_literal,
        )
    if json_out:
        print_json(rows)
    else:
        speeches = dedupe is DedupeChoice.reprints
        columns = ["id", "published_at", "site_name", "kind", "title", "source"] + (["copies"] if speeches else [])
        print_table(rows, columns, title=f"{len(rows)} {'speeches' if speeches else 'articles'}")


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@articles_app.command("show")
def articles_show(
    article_id: Annotated[int, typer.Argument(help="Article id.")], db: DbOption = None, json_out: JsonOption = False
) -> None:
    """Show one article with every stored field and the rule that produced it."""
    from db.queries import get_article

    with opened(db) as database, database.session() as session:
        article = get_article(session, article_id)
    if article is None:
        fail(f"no article {article_id}")
        return
    if json_out:
        print_json(article)
        return
    console.print(f"[bold]{article['title']}[/]")
    for key in (
        "url",
        "site_name",
        "published_at",
        "source",
        "authors",
        "editors",
        "charset",
        "first_seen_at",
        "last_seen_at",
    ):
        value = article[key]
        console.print(f"[dim]{key:>14}[/] {'、'.join(value) if isinstance(value, list) else value or ''}")
    console.print(f"[dim]{'rules':>14}[/] " + ", ".join(f"{k}={v}" for k, v in article["field_rules"].items()))
    for warning in article["warnings"]:
        console.print(f"[yellow]{'warning':>14}[/] {warning}")
    _print_attribution(article)
    print_reprints(article)
    console.print()
    console.print(article["body"], markup=False, highlight=False)


def _print_attribution(article: dict[str, Any]) -> None:
    """Kind, speakers, occasion, place and day, each with the sentence it was taken from."""
    evidence = article.get("attribution") or {}
    for key in ("kind", "occasion", "place", "spoken_on"):
        if article.get(key):
            console.print(f"[dim]{key:>14}[/] {article[key]}", highlight=False)
            if key in evidence:
                console.print(f"[dim]{'':>14} ← {evidence[key]['evidence'][:100]}[/]", highlight=False)
    for speaker in article.get("speakers", []):
        who = " ".join(filter(None, (speaker["name"], speaker["role"], speaker["org"])))
        console.print(f"[dim]{'speaker':>14}[/] {who}", highlight=False)
        console.print(f"[dim]{'':>14} ← {speaker['evidence'][:100]}[/]", highlight=False)


def _close_abandoned(database: Database) -> None:
    """Mark interrupted the distributed runs whose worker stopped renewing its heartbeat lease, so that a
    listing never shows a dead worker's run as running (otherwise only the next crawl or worker sweeps them)."""
    from db.store import close_abandoned_runs

    with database.session() as session:
        closed = close_abandoned_runs(session)
    if closed:
        log.warning("runs %s: their worker's heartbeat stopped; marked interrupted", ", ".join(map(str, closed)))


@runs_app.command("list")
def runs_list(
    site: Annotated[str | None, typer.Option(help="Only this site's runs.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List crawl runs, newest first (a worker's run whose heartbeat stopped is marked interrupted first)."""
    from db.queries import list_runs

    with opened(db) as database:
        _close_abandoned(database)
        with database.session() as session:
            rows = list_runs(session, site=site, limit=limit)
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
def runs_show(
    run_id: Annotated[int, typer.Argument(help="Run id.")], db: DbOption = None, json_out: JsonOption = False
) -> None:
    """Show one crawl run with its failed pages."""
    from db.queries import get_run

    with opened(db) as database:
        _close_abandoned(database)
        with database.session() as session:
            run = get_run(session, run_id)
    if run is None:
        fail(f"no run {run_id}")
        return
    if json_out:
        print_json(run)
        return
    _print_run(run)
    if run["failed_pages"]:
        print_table(run["failed_pages"], ["id", "url", "http_status", "reason"], title="failed pages")


@app.command()
def summary(
    db: DbOption = None,
    json_out: JsonOption = False,
    newest: Annotated[int, typer.Option(help="How many newest articles to show.")] = 5,
) -> None:
    """What the database holds: articles per site, the newest articles and the last run."""
    from db.queries import articles_per_site, list_articles, list_runs

    with opened(db) as database, database.session() as session:
        sites = articles_per_site(session)
        newest_rows = list_articles(session, limit=newest)
        last_run = next(iter(list_runs(session, limit=1)), None)
    if json_out:
        print_json({"database": database_url(db), "sites": sites, "newest": newest_rows, "last_run": last_run})
        return
    print_table(sites, ["site", "name", "articles", "newest"], title="articles per site")
    print_table(newest_rows, ["id", "published_at", "site_name", "title"], title="newest articles")
    if last_run:
        _print_run(last_run)


@mirror_app.command("serve")
def mirror_serve(
    directory: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Mirror root: <host>/<path>.")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8765,
) -> None:
    """Serve saved pages on 127.0.0.1 so spiders can crawl real URLs offline (see `crawl --mirror`)."""
    from mirror.serve import serve_forever

    console.print(f"serving {directory} on http://127.0.0.1:{port} (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(directory, port=port)


@mirror_app.command("build")
def mirror_build(out: Annotated[Path, typer.Argument(help="Output directory.")] = Path("mirror/site")) -> None:
    """Regenerate the bundled demo mirror (pages in the sites' templates, text the project owns)."""
    from mirror.generate import build

    written = build(out)
    console.print(f"wrote {len(written)} files to {out}")


DEFAULT_CORPUS = Path("../shared/corpus")


@app.command("eval")
def eval_command(
    corpus: Annotated[Path, typer.Option(help="Gold corpus: pages/<id>.html + gold/<id>.json.")] = DEFAULT_CORPUS,
    floors: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help='JSON of floors: {"<field>": min mean, "<field>_worst": min worst page}; exit 1 below any.',
        ),
    ] = None,
    attribution_floors: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="JSON of minimum attribution scores (attribution_floors.json)."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Score extraction on a gold corpus: per-field mean, worst page, missing count, and every failure."""
    import json

    from crawler.extraction.evaluate import below_floors, evaluate

    if not (corpus / "gold").is_dir():
        fail(f"{corpus} has no gold/ directory (expected the layout of ../shared/corpus)")
    report = evaluate(corpus)
    data = report.to_json()
    data["attribution"], attribution_below = _attribution_eval(corpus, attribution_floors)
    below = []
    if floors is not None:
        below = below_floors(report, json.loads(floors.read_text(encoding="utf-8")))
        data["below_floors"] = below
    if json_out:
        print_json(data)
    else:
        rows = [
            {
                "field": name,
                "mean": f"{v['mean']:.3f}",
                "worst": f"{v['worst']:.3f}",
                "worst page": v["worst_page"],
                "missing": v["missing"],
            }
            for name, v in data["fields"].items()
        ]
        print_table(
            rows,
            ["field", "mean", "worst", "worst page", "missing"],
            title=f"{data['pages']} pages, {data['pages_per_second']} pages/s",
        )
        failures = [
            {
                "page": f["id"],
                "field": name,
                "score": f"{d['score']:.3f}",
                "predicted": d["predicted"],
                "expected": d["expected"],
            }
            for f in data["failures"]
            for name, d in f["fields"].items()
        ]
        if failures:
            print_table(failures, ["page", "field", "score", "predicted", "expected"], title="failures")
        for line in below:
            console.print(f"[red]below floor[/] {line}")
        _print_attribution_eval(data["attribution"], attribution_below)
    if below or attribution_below:
        raise typer.Exit(1)


def _attribution_eval(corpus: Path, floors: Path | None) -> tuple[dict[str, Any], list[str]]:
    """Attribution scores (kind, speakers, role, org …) on the corpus and the mirror, and the floors missed."""
    import json

    from crawler.attribution.evaluate import evaluate_attribution

    data = evaluate_attribution(corpus)
    below = []
    if floors is not None:
        for gold_set, pinned in json.loads(floors.read_text(encoding="utf-8")).items():
            for name, floor in pinned.items():
                score = data[gold_set]["scores"][name]["score"]
                if score < floor:
                    below.append(f"attribution {gold_set} {name}: {score:.4f} < floor {floor}")
        data["below_floors"] = below
    return data, below


def _print_attribution_eval(data: dict[str, Any], below: list[str]) -> None:
    sets = ("extracted", "gold_text", "mirror")
    rows = [
        {
            "score": name,
            **{s: f"{data[s]['scores'][name]['score']:.3f} (n={data[s]['scores'][name]['n']})" for s in sets},
        }
        for name in data["extracted"]["scores"]
    ]
    print_table(
        rows,
        ["score", *sets],
        title="attribution: corpus pages as extracted, corpus gold text, bundled mirror",
    )
    failures = [
        {"set": s, "page": f["id"], "field": field, "predicted": d["predicted"], "expected": d["expected"]}
        for s in sets
        for f in data[s]["failures"]
        for field, d in f["fields"].items()
    ]
    if failures:
        print_table(failures, ["set", "page", "field", "predicted", "expected"], title="attribution failures")
    for line in below:
        console.print(f"[red]below floor[/] {line}")


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A saved page (bytes as served).")],
    url: Annotated[str, typer.Option(help="The page's URL: chooses the site's rules.")],
    content_type: Annotated[str | None, typer.Option(help="HTTP Content-Type header, if known.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Extract one saved page and print every field (charset from the bytes, rules chosen by the URL)."""
    from crawler.extraction import extract_fields

    record = extract_fields(url, file.read_bytes(), content_type).to_json()
    if json_out:
        print_json(record)
        return
    for key, value in record.items():
        if key != "body":
            console.print(f"[dim]{key:>20}[/] {value!s}", highlight=False)
    console.print()
    console.print(record["body"] or "", markup=False, highlight=False)


from cli.sites import sites_app  # noqa: E402  (the sub-app imports `opened` from this module lazily)

app.add_typer(sites_app, name="sites")

from cli.speakers import app as speakers_app  # noqa: E402  (it uses the options defined above)

app.add_typer(speakers_app, name="speakers")

from cli import ops, schedule  # noqa: E402  (they use the options defined above)

app.add_typer(schedule.schedule_app, name="schedule")
app.add_typer(schedule.scheduler_app, name="scheduler")
app.add_typer(ops.alerts_app, name="alerts")
app.command("status")(ops.status)
articles_app.command("history")(ops.articles_history)

register_analysis(app)

from cli.watch import watch_app  # noqa: E402  (it uses the options defined above)

app.add_typer(watch_app, name="watch")

from cli.distributed import worker  # noqa: E402  (registered last: it reuses this module's helpers)

app.command()(worker)


def main() -> None:
    app()

"""newsmon: crawl officials' speeches from Chinese news and government sites, and query what was collected."""

from __future__ import annotations

import contextlib
import copy
import logging
import sys
from datetime import date, datetime
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.models import CommandInfo

from cli.config import apply_main_options, config_app
from cli.database import reading, require_newsmon_database, writing
from cli.options import ArticleId, ConfigOption, DbOption, DedupeChoice, JsonOption, LogFormatOption, LogOption
from cli.output import console, err_console, fail, fail_on, print_json, print_table
from cli.usage import OneLineUsageErrors

log = logging.getLogger(__name__)

root = typer.Typer(
    help=__doc__, no_args_is_help=True, add_completion=False, cls=OneLineUsageErrors, rich_markup_mode=None
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
articles_app = typer.Typer(help="Browse stored articles.", no_args_is_help=True)
mirror_app = typer.Typer(help="The offline mirror of saved pages served on 127.0.0.1.", no_args_is_help=True)
root.add_typer(db_app, name="db")
root.add_typer(articles_app, name="articles")
root.add_typer(mirror_app, name="mirror")
root.add_typer(config_app, name="config")


@root.callback()
def main_options(config: ConfigOption = None, log_level: LogOption = None, log_format: LogFormatOption = None) -> None:
    apply_main_options(config, log_level, log_format)


@root.command()
def init(db: DbOption = None) -> None:
    """Create the database (or bring it to the newest schema) with the seed speech as article 1."""
    with writing(db, create=True) as database, database.session() as session:
        from db.queries import articles_per_site

        total = sum(row["articles"] for row in articles_per_site(session))
    console.print(f"database ready: {database.url} ({total} articles)")


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None, revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (head by default)."""
    from db.engine import current_revision, database_url, make_engine, upgrade

    require_newsmon_database(db)  # only `init` creates one
    engine = make_engine(database_url(db))
    try:
        upgrade(engine, revision)
        console.print(f"{database_url(db)} at revision {current_revision(engine)}")
    finally:
        engine.dispose()


@root.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Plain-text article files.")],
    site: Annotated[str, typer.Option(help="Registrable domain of the site the text was copied from.")] = "local",
    url: Annotated[str | None, typer.Option(help="The article's URL (one file only).")] = None,
    max_bytes: Annotated[int, typer.Option(help="Refuse files larger than this (bytes).")] = 5 * 1024 * 1024,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import articles in the plain-text format: title line, `来源:… 更新时间:…` line, then the body.

    Files may be UTF-8 or GB18030. Each file is validated and stored as a crawled article is; a file that fails
    is reported and the others are still imported. Importing the same file twice changes nothing.
    """
    from pipelines.imported import DatabaseRefused, import_file

    if url and len(files) > 1:
        fail("--url names one article: give one file with it")
    results: list[dict[str, object]] = []
    with writing(db) as database, fail_on(DatabaseRefused):
        for path in files:
            done = import_file(database, path, site=site, url=url, max_bytes=max_bytes)
            result: dict[str, object] = {"file": done.file, "status": done.status, "id": done.article_id}
            result["title"] = done.title
            if done.reason:
                result["reason"] = done.reason
            results.append(result)
    errors = sum(1 for r in results if r["status"] == "error")
    if json_out:
        print_json(results)
    else:
        print_table(results, ["file", "status", "id", "title", "reason"])
        console.print(f"{len(results) - errors} of {len(results)} files imported, {errors} refused")
    if errors:
        raise typer.Exit(1)


@articles_app.command("list")
def articles_list(
    site: Annotated[
        list[str] | None, typer.Option("--site", help="Site domain or name (people.com.cn, 人民网); repeatable.")
    ] = None,
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
    from cli.checks import check_filters
    from db.queries import list_articles

    with reading(db) as database, database.session() as session:
        check_filters(session, site, kind)
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
def articles_show(article_id: ArticleId, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Show one article with every stored field and the rule that produced it."""
    from db.queries import get_article

    with reading(db) as database, database.session() as session:
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
    from cli.reprints import print_reprints

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


@root.command()
def summary(
    db: DbOption = None,
    json_out: JsonOption = False,
    newest: Annotated[int, typer.Option(help="How many newest articles to show.")] = 5,
) -> None:
    """What the database holds: articles per site, the newest articles and the last run."""
    from db.queries import articles_per_site, list_articles
    from db.runs import list_runs

    with reading(db) as database, database.session() as session:
        sites = articles_per_site(session)
        newest_rows = list_articles(session, limit=newest)
        last_run = next(iter(list_runs(session, limit=1)), None)
    if json_out:
        print_json({"database": database.url, "sites": sites, "newest": newest_rows, "last_run": last_run})
        return
    print_table(sites, ["site", "name", "articles", "newest"], title="articles per site")
    print_table(newest_rows, ["id", "published_at", "site_name", "title"], title="newest articles")
    if last_run:
        from cli.crawl import print_run

        print_run(last_run)


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
DEFAULT_GOLD = Path("eval")
DEFAULT_SHARED = Path("../shared")
DEFAULT_MAGIC_HTML = Path("../shared/corpus_candidates/magic-html")


@root.command("eval")
def eval_command(
    corpus: Annotated[
        Path, typer.Option(help="The visible gold corpus: pages/<id>.html + gold/<id>.json.")
    ] = DEFAULT_CORPUS,
    gold: Annotated[
        Path, typer.Option(help="The grown gold corpus: gold/<id>.json, each naming its page under --shared.")
    ] = DEFAULT_GOLD,
    shared: Annotated[Path, typer.Option(help="Where the grown corpus's pages are kept.")] = DEFAULT_SHARED,
    magic_html: Annotated[
        Path, typer.Option(help="magic-html's benchmark (base_zh_subset.json + benchmark/): body F1 only.")
    ] = DEFAULT_MAGIC_HTML,
    floors: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help='JSON of floors per run: {"<run>": {"<field>": min mean, "<field>_worst": min worst}}; exit 1 below.',
        ),
    ] = None,
    attribution_floors: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="JSON of minimum attribution scores (attribution_floors.json)."),
    ] = None,
    sites: Annotated[bool, typer.Option("--sites", help="Also print the grown corpus per site.")] = False,
    failures: Annotated[bool, typer.Option("--failures", help="Also print every field below 1.0.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Score extraction per field (mean, worst page, missing) on every gold set: the visible corpus and the
    grown one, with site rules and with the generic path alone, and body F1 on magic-html's pages."""
    import json

    from evaluation.extraction import below_set_floors, evaluate_sets

    if not (corpus / "gold").is_dir() and not (gold / "gold").is_dir():
        fail(f"neither {corpus} nor {gold} has a gold/ directory")
    if not shared.is_dir():
        err_console.print(
            f"[yellow]warning:[/] no saved pages at {shared} (--shared): the gold sets that name pages there are "
            "skipped, and their scores below count no page (n=0)",
            highlight=False,
        )
    reports = evaluate_sets(visible=corpus, grown=gold, shared=shared, magic_html=magic_html)
    data: dict[str, Any] = {"runs": {name: report.to_json() for name, report in reports.items()}}
    data["attribution"], attribution_below = _attribution_eval(corpus, attribution_floors, gold / "speeches", shared)
    below = []
    if floors is not None:
        below = below_set_floors(reports, json.loads(floors.read_text(encoding="utf-8")))
        data["below_floors"] = below
    if json_out:
        print_json(data)
    else:
        _print_eval(data["runs"], sites=sites, failures=failures)
        for line in below:
            console.print(f"[red]below floor[/] {line}")
        _print_attribution_eval(data["attribution"], attribution_below)
    if below or attribution_below:
        raise typer.Exit(1)


def _print_eval(runs: dict[str, Any], *, sites: bool, failures: bool) -> None:
    from evaluation.extraction import SCORED_FIELDS

    def cells(fields: dict[str, Any]) -> dict[str, str]:
        row = {
            name: f"{v['mean']:.3f}" + (f" ({v['missing']} missing)" if v["missing"] else "")
            for name, v in fields.items()
        }
        if "body" in fields:
            row["body worst"] = f"{fields['body']['worst']:.3f} {fields['body']['worst_page']}"
        return row

    columns = [*SCORED_FIELDS, "body worst"]
    rows = [{"run": name, "pages": run["pages"], **cells(run["fields"])} for name, run in runs.items()]
    print_table(
        rows, ["run", "pages", *columns], title="extraction: field means per run (site rules on, or generic alone)"
    )
    for name, run in runs.items():
        for line in run["skipped"]:
            console.print(f"skipped in {name}: {line}")
    if sites and "grown-generic" in runs:
        site_rows = [{"site": site, **cells(fields)} for site, fields in runs["grown-generic"]["sites"].items()]
        print_table(site_rows, ["site", *columns], title="grown corpus per site, generic path")
    if failures:
        rows = [
            {
                "run": name,
                "page": f["id"],
                "field": field,
                "score": f"{d['score']:.3f}",
                "rule": d["rule"],
                "predicted": d["predicted"],
                "expected": d["expected"],
            }
            for name, run in runs.items()
            for f in run["failures"]
            for field, d in f["fields"].items()
        ]
        if rows:
            print_table(rows, ["run", "page", "field", "score", "rule", "predicted", "expected"], title="failures")


def _attribution_eval(
    corpus: Path, floors: Path | None, speeches: Path, shared: Path
) -> tuple[dict[str, Any], list[str]]:
    """Attribution scores (kind, speakers, role, org …) on the corpus, the mirror and the speech gold set, and
    the floors missed."""
    import json

    from evaluation.attribution import evaluate_attribution

    data = evaluate_attribution(corpus, speeches, shared)
    below = []
    if floors is not None:
        for gold_set, pinned in json.loads(floors.read_text(encoding="utf-8")).items():
            if gold_set not in data:
                below.append(f"attribution {gold_set}: not evaluated (its gold set is absent)")
                continue
            for name, floor in pinned.items():
                score = data[gold_set]["scores"][name]["score"]
                if score < floor:
                    below.append(f"attribution {gold_set} {name}: {score:.4f} < floor {floor}")
        data["below_floors"] = below
    return data, below


def _print_attribution_eval(data: dict[str, Any], below: list[str]) -> None:
    sets = tuple(name for name in ("extracted", "gold_text", "mirror", "speeches") if name in data)
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
        title="attribution: corpus pages as extracted, corpus gold text, bundled mirror, speech gold set",
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


@root.command()
def extract(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A saved page (bytes as served).")],
    url: Annotated[str, typer.Option(help="The page's URL: chooses the site's rules.")],
    content_type: Annotated[str | None, typer.Option(help="HTTP Content-Type header, if known.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Extract one saved page and print every field with the rule (or container) that gave it, what was tried
    for a field nothing gave, why it could not be stored if so, and who spoke (kind, speakers, occasion)."""
    from attribution import attribute_record
    from extraction import extract_fields, unstorable

    extracted = extract_fields(url, file.read_bytes(), content_type)
    record = extracted.to_json()
    record["unstorable"] = unstorable(extracted)
    record["attribution"] = attribute_record(extracted).to_json()
    if json_out:
        print_json(record)
        return
    for key, value in record.items():
        if key not in ("body", "rules", "tried", "attribution"):
            console.print(f"[dim]{key:>20}[/] {value!s}", highlight=False)
    for name, rule in record["rules"].items():
        console.print(f"[dim]{'rule ' + name:>20}[/] {rule}", highlight=False)
    for name, tried in record["tried"].items():
        console.print(f"[dim]{'not found ' + name:>20}[/] tried {', '.join(tried)}", highlight=False)
    attribution = record["attribution"]
    console.print(f"[dim]{'kind':>20}[/] {attribution['kind']}", highlight=False)
    for speaker in attribution["speakers"]:
        who = speaker["name"] or "(unnamed)"
        console.print(f"[dim]{'speaker':>20}[/] {who} · {speaker['role']} · {speaker['org']}", highlight=False)
    for key in ("occasion", "place", "spoken_on"):
        console.print(f"[dim]{key:>20}[/] {attribution[key]}", highlight=False)
    console.print()
    console.print(record["body"] or "", markup=False, highlight=False)


# The main options that take a value (`newsmon --config FILE search …`): their values are not command names.
_VALUED_OPTIONS = ("--config", "--log-level", "--log-format")


def invoked(args: list[str]) -> str | None:
    """The name of the command or group the arguments invoke, or None (no command, or the main help asked)."""
    tokens = iter(args)
    for token in tokens:
        if token in ("--help", "-h", "--"):
            return None
        if token in _VALUED_OPTIONS:
            next(tokens, None)
        elif not token.startswith("-"):
            return token
    return None


# Commands and groups defined in other modules: (module, attribute), in the order `newsmon --help` lists them.
# Typer builds the parser of every command it holds before it reads the arguments, so a run imports and
# registers only the one it invokes; `--help`, the docs and the tests use the whole app (`app`).
COMMANDS_ELSEWHERE: dict[str, tuple[str, str]] = {
    "crawl": ("cli.crawl", "crawl"),
    "status": ("cli.ops", "status"),
    "search": ("cli.analysis", "search"),
    "trend": ("cli.analysis", "trend"),
    "context": ("cli.analysis", "context"),
    "words": ("cli.analysis", "words"),
    "first": ("cli.analysis", "first"),
    "who": ("cli.analysis", "who"),
    "terms": ("cli.analysis", "terms"),
    "export": ("cli.analysis", "export"),
    "web": ("cli.analysis", "web"),
    "index-terms": ("cli.analysis", "index_terms"),
    "worker": ("cli.distributed", "worker"),
}
GROUPS_ELSEWHERE: dict[str, tuple[str, str]] = {
    "runs": ("cli.crawl", "runs_app"),
    "reprints": ("cli.reprints", "reprints_app"),
    "sites": ("cli.sites", "sites_app"),
    "speakers": ("cli.speakers", "app"),
    "schedule": ("cli.schedule", "schedule_app"),
    "scheduler": ("cli.schedule", "scheduler_app"),
    "alerts": ("cli.ops", "alerts_app"),
    "watch": ("cli.watch", "watch_app"),
}
_loaded: set[str] = set()


def load(name: str) -> bool:
    """Register the command or group `name` on the root (importing its module); whether there is one."""
    if name in _loaded:
        return True
    if name in COMMANDS_ELSEWHERE:
        module, attribute = COMMANDS_ELSEWHERE[name]
        root.command(name)(getattr(import_module(module), attribute))
    elif name in GROUPS_ELSEWHERE:
        module, attribute = GROUPS_ELSEWHERE[name]
        root.add_typer(getattr(import_module(module), attribute), name=name)
    elif name == "articles":
        articles_app.command("history")(import_module("cli.ops").articles_history)
    elif name not in {_name(c) for c in root.registered_commands} | {g.name for g in root.registered_groups}:
        return False
    _loaded.add(name)
    return True


def whole() -> typer.Typer:
    """The root with every command and group registered."""
    for name in ("articles", *COMMANDS_ELSEWHERE, *GROUPS_ELSEWHERE):
        load(name)
    return root


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole command line, for `--help`, the generated docs and the tests
        return whole()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def only(command: str | None) -> typer.Typer:
    """The root with just the named command or group, or the whole app when there is none (the main help, or an
    unknown name: its error lists the others)."""
    if command is None or not load(command):
        return whole()
    pruned = copy.copy(root)
    pruned.registered_commands = [c for c in root.registered_commands if _name(c) == command]
    pruned.registered_groups = [g for g in root.registered_groups if g.name == command]
    return pruned


def _name(command: CommandInfo) -> str | None:
    if command.name is not None:
        return command.name
    return command.callback.__name__.lower().replace("_", "-") if command.callback is not None else None


def main() -> None:
    try:
        only(invoked(sys.argv[1:]))()
    except Exception as error:
        # Input errors are caught where they happen (exit 2); this is the backstop for anything else, so a user
        # sees one line, never a traceback (--log-level DEBUG shows it).
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            raise
        from rich.markup import escape

        err_console.print(
            f"[bold red]error:[/] {escape(f'{type(error).__name__}: {error}')} "
            "(run with --log-level DEBUG for the details)",
            highlight=False,
        )
        raise SystemExit(1) from None

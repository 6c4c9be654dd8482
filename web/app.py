"""The dashboard's routes: search, article, trends (+CSV), speakers and ops; read-only."""

from __future__ import annotations

import gc
import logging
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BeforeValidator
from sqlalchemy.engine import make_url
from starlette.exceptions import HTTPException as StarletteHTTPException

from analysis.search import search as run_search
from analysis.trends import trend as run_trend
from analysis.vocabulary import load_vocabulary
from db.engine import Database, database_url, open_read_only
from db.fts import QueryError
from db.queries import articles_per_site, get_article, get_speaker, list_failed_pages, list_runs, list_speakers
from db.search import Filters
from ground.kinds import KINDS
from web.watch import register as register_watches

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
PAGE_SIZE = 20
MAX_PAGE = 500
MAX_TERMS = 6

Text = Annotated[str, Query(max_length=200)]
# The search form sends from= and to= empty when no date is chosen (and its pager links keep them): no date, then.
OptionalDate = Annotated[date | None, BeforeValidator(lambda value: value or None)]


class BadRequest(Exception):
    """A parameter a user can correct; shown as a 400 page with the reason."""


def freeze_startup_heap() -> None:
    """Before serving: collect once, then put every object alive now (the modules, the vocabulary, the app) out of
    the garbage collector's reach (gc.freeze). A full collection otherwise walks them all each time it runs: 35–68
    ms at once in the middle of whichever request set it off (bench/search.py prints it), a search's p95 nearly
    doubled. They live as long as the process does, so nothing is lost by never collecting them."""
    gc.collect()
    gc.freeze()


def _site_label(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def create_app(db: str | None = None) -> FastAPI:
    """The dashboard for one database, opened read-only (an error now if it is missing or not migrated)."""
    url = database_url(db)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).is_file()):
        raise FileNotFoundError(f"no database at {parsed.database}: run `newsmon init` or crawl first")
    database: Database = open_read_only(url)
    vocabulary = load_vocabulary()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["database"] = _site_label(url)
    app = FastAPI(title="newsmon", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.database = database

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    def error(request: Request, status: int, message: str) -> HTMLResponse:
        return page(request, "error.html", status, title=f"{status}", message=message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return error(request, 400, f"bad parameter — {problems}")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> HTMLResponse:
        return error(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        return error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> HTMLResponse:
        log.exception("dashboard error on %s", request.url.path)
        return error(request, 503, "the dashboard could not answer this request; see the server log")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/search")

    @app.get("/search", response_class=HTMLResponse)
    def search_page(
        request: Request,
        q: Text = "",
        site: Text = "",
        date_from: Annotated[OptionalDate, Query(alias="from")] = None,
        date_to: Annotated[OptionalDate, Query(alias="to")] = None,
        speaker: Text = "",
        org: Text = "",
        kind: Text = "",
        dedupe: Annotated[str, Query(pattern="^(copies|reprints)$")] = "copies",
        page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
    ) -> HTMLResponse:
        filters = Filters(
            site=site or None,
            date_from=date_from,
            date_to=date_to,
            speaker=speaker or None,
            org=org or None,
            kind=kind or None,
            dedupe=dedupe,
        )
        result = None
        if q.strip():
            with database.session() as session:
                try:
                    result = run_search(session, q, filters, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
                except QueryError as exc:
                    raise BadRequest(str(exc)) from exc
        with database.session() as session:
            sites = articles_per_site(session)
        params = {
            "q": q,
            "site": site,
            "from": date_from or "",
            "to": date_to or "",
            "speaker": speaker,
            "org": org,
            "kind": kind,
            "dedupe": dedupe,
        }
        # Of very many matches only the most recent are ranked (db/search.py RANK_LIMIT): no pages past them.
        shown = (result.total if result.ranked is None else result.ranked) if result else 0
        pages = (shown + PAGE_SIZE - 1) // PAGE_SIZE
        return page(
            request,
            "search.html",
            title=f"搜索 {q}" if q else "搜索",
            q=q,
            site=site,
            date_from=date_from or "",
            date_to=date_to or "",
            speaker=speaker,
            org=org,
            kind=kind,
            dedupe=dedupe,
            kinds=KINDS,
            sites=sites,
            result=result,
            page_number=page_number,
            pages=min(pages, MAX_PAGE),
            link=lambda n: "/search?" + urlencode({**params, "page": n}),
        )

    @app.get("/articles/{article_id}", response_class=HTMLResponse)
    def article_page(request: Request, article_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)]) -> HTMLResponse:
        with database.session() as session:
            article = get_article(session, article_id)
        if article is None:
            return error(request, 404, f"no article {article_id}")
        return page(request, "article.html", title=article["title"], article=article)

    def _trend(terms: str, by: str, site: str) -> tuple[list[str], list[dict[str, Any]]]:
        names = [t.strip() for t in terms.replace("，", ",").split(",") if t.strip()]
        if len(names) > MAX_TERMS:
            raise BadRequest(f"at most {MAX_TERMS} terms at once")
        if by not in ("month", "quarter", "year"):
            raise BadRequest("by must be month, quarter or year")
        if not names:
            return [], []
        with database.session() as session:
            try:
                rows = run_trend(session, names, by=by, filters=Filters(site=site or None), vocabulary=vocabulary)  # type: ignore[arg-type]
            except QueryError as exc:
                raise BadRequest(str(exc)) from exc
        return names, [r.to_json() for r in rows]

    @app.get("/trends", response_class=HTMLResponse)
    def trends_page(request: Request, terms: Text = "", by: Text = "month", site: Text = "") -> HTMLResponse:
        names, rows = _trend(terms, by, site)
        periods = list(dict.fromkeys(r["period"] for r in rows))
        series = [
            {"term": term, "rates": [r["rate"] for r in rows if r["term"] == term]}
            for term in dict.fromkeys(r["term"] for r in rows)
        ]
        with database.session() as session:
            sites = articles_per_site(session)
        csv_link = "/trends.csv?" + urlencode({"terms": terms, "by": by, "site": site})
        return page(
            request,
            "trends.html",
            title="趋势",
            terms=terms,
            by=by,
            site=site,
            sites=sites,
            rows=rows,
            chart={"periods": periods, "series": series},
            csv_link=csv_link,
            curated=sorted(vocabulary.terms),
            names=names,
        )

    @app.get("/trends.csv")
    def trends_csv(terms: Text = "", by: Text = "month", site: Text = "") -> Response:
        from cli.analysis import trend_csv

        _, rows = _trend(terms, by, site)
        return PlainTextResponse(
            trend_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="newsmon-trend.csv"'},
        )

    @app.get("/speakers", response_class=HTMLResponse)
    def speakers_page(request: Request, org: Text = "") -> HTMLResponse:
        with database.session() as session:
            speakers = list_speakers(session, org=org or None)
        return page(request, "speakers.html", title="讲话人", speakers=speakers, org=org)

    @app.get("/speakers/{name}", response_class=HTMLResponse)
    def speaker_page(request: Request, name: Annotated[str, PathParam(max_length=100)]) -> HTMLResponse:
        with database.session() as session:
            speaker = get_speaker(session, name)
        if speaker is None:
            return error(request, 404, f"no speaker {name}")
        return page(request, "speaker.html", title=speaker["name"], speaker=speaker)

    @app.get("/ops", response_class=HTMLResponse)
    def ops_page(request: Request) -> HTMLResponse:
        with database.session() as session:
            sites = articles_per_site(session)
            runs = list_runs(session, limit=20)
            failed = list_failed_pages(session, limit=20)
        return page(request, "ops.html", title="运行", sites=sites, runs=runs, failed=failed)

    register_watches(app, database, page, error)
    return app

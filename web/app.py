"""The dashboard's routes: search, article, trends (+CSV), speakers and ops; read-only."""

from __future__ import annotations

import gc
import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import make_url
from starlette.exceptions import HTTPException as StarletteHTTPException

from analysis.vocabulary import load_vocabulary
from db.engine import Database, database_url, open_read_only
from db.queries import get_article, site_health
from db.registry import get_speaker, list_speakers
from db.runs import failed_by_reason, list_alerts, list_failed_pages, list_runs
from db.types import SHANGHAI
from ground.query import QueryError
from ground.settings import setting
from web.answers import Answers
from web.explore import as_json, download
from web.explore import register as register_explorer
from web.security import LOOPBACK_HOSTS, secure
from web.watch import register as register_watches

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

Text = Annotated[str, Query(max_length=200)]
Dedupe = Annotated[str, Query(pattern="^(copies|reprints)$")]
SPEAKER_COLUMNS = ["name", "role", "org", "articles", "first_seen", "last_seen"]


class BadRequest(Exception):
    """A parameter a user can correct; shown as a 400 page with the reason."""


def freeze_startup_heap() -> None:
    """Before serving: collect once, then put every object alive now (the modules, the vocabulary, the app) out of
    the garbage collector's reach (gc.freeze). A full collection otherwise walks them all each time it runs: 35–68
    ms at once in the middle of whichever request set it off (bench/search.py prints it), a search's p95 nearly
    doubled. They live as long as the process does, so nothing is lost by never collecting them."""
    gc.collect()
    gc.freeze()


# What `newsmon web --workers N` hands each worker process (uvicorn starts them from an import string, so the
# database and the names the dashboard answers to travel in the environment).
WORKER_DB = "NEWSMON_WEB_DATABASE"
WORKER_HOSTS = "NEWSMON_WEB_HOSTS"


def worker_environment(db: str | None, hosts: tuple[str, ...]) -> dict[str, str]:
    """The environment create_worker_app reads: the database URL (database_url(db)) and the hosts."""
    return {WORKER_DB: database_url(db), WORKER_HOSTS: json.dumps(list(hosts))}


def create_worker_app() -> FastAPI:
    """The app factory of one worker process (uvicorn "web.app:create_worker_app" with factory=True): the
    dashboard for the database and hosts in the environment (worker_environment), its start-up heap frozen."""
    hosts = tuple(json.loads(os.environ[WORKER_HOSTS])) if os.environ.get(WORKER_HOSTS) else LOOPBACK_HOSTS
    app = create_app(os.environ.get(WORKER_DB) or None, hosts=hosts)
    freeze_startup_heap()
    return app


def scheduled_runs(session: Any) -> list[dict[str, Any]] | None:
    """Each schedule's next run (None: paused), from the scheduler's job store; None when it cannot be read."""
    try:
        from scheduler import next_runs

        return [{"spider": spider, "next_run_at": at} for spider, at in sorted(next_runs(session).items())]
    except Exception:  # a database without the job store, or one this version cannot read: the page says so
        log.warning("the schedules could not be read", exc_info=True)
        return None


def run_duration(run: dict[str, Any]) -> str:
    """A run's duration as 1:02:03 (or 2:03), from its start and finish; empty while it runs."""
    if not (run.get("started_at") and run.get("finished_at")):
        return ""
    seconds = int(
        (datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])).total_seconds()
    )
    hours, rest = divmod(max(0, seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _site_label(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def create_app(db: str | None = None, *, hosts: tuple[str, ...] = LOOPBACK_HOSTS) -> FastAPI:
    """The dashboard for one database, opened read-only (an error now if it is missing or not migrated),
    answering requests addressed to `hosts` only (the Host header: a DNS-rebinding page gets 400)."""
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

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, exc: QueryError) -> HTMLResponse:
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

    @app.get("/articles/{article_id}", response_class=HTMLResponse)
    def article_page(request: Request, article_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)]) -> HTMLResponse:
        with database.session() as session:
            article = get_article(session, article_id)
        if article is None:
            return error(request, 404, f"no article {article_id}")
        return page(request, "article.html", title=article["title"], article=article)

    @app.get("/speakers", response_class=HTMLResponse)
    def speakers_page(request: Request, org: Text = "", dedupe: Dedupe = "reprints") -> HTMLResponse:
        with database.session() as session:
            speakers = list_speakers(session, org=org or None, dedupe=dedupe)  # type: ignore[arg-type]
        return page(request, "speakers.html", title="讲话人", speakers=speakers, org=org, dedupe=dedupe)

    @app.get("/speakers.csv")
    def speakers_csv(org: Text = "", dedupe: Dedupe = "reprints") -> Response:
        with database.session() as session:
            speakers = list_speakers(session, org=org or None, dedupe=dedupe)  # type: ignore[arg-type]
        return download(speakers, SPEAKER_COLUMNS, "speakers")

    @app.get("/speakers.json")
    def speakers_json(org: Text = "", dedupe: Dedupe = "reprints") -> Response:
        with database.session() as session:
            speakers = list_speakers(session, org=org or None, dedupe=dedupe)  # type: ignore[arg-type]
        return as_json({"org": org or None, "dedupe": dedupe, "speakers": speakers})

    @app.get("/speakers/{name}.json")
    def speaker_json(name: Annotated[str, PathParam(max_length=100)], dedupe: Dedupe = "reprints") -> Response:
        with database.session() as session:
            speaker = get_speaker(session, name, dedupe=dedupe)  # type: ignore[arg-type]
        if speaker is None:
            raise StarletteHTTPException(404, f"no speaker {name}")
        return as_json(speaker)

    @app.get("/speakers/{name}", response_class=HTMLResponse)
    def speaker_page(
        request: Request, name: Annotated[str, PathParam(max_length=100)], dedupe: Dedupe = "reprints"
    ) -> HTMLResponse:
        with database.session() as session:
            speaker = get_speaker(session, name, dedupe=dedupe)  # type: ignore[arg-type]
        if speaker is None:
            return error(request, 404, f"no speaker {name}")
        return page(request, "speaker.html", title=speaker["name"], speaker=speaker)

    @app.get("/ops", response_class=HTMLResponse)
    def ops_page(request: Request) -> HTMLResponse:
        now = datetime.now(SHANGHAI)
        with database.session() as session:
            health = site_health(session, now=now)
            runs = list_runs(session, limit=20)
            failed = list_failed_pages(session, limit=20)
            reasons = failed_by_reason(session)
            open_alerts = list_alerts(session, status="open", limit=50)
            resolved = list_alerts(session, status="resolved", limit=20)
            schedules = scheduled_runs(session)
        for run in runs:
            run["duration"] = run_duration(run)
        return page(
            request,
            "ops.html",
            title="运行",
            health=health,
            runs=runs,
            failed=failed,
            reasons=reasons,
            open_alerts=open_alerts,
            resolved=resolved,
            schedules=schedules,
        )

    answers = Answers(database.engine, setting("web.answers"))
    app.state.answers = answers
    register_explorer(app, database, page, vocabulary, answers)
    register_watches(app, database, page, error)
    return secure(app, hosts)

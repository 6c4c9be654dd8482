"""The explorer's views — search (browse, sort, facets, reprints folded), attention over time, terms in context —
each as a page, a CSV and a JSON document with the same rows."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from analysis.context import CONTEXT_COLUMNS, contexts
from analysis.export import csv_text
from analysis.search import facets as run_facets
from analysis.search import search as run_search
from analysis.trends import TREND_COLUMNS
from analysis.trends import trend as run_trend
from analysis.vocabulary import Vocabulary
from analysis.words import WORDS_COLUMNS, distinctive_words
from db.engine import Database
from db.facets import EXACT, SAMPLE
from db.limits import TimeLimitExceeded, default_seconds, time_limit
from db.summary import known_sites
from ground.kinds import KINDS
from ground.query import QueryError
from web.answers import Answers
from web.forms import MAX_QUERIES, MAX_TEXT, Form, read_form

PAGE_SIZE = 20
MAX_PAGE = 500
EXPORT_ROWS = 1000  # rows of a search's CSV/JSON: the first this many in the page's order
CONTEXT_ROWS = 100
SEARCH_COLUMNS = ["id", "published_at", "site", "site_name", "title", "source", "kind", "speakers", "copies"]
SEARCH_COLUMNS += ["score", "url"]
FACET_COLUMNS = ["facet", "value", "label", "articles", "estimated"]

Page = Callable[..., HTMLResponse]


def download(rows: list[dict[str, Any]], columns: list[str], name: str) -> Response:
    return Response(
        csv_text(rows, columns),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="newsmon-{name}.csv"'},
    )


def as_json(document: Any) -> Response:
    return Response(json.dumps(document, ensure_ascii=False, indent=1), media_type="application/json")


def chart_data(rows: list[dict[str, Any]], form: Form, *, dedupe: str) -> dict[str, Any]:
    """What trends.js draws: periods, the denominator per period, and per query its values (None: a gap), which
    are uncertain, and a link to each point's articles. The scale's top comes from certain points only."""
    periods = list(dict.fromkeys(r["period"] for r in rows))
    totals = {r["period"]: r["total_articles"] for r in rows}
    count = form.mode == "count"
    series: list[dict[str, Any]] = []
    certain: list[float] = []
    for label in dict.fromkeys(r["term"] for r in rows):
        mine = [r for r in rows if r["term"] == label]
        query = form.queries[len(series)] if len(series) < len(form.queries) else label
        values = [None if not r["total_articles"] else (r["articles"] if count else r["rate"]) for r in mine]
        certain += [v for v, r in zip(values, mine, strict=True) if v is not None and not r["uncertain"]]
        series.append(
            {
                "label": label,
                "values": values,
                "uncertain": [r["uncertain"] for r in mine],
                "estimated": [r.get("estimated", False) for r in mine],
                "articles": [r["articles"] for r in mine],
                "links": [point_link(form, query, r, dedupe=dedupe) for r in mine],
            }
        )
    top = max(certain, default=0) or None
    return {
        "periods": periods,
        "totals": [totals[p] for p in periods],
        "series": series,
        "mode": form.mode,
        "top": top * 1.1 if top else None,
        "floor": form.floor,
    }


def point_link(form: Form, query: str, row: dict[str, Any], *, dedupe: str) -> str:
    """The search for one point's articles: the query, the period (within the form's dates), newest first."""
    start = max(row["date_from"], form.date_from) if form.date_from else row["date_from"]
    end = min(row["date_to"], form.date_to) if form.date_to else row["date_to"]
    chart_only = {"by": "", "mode": "", "floor": "", "order": ""}  # the chart's settings mean nothing to a search
    return form.link("/search", q=[query], sort="date", dedupe=dedupe, **chart_only, **{"from": start, "to": end})


def register(app: FastAPI, database: Database, page: Page, vocabulary: Vocabulary, answers: Answers) -> None:
    def sites() -> list[tuple[str, str]]:
        def read() -> list[tuple[str, str]]:
            with database.session() as session:
                return known_sites(session)

        return answers.get(("sites",), read)

    def form_of(request: Request) -> tuple[Form, str | None]:
        return read_form(request.query_params, request.query_params.getlist("q"))

    def shown(request: Request, template: str, form: Form, error: str | None, **context: Any) -> HTMLResponse:
        return page(
            request,
            template,
            400 if error else 200,
            form=form,
            error=error,
            sites=sites(),
            kinds=KINDS,
            max_text=MAX_TEXT,
            **context,
        )

    # ---- search and browse --------------------------------------------------------------------------------------

    def searched(form: Form, *, limit: int, with_facets: bool) -> dict[str, Any]:
        """The page of hits the form asks for (the last one if it asks past the end), the number of pages and, with
        `with_facets`, the facets; form.page is set to the page shown.

        Hits and facets share the request's time limit and are kept apart: facets that run past what the hits left
        of it are stopped and the hits shown without them ("facets_cut"), to be counted again when asked next."""
        started, seconds = time.monotonic(), default_seconds()

        def hits() -> dict[str, Any]:
            filters = form.filters(dedupe="copies")
            page_number = form.page
            with database.session() as session, time_limit(session, seconds):
                offset = (page_number - 1) * limit
                result = run_search(session, form.q, filters, limit=limit, offset=offset, sort=form.sort)
                last = max(1, min(MAX_PAGE, -(-(result.ranked or result.total) // limit)))
                if page_number > last:  # past the end: the last page
                    page_number = last
                    offset = (last - 1) * limit
                    result = run_search(session, form.q, filters, limit=limit, offset=offset, sort=form.sort)
            return {"result": result, "pages": last, "page": page_number}

        # A page of hits is kept; a download's thousand hits are computed each time (large, and rarely asked
        # twice).
        found = answers.get(("search", form.key(), limit), hits) if limit == PAGE_SIZE else hits()
        form.page = found["page"]
        found |= {"facets": {}, "facets_cut": ""}
        if not with_facets:
            return found
        filters, matched = form.filters(dedupe="copies"), found["result"].total

        def facets() -> dict[str, Any]:
            left = seconds and max(0.001, seconds - (time.monotonic() - started))  # 0: no limit
            with database.session() as session, time_limit(session, left):
                return run_facets(session, form.q, filters, matched=matched)

        try:
            found["facets"] = answers.get(("facets", form.q, filters), facets)
        except TimeLimitExceeded:
            found["facets_cut"] = (
                f"the facet counts ran past the time limit ({seconds:g} s) with the hits and were stopped: ask again "
                "(the hits are kept), or narrow the search (a site, a period, a longer phrase)"
            )
        return found

    @app.get("/search", response_class=HTMLResponse)
    def search_page(request: Request) -> HTMLResponse:
        form, error = form_of(request)
        found: dict[str, Any] = {"result": None, "facets": {}, "facets_cut": "", "pages": 0}
        if not error:
            try:
                found = searched(form, limit=PAGE_SIZE, with_facets=True)
            except QueryError as exc:
                error = str(exc)
        return shown(
            request,
            "search.html",
            form,
            error,
            title=f"搜索 {form.q}" if form.q else "浏览",
            facet_exact=EXACT,
            facet_sample=SAMPLE,
            **found,
        )

    def search_rows(request: Request, *, with_facets: bool = True) -> tuple[Form, dict[str, Any]]:
        form, error = form_of(request)
        if error:
            raise QueryError(error)
        form.page = 1
        return form, searched(form, limit=EXPORT_ROWS, with_facets=with_facets)

    @app.get("/search.csv")
    def search_csv(request: Request) -> Response:
        _, found = search_rows(request, with_facets=False)
        hits = [{**hit, "speakers": "、".join(hit["speakers"])} for hit in found["result"].hits]
        return download(hits, SEARCH_COLUMNS, "search")

    @app.get("/search.json")
    def search_json(request: Request) -> Response:
        form, found = search_rows(request)
        result = found["result"].to_json()
        for hit in result["hits"]:
            hit.pop("title_html", None)
        return as_json({**result, "sort": form.sort, "facets": found["facets"], "facets_cut": found["facets_cut"]})

    @app.get("/facets.csv")
    def facets_csv(request: Request) -> Response:
        _, found = search_rows(request)
        if found["facets_cut"]:
            raise TimeLimitExceeded(found["facets_cut"])
        rows = [{"facet": name, **value} for name, values in found["facets"].items() for value in values]
        return download(rows, FACET_COLUMNS, "facets")

    # ---- attention over time ------------------------------------------------------------------------------------

    def trended(form: Form, *, occurrences: bool = True) -> tuple[list[dict[str, Any]], str]:
        """The trend rows; without `occurrences` (the chart and its table show articles and shares only), a term
        without stored counts is counted from the index, not in the text of every matching article."""
        filters = form.filters(dedupe="reprints")
        if not form.queries:
            return [], filters.dedupe or "reprints"

        def compute() -> list[dict[str, Any]]:
            with database.session() as session, time_limit(session):
                rows = run_trend(
                    session,
                    form.queries,
                    by=form.by,  # type: ignore[arg-type]
                    filters=filters,
                    floor=form.floor,
                    vocabulary=vocabulary,
                    occurrences=occurrences,
                )
            return [r.to_json() for r in rows]

        return answers.get(("trend", form.key(), occurrences), compute), filters.dedupe or "reprints"

    @app.get("/trends", response_class=HTMLResponse)
    def trends_page(request: Request) -> HTMLResponse:
        form, error = form_of(request)
        rows: list[dict[str, Any]] = []
        chart: dict[str, Any] | None = None
        if not error:
            try:
                rows, dedupe = trended(form, occurrences=False)
                chart = chart_data(rows, form, dedupe=dedupe) if rows else None
                for row in rows:
                    query = form.queries[list(dict.fromkeys(r["term"] for r in rows)).index(row["term"])]
                    row["link"] = point_link(form, query, row, dedupe=dedupe)
            except QueryError as exc:
                error = str(exc)
        slots = [*form.queries, *[""] * (MAX_QUERIES - len(form.queries))][: max(3, len(form.queries) + 1)]
        return shown(
            request,
            "trends.html",
            form,
            error,
            title="趋势",
            rows=rows,
            chart=chart,
            slots=slots,
            curated=sorted(vocabulary.terms),
        )

    @app.get("/trends.csv")
    def trends_csv(request: Request) -> Response:
        form, error = form_of(request)
        if error:
            raise QueryError(error)
        rows, _ = trended(form)
        return download(rows, [*TREND_COLUMNS, "date_from", "date_to"], "trend")

    @app.get("/trends.json")
    def trends_json(request: Request) -> Response:
        form, error = form_of(request)
        if error:
            raise QueryError(error)
        rows, dedupe = trended(form)
        filters = form.filters(dedupe=dedupe).to_json()
        return as_json({"queries": form.queries, "by": form.by, "floor": form.floor, "filters": filters, "rows": rows})

    # ---- terms in context ---------------------------------------------------------------------------------------

    def in_context(form: Form) -> dict[str, Any] | None:
        if not form.q:
            return None

        def compute() -> dict[str, Any]:
            with database.session() as session, time_limit(session):
                found = contexts(session, form.q, form.filters(dedupe="reprints"), order=form.order, limit=CONTEXT_ROWS)
            return found.to_json()

        return answers.get(("context", form.key()), compute)

    @app.get("/context", response_class=HTMLResponse)
    def context_page(request: Request) -> HTMLResponse:
        form, error = form_of(request)
        found = None
        if not error:
            try:
                found = in_context(form)
            except QueryError as exc:
                error = str(exc)
        return shown(request, "context.html", form, error, title=f"语境 {form.q}", found=found)

    @app.get("/context.csv")
    def context_csv(request: Request) -> Response:
        form, error = form_of(request)
        found = in_context(form) if not error else None
        if error or found is None:
            raise QueryError(error or "give a term to read in context")
        return download(found["sentences"], CONTEXT_COLUMNS, "context")

    @app.get("/context.json")
    def context_json(request: Request) -> Response:
        form, error = form_of(request)
        found = in_context(form) if not error else None
        if error or found is None:
            raise QueryError(error or "give a term to read in context")
        for row in found["sentences"]:
            row.pop("sentence_html", None)
        return as_json(found)

    # ---- distinctive words and first use ------------------------------------------------------------------------

    def worded(form: Form) -> dict[str, Any] | None:
        if not form.q:
            return None

        def compute() -> dict[str, Any]:
            filters = form.filters(dedupe="reprints")
            with database.session() as session, time_limit(session):
                report = distinctive_words(session, form.q, filters, vocabulary=vocabulary)
                earliest = run_search(session, form.q, filters, limit=1, sort="oldest").hits
            report["first"] = earliest[0] if earliest else None
            return report

        return answers.get(("words", form.key()), compute)

    @app.get("/words", response_class=HTMLResponse)
    def words_page(request: Request) -> HTMLResponse:
        form, error = form_of(request)
        report = None
        if not error:
            try:
                report = worded(form)
            except QueryError as exc:
                error = str(exc)
        return shown(request, "words.html", form, error, title=f"词语 {form.q}", report=report)

    def words_report(request: Request) -> dict[str, Any]:
        form, error = form_of(request)
        report = worded(form) if not error else None
        if error or report is None:
            raise QueryError(error or "give a query whose words to compare")
        return report

    @app.get("/words.csv")
    def words_csv(request: Request) -> Response:
        return download(words_report(request)["words"], WORDS_COLUMNS, "words")

    @app.get("/words.json")
    def words_json(request: Request) -> Response:
        report = words_report(request)
        if report["first"]:
            report["first"].pop("title_html", None)
        return as_json(report)

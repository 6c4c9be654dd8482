"""The explorer's form, read from a request's parameters and checked, so a mistake is answered on the form itself
(400, with everything typed kept) and never cut or dropped silently."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any
from urllib.parse import urlencode

from db.filters import Filters
from ground.kinds import KINDS

MAX_TEXT = 200  # the query box's maxlength: a longer query is refused, never cut
MAX_QUERIES = 6  # queries on one chart
PERIODS = ("month", "quarter", "year")
MODES = ("share", "count")
DEDUPES = ("copies", "reprints")
SORTS = ("relevance", "date", "oldest")
ORDERS = ("newest", "oldest")
# Dates outside these years are typing mistakes (and 9999-12-31 has no next day to end a range on).
FIRST_YEAR, LAST_YEAR = 1900, 2100
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FormError(ValueError):
    """A value of the form a user can correct; the page shows it above the form they filled in."""


@dataclass
class Form:
    """Every field any explorer page reads; each page uses its own."""

    queries: list[str] = field(default_factory=list)
    site: str = ""
    date_from: str = ""
    date_to: str = ""
    speaker: str = ""
    org: str = ""
    kind: str = ""
    dedupe: str = ""
    sort: str = "relevance"
    page: int = 1
    by: str = "month"
    mode: str = "share"
    floor: int = 30
    order: str = "newest"

    @property
    def q(self) -> str:
        return self.queries[0] if self.queries else ""

    def filters(self, *, dedupe: str) -> Filters:
        """The filters the form names (dedupe: the page's default when the form leaves it empty)."""
        return Filters(
            site=self.site or None,
            date_from=_day(self.date_from, "from"),
            date_to=_day(self.date_to, "to"),
            speaker=self.speaker or None,
            org=self.org or None,
            kind=self.kind or None,
            dedupe=self.dedupe or dedupe,
        )

    def params(self, **changes: Any) -> dict[str, Any]:
        """The form as link parameters (multi-valued q kept), with changes."""
        values: dict[str, Any] = {
            "q": self.queries,
            "site": self.site,
            "from": self.date_from,
            "to": self.date_to,
            "speaker": self.speaker,
            "org": self.org,
            "kind": self.kind,
            "dedupe": self.dedupe,
            "sort": self.sort,
            "by": self.by,
            "mode": self.mode,
            "floor": self.floor,
            "order": self.order,
        }
        defaults = {"sort": "relevance", "by": "month", "mode": "share", "floor": 30, "order": "newest"}
        values = {k: v for k, v in values.items() if defaults.get(k, "") != v}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None, [])}

    def key(self) -> tuple[Any, ...]:
        """Every field, as a key for the answer to this form (web/answers.py)."""
        return (tuple(self.queries), *(getattr(self, f.name) for f in fields(self) if f.name != "queries"))

    def link(self, path: str, **changes: Any) -> str:
        return f"{path}?{urlencode(self.params(**changes), doseq=True)}"


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if DATE.match(text) else None
    except ValueError:
        day = None
    if day is None:
        raise FormError(f"{name}: {text!r} is not a date (YYYY-MM-DD)")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise FormError(f"{name}: {text} is outside {FIRST_YEAR}–{LAST_YEAR}")
    return day


def _choice(value: str, choices: Sequence[str], name: str, default: str) -> str:
    if not value:
        return default
    if value not in choices:
        raise FormError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _number(value: str, name: str, default: int, low: int, high: int) -> int:
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise FormError(f"{name} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise FormError(f"{name} must be between {low} and {high}, not {number}")
    return number


def read_form(params: Mapping[str, str], queries: list[str]) -> tuple[Form, str | None]:
    """The form from the parameters, and the first mistake found (None: none). The form keeps what was typed
    even where it is wrong, so the page can show it back."""
    text = {name: params.get(name, "") for name in ("site", "from", "to", "speaker", "org", "kind", "dedupe")}
    form = Form(
        queries=[q for q in queries if q.strip()],
        site=text["site"],
        date_from=text["from"],
        date_to=text["to"],
        speaker=text["speaker"],
        org=text["org"],
        kind=text["kind"],
        dedupe=text["dedupe"],
    )
    try:
        for name, value in [*(("q", q) for q in queries), *text.items()]:
            if len(value) > MAX_TEXT:
                raise FormError(f"{name} is {len(value)} characters long; at most {MAX_TEXT}: shorten it")
        if len(form.queries) > MAX_QUERIES:
            raise FormError(f"at most {MAX_QUERIES} queries on one chart")
        form.sort = _choice(params.get("sort", ""), SORTS, "sort", "relevance")
        form.by = _choice(params.get("by", ""), PERIODS, "by", "month")
        form.mode = _choice(params.get("mode", ""), MODES, "mode", "share")
        form.order = _choice(params.get("order", ""), ORDERS, "order", "newest")
        _choice(form.dedupe, DEDUPES, "dedupe", "")
        _choice(form.kind, KINDS, "kind", "")
        form.page = _number(params.get("page", ""), "page", 1, 1, 10**6)
        form.floor = _number(params.get("floor", ""), "floor", 30, 0, 10**6)
        form.filters(dedupe="copies")  # the dates
    except FormError as error:
        return form, str(error)
    return form, None

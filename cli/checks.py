"""Arguments checked against what the database holds, before a command answers from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cli.output import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def check_filters(session: Session, sites: list[str] | None, kind: str | None = None) -> None:
    """Unknown sites and kinds are errors that list the valid ones (exit 2), not empty answers."""
    from analysis.search import check_kind, check_sites
    from ground.query import QueryError

    try:
        check_sites(session, sites)
        check_kind(kind)
    except QueryError as error:
        fail(str(error), code=2)

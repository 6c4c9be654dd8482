"""The options and arguments every command shares, declared once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///newsmon.db by default; postgresql+psycopg://… works the same). "
        "Setting: database.url (NEWSMON_DATABASE_URL).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger number is a usage error, not a crash


ArticleId = Annotated[int, typer.Argument(help="Article id.", min=1, max=MAX_ID)]
RunId = Annotated[int, typer.Argument(help="Run id.", min=1, max=MAX_ID)]
AlertId = Annotated[int, typer.Argument(help="Alert id.", min=1, max=MAX_ID)]


LogOption = Annotated[
    str | None, typer.Option("--log-level", help="Logging level: DEBUG, INFO, WARNING (default), ERROR.")
]


LogFormatOption = Annotated[
    str | None,
    typer.Option(
        "--log-format",
        help="auto (Rich on a terminal, one plain line per event otherwise), rich, plain or json (one object a line).",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        dir_okay=False,
        help="Settings file (default: ./newsmon.toml, then ~/.config/newsmon/newsmon.toml); see `newsmon config show`.",
    ),
]


class DedupeChoice(StrEnum):
    """How listings and counts treat copies of one speech."""

    copies = "copies"
    reprints = "reprints"

    @property
    def value_literal(self) -> Literal["copies", "reprints"]:
        return "reprints" if self is DedupeChoice.reprints else "copies"

"""The options and arguments every command shares, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

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
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger number is a usage error, not a crash


ArticleId = Annotated[int, typer.Argument(help="Article id.", min=1, max=MAX_ID)]
RunId = Annotated[int, typer.Argument(help="Run id.", min=1, max=MAX_ID)]
AlertId = Annotated[int, typer.Argument(help="Alert id.", min=1, max=MAX_ID)]


LogOption = Annotated[str, typer.Option("--log-level", help="Logging level: DEBUG, INFO, WARNING, ERROR.")]


LogFormatOption = Annotated[
    str,
    typer.Option(
        "--log-format",
        envvar="NEWSMON_LOG_FORMAT",
        help="auto (Rich on a terminal, one plain line per event otherwise), rich, plain or json (one object a line).",
    ),
]

"""Printing for the CLI: Rich tables for people, JSON for scripts."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

# Outside a terminal a printed line stays one line (Rich would wrap it at 80 columns), so scripts and logs can
# grep it; tables still fit the width.
console = Console(soft_wrap=not sys.stdout.isatty())
# Messages are one line however narrow the terminal or when stderr is a file: soft wrapping leaves breaking a
# long line to the terminal, and leaves logs and error lines whole for grep.
err_console = Console(stderr=True, soft_wrap=True)


class _NoTracebacks(logging.Filter):
    """Outside DEBUG, a logged exception is shown as one line (its type and message), not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {error})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


class OneLineFormatter(logging.Formatter):
    """`2026-11-25 19:00:01,123 INFO crawler.run: message`: one line per event, whatever the message holds (its
    newlines and a traceback's are written as \\n), so logs from a service can be grepped line by line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line for log shippers: time (ISO 8601 with offset), level, logger, message, and the
    traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        from datetime import datetime

        entry = {
            "time": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str = "WARNING", log_format: str = "auto") -> None:
    """Log to stderr: through Rich on a terminal, one plain line per event elsewhere (`auto`), or JSON lines.

    The handler's own level holds even when Scrapy lowers the root logger's.
    """
    if log_format == "auto":
        log_format = "rich" if sys.stderr.isatty() else "plain"
    handler: logging.Handler
    if log_format == "rich":
        handler = RichHandler(console=err_console, show_path=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter() if log_format == "json" else OneLineFormatter())
    handler.setLevel(level.upper())
    if level.upper() != "DEBUG":
        handler.addFilter(_NoTracebacks())
    logging.basicConfig(level=level.upper(), format="%(message)s", datefmt="[%X]", handlers=[handler], force=True)


def print_json(data: Any) -> None:
    # Plain print: Rich would wrap long lines and break the JSON for scripts.
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], *, title: str | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    console.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def error_line(message: str) -> None:
    """`error: …` on stderr, one line: the message is text, not markup (a [bracket] in a query, newsmon[analysis],
    is printed as written), and its own line breaks become spaces."""
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/] {escape(' '.join(message.split()))}", highlight=False)


def fail(message: str, code: int = 1) -> None:
    import typer

    error_line(message)
    raise typer.Exit(code)


@contextlib.contextmanager
def fail_on(*error_types: type[Exception]) -> Iterator[None]:
    """Turn an expected error into a one-line message and exit code 1."""
    try:
        yield
    except error_types as error:
        fail(str(error))

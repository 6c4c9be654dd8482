"""`newsmon config`: the settings in force and where each came from (docs/settings.md); the global options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from cli.output import console, fail, print_json, setup_logging

config_app = typer.Typer(help="Settings: what is in force and where it came from.", no_args_is_help=True)


def apply_main_options(config: Path | None, log_level: str | None, log_format: str | None) -> None:
    """The options every command takes: the settings file to read, and how to log. A bad settings file or value
    stops here with one line (exit 2), before the command runs (`--help` never reads them)."""
    from ground.settings import CONFIG_ENV, SettingsError, current, given_option

    if config is not None:
        if not config.is_file():
            fail(f"{config}: no such settings file (named by --config)", code=2)
        os.environ[CONFIG_ENV] = str(config)  # crawls the scheduler starts read the same file
    given_option("logging.level", "--log-level", log_level)
    given_option("logging.format", "--log-format", log_format)
    try:
        settings = current()
    except SettingsError as error:
        fail(str(error), code=2)
        return
    if log_format is not None:
        os.environ["NEWSMON_LOG_FORMAT"] = settings["logging.format"]  # crawls the scheduler starts log the same way
    setup_logging(settings["logging.level"], settings["logging.format"])


def shown(name: str, value: Any) -> Any:
    """The value as `config show` prints it: passwords (in their own setting or inside a URL) as ***."""
    if value is None or value == "":
        return value
    if name.endswith("password"):
        return "***"
    if isinstance(value, str) and "://" in value:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(value)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            return urlunsplit(parts._replace(netloc=netloc))
    return value


@config_app.command("show")
def config_show(
    db: Annotated[str | None, typer.Option("--db", help="Show database.url as this command line would set it.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")] = False,
) -> None:
    """Print every setting in force, where its value came from (default, the settings file, an environment
    variable or an option) and the environment variable that overrides it."""
    from ground.settings import SettingsError, with_options

    try:
        settings = with_options(database__url=("--db", db))
    except SettingsError as error:
        fail(str(error), code=2)
        return
    rows = [{**row, "value": shown(row["name"], row["value"])} for row in settings.to_json()]
    if json_out:
        print_json({"file": str(settings.file) if settings.file else None, "settings": rows})
        return
    console.print(f"settings file: {settings.file or 'none (defaults and environment only)'}", highlight=False)
    table = Table(show_lines=False)
    for column in ("name", "value", "source", "env"):
        table.add_column(column, overflow="fold", no_wrap=column in ("name", "env"))
    for row in rows:
        table.add_row(*(escape("" if row[c] is None else str(row[c])) for c in ("name", "value", "source", "env")))
    console.print(table)

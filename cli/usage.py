"""Usage errors from the command line parser (an unknown option, a missing argument, a value of the wrong type) as
newsmon's other errors are: one line on stderr and exit code 2, not a boxed panel."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer._click.exceptions import NoArgsIsHelpError  # Typer carries its own click
from typer.core import TyperGroup

from cli.output import error_line


class OneLineUsageErrors(TyperGroup):
    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as error:  # a group named alone: its help, as asked for
            error.show()
            sys.exit(error.exit_code)
        except typer.TyperException as error:
            context = getattr(error, "ctx", None)
            hint = f" (see `{context.command_path} --help`)" if context is not None else ""
            error_line(error.format_message() + hint)
            sys.exit(error.exit_code)
        except typer.Abort:
            error_line("aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

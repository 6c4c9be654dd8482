"""Write the generated references: docs/cli.md (every command's --help), the settings table of docs/settings.md
and newsmon.toml.example (every setting with its default).

    python docs/gen_reference.py          # rewrite them
    python docs/gen_reference.py --check  # exit 1 if any is not what this would write
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLI_MD = ROOT / "docs" / "cli.md"
SETTINGS_MD = ROOT / "docs" / "settings.md"
EXAMPLE = ROOT / "newsmon.toml.example"
WIDTH = "100"
BEGIN, END = "<!-- settings table: written by docs/gen_reference.py -->", "<!-- end of settings table -->"


def commands(command: Any, path: tuple[str, ...] = ("newsmon",)) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group of the CLI, depth first, with its path (("newsmon", "articles", "list"))."""
    yield path, command
    if hasattr(command, "commands"):  # a group
        for name in sorted(command.commands):
            yield from commands(command.commands[name], (*path, name))


def cli_reference() -> str:
    os.environ["TERMINAL_WIDTH"] = WIDTH  # typer's Rich help reads it when first imported
    os.environ["COLUMNS"] = WIDTH
    import typer
    from typer.testing import CliRunner

    from cli.app import app

    runner = CliRunner()
    parts = [
        "# CLI reference\n",
        "Every command's `--help`, written by `python docs/gen_reference.py` (`make docs`); `tests/test_docs.py`",
        "fails when a command or option is missing here. The settings commands read: [settings.md](settings.md).\n",
    ]
    for path, _command in commands(typer.main.get_command(app)):
        result = runner.invoke(app, [*path[1:], "--help"], prog_name="newsmon", env={"NO_COLOR": "1"})
        if result.exit_code != 0:
            raise SystemExit(f"{' '.join(path)} --help exited {result.exit_code}: {result.output}")
        text = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        parts.append(f"## {' '.join(path)}\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def settings_table() -> str:
    from ground.settings import SECTIONS, SETTINGS

    lines = [BEGIN, ""]
    for section in SECTIONS:
        lines += [f"### [{section}]", "", "| key | default | environment | what |", "|---|---|---|---|"]
        for s in (s for s in SETTINGS if s.section == section):
            default = "unset" if s.default is None else f"`{_toml(s.default)}`"
            env = " ".join(f"`{name}`" for name in (s.env, *s.aliases))
            what = (s.help + (f" One of: {', '.join(s.choices)}." if s.choices else "")).replace("|", "&#124;")
            lines.append(f"| `{s.key}` | {default} | {env} | {what} |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def settings_page(current: str) -> str:
    """docs/settings.md with its table block replaced."""
    start, end = current.index(BEGIN), current.index(END) + len(END)
    return current[:start] + settings_table() + current[end:]


def example() -> str:
    from ground.settings import SECTIONS, SETTINGS

    lines = [
        "# newsmon settings: copy to ./newsmon.toml or ~/.config/newsmon/newsmon.toml and uncomment what you change.",
        "# Every key with its default; NEWSMON_<SECTION>_<KEY> in the environment overrides a key (docs/settings.md).",
    ]
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        for s in (s for s in SETTINGS if s.section == section):
            lines.append(f"# {s.help}")
            lines.append(f"# {s.key} = {_toml('' if s.default is None else s.default)}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is not up to date")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    wanted = {
        CLI_MD: cli_reference(),
        SETTINGS_MD: settings_page(SETTINGS_MD.read_text(encoding="utf-8")),
        EXAMPLE: example(),
    }
    stale = [path for path, text in wanted.items() if not path.is_file() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python docs/gen_reference.py")
        raise SystemExit(1 if stale else 0)
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

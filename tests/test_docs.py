"""The docs keep up with the code: every command and option is in docs/cli.md, every setting in docs/settings.md
and newsmon.toml.example, and the README links them."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer

from cli.app import app
from ground.settings import SETTINGS, load

ROOT = Path(__file__).resolve().parents[1]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "docs" / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def commands(command: Any, path: tuple[str, ...] = ("newsmon",)) -> Iterator[tuple[str, Any]]:
    yield " ".join(path), command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from commands(sub, (*path, name))


def cli_sections() -> dict[str, str]:
    """docs/cli.md's sections: '## newsmon articles list' → the text under it."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (newsmon.*)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


COMMANDS = dict(commands(typer.main.get_command(app)))


def test_every_command_has_its_section_and_no_section_is_of_a_gone_command() -> None:
    sections = cli_sections()
    missing = sorted(set(COMMANDS) - set(sections))
    assert not missing, f"not in docs/cli.md (run python docs/gen_reference.py): {missing}"
    gone = sorted(set(sections) - set(COMMANDS))
    assert not gone, f"docs/cli.md documents commands that do not exist: {gone}"


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_option_and_argument_of_a_command_is_documented(path: str) -> None:
    section = cli_sections().get(path, "")
    undocumented = []
    for param in COMMANDS[path].params:
        if param.param_type_name == "option":
            names = [*param.opts, *param.secondary_opts]
            undocumented += [n for n in names if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", section)]
        elif not re.search(rf"\b{re.escape(param.name)}\b", section):
            undocumented.append(param.name)
    help_text = (COMMANDS[path].help or "").split("\n\n")[0].split()[:6]
    assert not undocumented, f"{path}: not in docs/cli.md (run python docs/gen_reference.py): {undocumented}"
    assert " ".join(help_text) in " ".join(section.split()), f"{path}: its description in docs/cli.md is stale"


def test_every_setting_is_in_the_settings_page_as_the_module_says() -> None:
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        section = page.split(f"### [{setting.section}]", 1)[-1].split("### [", 1)[0]
        row = next((line for line in section.splitlines() if line.startswith(f"| `{setting.key}` |")), None)
        assert row is not None, f"{setting.name} is not in docs/settings.md (run python docs/gen_reference.py)"
        for name in (setting.env, *setting.aliases):
            assert f"`{name}`" in row, f"{setting.name}: {name} is not in its row of docs/settings.md"
    gen = generator()
    assert gen.settings_page(page) == page, "docs/settings.md's table is stale: run python docs/gen_reference.py"


def test_the_example_file_holds_every_setting_at_its_default() -> None:
    text = (ROOT / "newsmon.toml.example").read_text(encoding="utf-8")
    assert text == generator().example(), "newsmon.toml.example is stale: run python docs/gen_reference.py"
    uncommented = re.sub(r"^# (\w+ = )", r"\1", text, flags=re.M)
    data = tomllib.loads(uncommented)
    assert {f"{section}.{key}" for section, table in data.items() for key in table} == {s.name for s in SETTINGS}


def test_the_uncommented_example_loads_to_the_defaults(tmp_path: Path) -> None:
    text = (ROOT / "newsmon.toml.example").read_text(encoding="utf-8")
    path = tmp_path / "newsmon.toml"
    path.write_text(re.sub(r"^# (\w+ = )", r"\1", text, flags=re.M), encoding="utf-8")
    settings = load(path, environ={})
    assert {name: v.value for name, v in settings.values.items()} == {s.name: s.default for s in SETTINGS}


def test_the_readme_stays_short_and_links_the_reference_pages() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 110
    for page in ("docs/cli.md", "docs/settings.md", "docs/deployment.md"):
        assert f"({page})" in readme, f"README does not link {page}"

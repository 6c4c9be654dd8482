"""Start-up: the schema revision is read without Alembic, and each command imports only the libraries it uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.engine import HEAD_REVISION, script_head
from pipelines.seed import open_database

ROOT = Path(__file__).resolve().parents[1]

# Run a command in a fresh interpreter and write the names of every module it imported to a file.
PROBE = """
import atexit, json, runpy, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["newsmon", *sys.argv[2:]]
runpy.run_module("cli", run_name="__main__")
"""

# Libraries that cost a reader tenths of a second and that no read command needs.
HEAVY = ("alembic", "scrapy", "twisted", "bs4", "lxml", "scipy", "datasketch", "matplotlib", "pyarrow", "jieba")


def imported_by(args: list[str], tmp_path: Path, *, packages: bool = True) -> set[str]:
    """The top-level packages a command imports (every module with packages=False)."""
    out = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    names = json.loads(out.read_text())
    return {name.split(".")[0] for name in names} if packages else set(names)


def test_head_revision_is_the_migration_scripts_head() -> None:
    assert script_head() == HEAD_REVISION


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('startup') / 'newsmon.db'}"
    open_database(url).dispose()  # `newsmon init`: the seed speech is article 1
    return url


def test_help_imports_no_database_library(tmp_path: Path) -> None:
    modules = imported_by(["--help"], tmp_path)
    assert modules & {"sqlalchemy", "pydantic", "apscheduler", *HEAVY} == set()


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["search", "数字政府"], ()),
        (["search", "数字政府", "--site", "e-gov.org.cn", "--json"], ()),
        (["articles", "list"], ()),
        (["articles", "show", "1"], ()),
        (["summary"], ()),
        (["runs", "list"], ()),
        (["status"], ()),
        (["schedule", "list"], ()),
        (["trend", "数字政府"], ()),
        (["who", "数字政府"], ()),
        (["first", "数字政府"], ()),
        (["alerts", "list"], ()),
        (["speakers", "list"], ()),
        (["terms", "--from", "2024", "--to", "2025"], ("jieba",)),  # segments articles into words
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_read_commands_import_only_what_they_use(
    args: list[str], allowed: tuple[str, ...], demo_db: str, tmp_path: Path
) -> None:
    modules = imported_by([*args, "--db", demo_db], tmp_path)
    assert modules & (set(HEAVY) - set(allowed)) == set()


@pytest.mark.parametrize(
    "args",
    [
        ["search", "数字政府"],
        ["search", "数字政府 OR 放管服", "--site", "e-gov.org.cn", "--sort", "date", "--json"],
        ["search", "数字政府", "--facets", "--dedupe", "reprints"],
        ["search", "", "--site", "中国电子政务网"],
        ["context", "数字政府"],
    ],
    ids=" ".join,
)
def test_searching_imports_no_orm(args: list[str], demo_db: str, tmp_path: Path) -> None:
    """Searches read on Core tables (db/tables.py): the ORM, the mapped classes, PostgreSQL's dialect and pydantic
    cost a search tenths of a second and it uses none of them."""
    modules = imported_by([*args, "--db", demo_db], tmp_path, packages=False)
    unused = {"sqlalchemy.orm", "db.models", "db.watch_models", "sqlalchemy.dialects.postgresql", "pydantic"}
    assert modules & unused == set()


def test_export_imports_no_crawler_library(demo_db: str, tmp_path: Path) -> None:
    modules = imported_by(["export", "数字政府", "--out", str(tmp_path / "hits.csv"), "--db", demo_db], tmp_path)
    assert modules & set(HEAVY) == set()


def test_opening_a_database_imports_no_migration_script(demo_db: str) -> None:
    code = (
        "import sys; from db.engine import open_read_only; open_read_only(sys.argv[1]).dispose(); "
        "print(sorted(m for m in sys.modules if m.startswith(('alembic', 'db.migrations'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, demo_db],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_the_ground_normaliser_is_the_extraction_normaliser(text: str) -> None:
    """db/ normalises with ground.text (no extraction package loaded); it must agree with crawler's one."""
    import unicodedata

    from extraction import text as extraction_text
    from ground import text as ground_text

    assert ground_text.nfkc(text) == extraction_text.nfkc(text) == unicodedata.normalize("NFKC", text)
    assert ground_text.nfkc_key(text) == extraction_text.nfkc_key(text)


def test_the_ground_kinds_are_the_attribution_kinds() -> None:
    from ground.kinds import KINDS
    from ground.speech import KINDS as attribution_kinds

    assert attribution_kinds == KINDS

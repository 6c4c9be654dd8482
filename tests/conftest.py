"""Shared fixtures: the ../shared corpus (read in place), and databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
MIRROR_SITE = ROOT / "mirror" / "site"
PG_BASE = os.environ.get("NEWSMON_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# The database a test gets when it does not ask for both: SQLite, or PostgreSQL for the second pass of
# `make test` (NEWSMON_TEST_BACKEND=postgresql), so the whole suite runs on both.
BACKEND = os.environ.get("NEWSMON_TEST_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise ValueError(f"NEWSMON_TEST_BACKEND must be sqlite or postgresql, not {BACKEND!r}")


def need_corpus() -> Path:
    """The gold corpus, or a skip that says why (a fresh clone outside the workplace has no ../shared)."""
    if not (CORPUS / "gold").is_dir():
        pytest.skip(f"{CORPUS} is absent: the saved pages of ../shared are only in the workplace and CI")
    return CORPUS


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_BASE.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return None
    except Exception as error:
        return str(error).strip().splitlines()[0]


@pytest.fixture(scope="session")
def pg_available() -> None:
    reason = _pg_reachable()
    if reason:
        pytest.skip(f"no PostgreSQL server at {PG_BASE}: {reason}")


@pytest.fixture
def pg_url(pg_available: None) -> Iterator[str]:
    """A database URL whose search_path is a fresh schema, dropped after the test."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def default_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test's database: a SQLite file, or a fresh PostgreSQL schema when NEWSMON_TEST_BACKEND=postgresql."""
    if BACKEND == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'newsmon.db'}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file, on both passes: for tests about SQLite itself (use default_db_url otherwise)."""
    return f"sqlite:///{tmp_path / 'newsmon.db'}"


@pytest.fixture(autouse=True)
def _default_database_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the PostgreSQL pass, commands run without --db use the test's own schema, not ./newsmon.db."""
    if BACKEND == "postgresql":
        monkeypatch.setenv("NEWSMON_DATABASE_URL", str(request.getfixturevalue("default_db_url")))


def _fixtures_used(item: pytest.Item) -> set[str]:
    """The fixtures a test asks for, directly or through other fixtures, leaving out autouse ones."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return set()
    seen: set[str] = set()
    stack = list(info.argnames)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        definitions = info.name2fixturedefs.get(name)
        if definitions:
            stack.extend(definitions[-1].argnames)
    return seen


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs the tests whose database is default_db_url: those that name their database
    (db_url, pg_url, sqlite_url) already ran on both in the first pass, and tests that use no database
    (extraction, dates, charsets …) have nothing to learn from a second run."""
    if BACKEND != "postgresql":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        used = _fixtures_used(item)
        named = {"db_url", "pg_url", "sqlite_url"} & used
        (kept if "default_db_url" in used and not named else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every storage test runs on SQLite and on the PostgreSQL server of this machine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'newsmon.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def initialised(db_url: str) -> str:
    """The database created as `newsmon init` creates it (only init does: a crawl or import refuses a missing one)."""
    from pipelines.seed import open_database

    open_database(db_url).dispose()
    return db_url

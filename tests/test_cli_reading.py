"""Reading never writes: read commands leave the database file byte for byte as it was, run on a read-only file
in a read-only directory, never move a schedule; and only `init` creates a database."""

from __future__ import annotations

import hashlib
import shutil
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from typer.testing import CliRunner

from cli.app import app
from db.engine import open_read_only
from db.types import SHANGHAI
from pipelines.seed import open_database
from scheduler import add_schedule, list_schedules

ARTICLE = """数字政府建设迈出新步伐
来源:人民网 更新时间:2024-05-10 06:58

（记者王乐文）江东省政务服务数据管理局局长在座谈会上说，数字政府建设要让群众办事更方便。
全省政务服务事项网上可办率持续提升，数据共享打通了部门之间的堵点。
责任编辑：胡永秋
"""

READ_COMMANDS = [
    ["status"],
    ["status", "--json"],
    ["schedule", "list"],
    ["runs", "list"],
    ["sites", "list"],
    ["summary"],
    ["search", "数字政府"],
    ["search", "数字政府", "--json"],
    ["articles", "list"],
    ["articles", "show", "1"],
    ["articles", "history", "1"],
    ["alerts", "list"],
    ["speakers", "list"],
    ["speakers", "show", "谢少锋"],
    ["trend", "数字政府"],
    ["first", "数字政府"],
    ["who", "数字政府"],
    ["terms", "--from", "2024", "--to", "2025", "--min-articles", "1"],
]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the seed, an imported article and a crawl schedule whose window is long past."""
    directory = tmp_path_factory.mktemp("reading")
    path = directory / "newsmon.db"
    url = f"sqlite:///{path}"
    assert invoke("init", "--db", url)[0] == 0
    text = directory / "article.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    assert invoke("import", str(text), "--site", "e-gov.org.cn", "--db", url)[0] == 0
    with time_machine.travel(datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI), tick=False):
        add_schedule(url, "people", cron="0 6 * * *")  # next window 2026-01-06 06:00: overdue ever since
    open_database(url).dispose()  # checkpoint: the file alone holds everything
    return path


@pytest.fixture
def read_only_db(source_db: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the database, chmod 444, in a directory chmod 555."""
    directory = tmp_path / "ro"
    directory.mkdir()
    path = directory / "newsmon.db"
    shutil.copy(source_db, path)
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    directory.chmod(0o555)
    try:
        yield path
    finally:
        directory.chmod(0o755)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_read_command_leaves_a_read_only_file_byte_identical(args: list[str], read_only_db: Path) -> None:
    before = digest(read_only_db)
    code, output = invoke(*args, "--db", f"sqlite:///{read_only_db}")
    assert code == 0, output
    assert "Traceback" not in output and "cannot schedule" not in output
    assert digest(read_only_db) == before
    wal = read_only_db.with_name(read_only_db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_export_reads_the_database_and_writes_only_its_file(read_only_db: Path, tmp_path: Path) -> None:
    before = digest(read_only_db)
    out = tmp_path / "hits.jsonl"
    code, output = invoke("export", "数字政府", "--out", str(out), "--db", f"sqlite:///{read_only_db}")
    assert code == 0, output
    assert out.read_text(encoding="utf-8").count("\n") == 1
    assert digest(read_only_db) == before


def test_reading_the_schedule_while_the_scheduler_is_down_keeps_the_missed_window(source_db: Path) -> None:
    url = f"sqlite:///{source_db}"
    due = list_schedules(url)[0]["next_run_at"]
    assert due == "2026-01-06T06:00:00+08:00"
    for args in (["status"], ["schedule", "list"], ["schedule", "list", "--json"]):
        code, output = invoke(*args, "--db", url)
        assert code == 0 and "cannot schedule" not in output, output
    # The window is still the missed one, so the scheduler makes it up when it starts.
    assert list_schedules(url)[0]["next_run_at"] == due


def test_status_shows_the_overdue_window(source_db: Path) -> None:
    code, output = invoke("status", "--json", "--db", f"sqlite:///{source_db}")
    assert code == 0
    assert '"next_run_at": "2026-01-06T06:00:00+08:00"' in output


def test_a_directory_that_cannot_be_written_is_read_as_immutable(
    read_only_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a user who is not root gets in a read-only directory (root may write anywhere, so it is simulated)."""
    import sqlite3

    import db.engine

    uris: list[str] = []
    real_connect: Any = sqlite3.connect

    def connect(database: str, **kwargs: Any) -> sqlite3.Connection:
        uris.append(database)
        return real_connect(database, **kwargs)

    monkeypatch.setattr(db.engine.os, "access", lambda path, mode: False)
    monkeypatch.setattr(db.engine.sqlite3, "connect", connect)
    database = open_read_only(f"sqlite:///{read_only_db}")
    try:
        with database.session() as session:
            from db.queries import articles_per_site

            assert sum(row["articles"] for row in articles_per_site(session)) == 2
    finally:
        database.dispose()
    assert uris and all(uri.endswith("?mode=ro&immutable=1") for uri in uris)


def test_a_database_at_an_older_revision_is_not_migrated_by_reading(tmp_path: Path) -> None:
    from db.engine import make_engine, upgrade

    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0007")
    engine.dispose()
    before = digest(path)
    code, output = invoke("search", "数字政府", "--db", f"sqlite:///{path}")
    assert code == 2
    assert "revision 0007" in output and "newsmon db upgrade" in output
    assert digest(path) == before
    assert invoke("db", "upgrade", "--db", f"sqlite:///{path}")[0] == 0
    assert invoke("search", "数字政府", "--db", f"sqlite:///{path}")[0] == 0


COMMANDS_NEEDING_A_DATABASE = [
    *READ_COMMANDS,
    ["web", "--port", "0"],
    ["export", "数字政府", "--out", "hits.csv"],
    ["db", "upgrade"],
    ["crawl", "people"],
    ["import", "{article}"],
    ["schedule", "add", "people", "--every", "1h"],
    ["schedule", "pause", "people"],
    ["alerts", "resolve", "1"],
    ["speakers", "attribute"],
    ["reprints", "reindex"],
    ["index-terms"],
]


@pytest.mark.parametrize("args", COMMANDS_NEEDING_A_DATABASE, ids=" ".join)
def test_only_init_creates_a_database(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    missing = tmp_path / "typo" / "newsmon.db"
    args = [a.replace("{article}", str(article)) for a in args]
    code, output = invoke(*args, "--db", f"sqlite:///{missing}")
    assert code == 2, output
    assert output.strip().count("\n") == 0 and str(missing) in output and "newsmon init" in output
    assert not missing.parent.exists()


def test_init_creates_the_database_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "new" / "newsmon.db"
    code, output = invoke("init", "--db", f"sqlite:///{path}")
    assert code == 0, output
    assert path.is_file()


def test_a_file_that_is_not_a_newsmon_database_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    code, output = invoke("search", "x", "--db", f"sqlite:///{path}")
    assert code == 2 and "not a newsmon database" in output


def test_status_opens_the_database_once(source_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import db.engine

    opened: list[str] = []
    real_read_only, real_make_engine = db.engine.open_read_only, db.engine.make_engine

    def read_only(url: str | None = None) -> Any:
        opened.append("read")
        return real_read_only(url)

    def make_engine(url: str) -> Any:
        opened.append("write")
        return real_make_engine(url)

    monkeypatch.setattr(db.engine, "open_read_only", read_only)
    monkeypatch.setattr(db.engine, "make_engine", make_engine)
    code, output = invoke("status", "--db", f"sqlite:///{source_db}")
    assert code == 0, output
    assert opened == ["read"]


def test_editing_one_schedule_leaves_an_overdue_one_due(source_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "edit.db"
    shutil.copy(source_db, path)
    url = f"sqlite:///{path}"
    for args in (
        ["schedule", "add", "xinhua", "--every", "6h"],
        ["schedule", "pause", "xinhua"],
        ["schedule", "resume", "xinhua"],
        ["schedule", "remove", "xinhua"],
    ):
        code, output = invoke(*args, "--db", url)
        assert code == 0 and "cannot schedule" not in output, output
        assert list_schedules(url)[0]["next_run_at"] == "2026-01-06T06:00:00+08:00"  # people's missed window

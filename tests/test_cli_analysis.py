"""The analyst commands end to end on a SQLite file: JSON for scripts, CSV for spreadsheets, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app
from tests.analysis_fixtures import build

runner = CliRunner()


def test_search_trend_first_export_commands(sqlite_url: str, tmp_path: Path) -> None:
    database, ids = build(sqlite_url)
    database.dispose()
    found = runner.invoke(app, ["search", "数字政府", "--db", sqlite_url, "--json"])
    assert found.exit_code == 0, found.output
    assert {h["id"] for h in json.loads(found.output)["hits"]} == {ids["a"], ids["d"]}

    table = runner.invoke(app, ["trend", "一网通办", "--by", "year", "--csv", "--db", sqlite_url])
    assert table.exit_code == 0, table.output
    assert "2023,一网通办,1,2,3,333.333" in table.output.splitlines()

    earliest = runner.invoke(app, ["first", "一网通办", "--db", sqlite_url, "--json"])
    assert json.loads(earliest.output)[0]["id"] == ids["f"]

    out = tmp_path / "hits.jsonl"
    exported = runner.invoke(app, ["export", "政务", "--format", "jsonl", "--out", str(out), "--db", sqlite_url])
    assert exported.exit_code == 0, exported.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    assert json.loads((tmp_path / "hits.jsonl.manifest.json").read_text(encoding="utf-8"))["rows"] == 4


def test_bad_query_and_unavailable_filter_exit_2(sqlite_url: str) -> None:
    build(sqlite_url)[0].dispose()
    bad = runner.invoke(app, ["search", '"数字政府', "--db", sqlite_url])
    assert bad.exit_code == 2 and "unbalanced quotes" in bad.output
    speaker = runner.invoke(app, ["search", "政务", "--speaker", "谢少锋", "--db", sqlite_url])
    assert speaker.exit_code == 2 and "issue 5" in speaker.output

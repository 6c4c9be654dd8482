"""The analyst commands end to end on a SQLite file: JSON for scripts, CSV for spreadsheets, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.app import app
from tests.analysis_fixtures import build, build_speeches

runner = CliRunner()


def test_search_trend_first_export_commands(sqlite_url: str, tmp_path: Path) -> None:
    database, ids = build(sqlite_url)
    database.dispose()
    found = runner.invoke(app, ["search", "数字政府", "--db", sqlite_url, "--json"])
    assert found.exit_code == 0, found.output
    assert {h["id"] for h in json.loads(found.output)["hits"]} == {ids["a"], ids["d"]}

    table = runner.invoke(app, ["trend", "一网通办", "--by", "year", "--csv", "--db", sqlite_url])
    assert table.exit_code == 0, table.output
    assert "2023,一网通办,1,2,3,333.333,True,False" in table.output.splitlines()  # 3 articles: under the floor of 30
    assert "2019,一网通办,0,0,0,,False,False" in table.output.splitlines()  # no article at all: a gap, no share

    earliest = runner.invoke(app, ["first", "一网通办", "--db", sqlite_url, "--json"])
    assert json.loads(earliest.output)[0]["id"] == ids["f"]

    out = tmp_path / "hits.jsonl"
    exported = runner.invoke(app, ["export", "政务", "--format", "jsonl", "--out", str(out), "--db", sqlite_url])
    assert exported.exit_code == 0, exported.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    assert json.loads((tmp_path / "hits.jsonl.manifest.json").read_text(encoding="utf-8"))["rows"] == 4


def test_trend_of_full_queries_and_terms_in_context(db_url: str) -> None:
    database, ids = build_speeches(db_url)
    database.dispose()
    db = ["--db", db_url]
    rows = _json("trend", '"一网通办" OR 数字政府', "政务公开 NOT 各级政府", "--by", "year", "--floor", "2", *db)
    by_query: dict[str, list[Any]] = {}
    for row in rows:
        by_query.setdefault(row["term"], []).append(
            (row["period"], row["articles"], row["total_articles"], row["rate"])
        )
    assert by_query['"一网通办" OR 数字政府'][-2:] == [("2023", 2, 3, 666.667), ("2024", 2, 3, 666.667)]
    assert by_query["政务公开 NOT 各级政府"][0] == ("2018", 1, 1, 1000.0)
    assert by_query["政务公开 NOT 各级政府"][1] == ("2019", 0, 0, None)
    assert by_query["政务公开 NOT 各级政府"][-1] == ("2024", 0, 3, 0.0)  # e says 各级政府
    assert [r["uncertain"] for r in rows if r["period"] == "2018"] == [True, True]
    dangling = runner.invoke(app, ["trend", "一网通办 OR", *db])
    assert dangling.exit_code == 2 and "OR needs a word" in dangling.output

    found = _json("context", "一网通办", "--oldest", *db)
    assert found["articles"] == 3  # each speech once: g, the copy of c, is not read again
    assert [s["sentence"] for s in found["sentences"]][:2] == [
        "这一年，一网通办覆盖更多事项，越来越多的事项已经实现网上办理。",
        "一网通办让企业和群众少跑腿。",
    ]
    assert found["sentences"][1]["speaker"] == "王明" and found["sentences"][1]["id"] == ids["c"]
    table = runner.invoke(app, ["context", "放管服", *db])
    assert table.exit_code == 0 and "深化放管服改革" in table.output
    browse = _json("search", "", "--site", "news.cn", "--sort", "date", "--facets", *db)
    assert [h["id"] for h in browse["hits"]] == [ids["e"], ids["d"], ids["g"]]
    assert {f["label"]: f["articles"] for f in browse["facets"]["kind"]} == {"press_conference": 1, "speech_report": 1}


def test_bad_query_and_unknown_dedupe_exit_2(sqlite_url: str) -> None:
    build(sqlite_url)[0].dispose()
    bad = runner.invoke(app, ["search", '"数字政府', "--db", sqlite_url])
    assert bad.exit_code == 2 and "unbalanced quotes" in bad.output
    dedupe = runner.invoke(app, ["trend", "政务", "--dedupe", "none", "--db", sqlite_url])
    assert dedupe.exit_code == 2 and "--dedupe" in dedupe.output


def _json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_speaker_org_kind_and_dedupe_options(db_url: str, tmp_path: Path) -> None:
    database, ids = build_speeches(db_url)
    database.dispose()
    db = ["--db", db_url]
    hits = _json("search", "一网通办", "--speaker", "王明", *db)
    assert {h["id"] for h in hits["hits"]} == {ids["c"], ids["g"]}
    once = _json("search", "一网通办", "--speaker", "王明", "--dedupe", "reprints", *db)
    assert [h["id"] for h in once["hits"]] == [ids["c"]]
    by_org = _json("search", "政务", "--org", "工信部", *db)
    assert {h["id"] for h in by_org["hits"]} == {1, ids["d"]}
    by_kind = _json("search", "政务", "--kind", "press_conference", *db)
    assert [h["id"] for h in by_kind["hits"]] == [ids["d"]]

    speeches = _json("trend", "一网通办", "--by", "year", *db)
    copies = _json("trend", "一网通办", "--by", "year", "--dedupe", "copies", *db)
    assert [r["articles"] for r in speeches if r["period"] == "2024"] == [2]
    assert [r["articles"] for r in copies if r["period"] == "2024"] == [3]
    of_org = _json("trend", "政务", "--by", "year", "--org", "工信部", "--kind", "press_conference", *db)
    assert {r["period"]: r["articles"] for r in of_org} == {"2024": 1}

    earliest = _json("first", "放管服", *db)
    assert earliest[0]["speaker"] == "谢少锋"
    people = _json("who", "一网通办", *db)
    assert [(r["speaker"], r["articles"]) for r in people][:2] == [("王明", 1), ("赵红", 1)]
    table = runner.invoke(app, ["who", "一网通办", "--dedupe", "copies", *db])
    assert table.exit_code == 0 and "who: 一网通办" in table.output

    out = tmp_path / "wang.jsonl"
    exported = runner.invoke(
        app, ["export", "一网通办", "--speaker", "王明", "--format", "jsonl", "--out", str(out), *db]
    )
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {(r["id"], r["original_id"], r["kind"]) for r in rows} == {
        (ids["c"], ids["c"], "speech_report"),
        (ids["g"], ids["c"], "speech_report"),
    }

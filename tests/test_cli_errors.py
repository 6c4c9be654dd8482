"""Mistakes in arguments are one-line errors with exit code 2 that say what would have been right, never a
traceback and never an empty answer that looks like a real one; a fuzz test runs commands on generated input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from cli.app import app
from tests.analysis_fixtures import build_speeches


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('errors') / 'newsmon.db'}"
    database, _ = build_speeches(url)
    database.dispose()
    return url


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["search", "数字政府", "--site", "nosuch.cn"],
        ["trend", "数字政府", "--site", "nosuch.cn"],
        ["export", "数字政府", "--out", "x.csv", "--site", "nosuch.cn"],
        ["articles", "list", "--site", "nosuch.cn"],
        ["runs", "list", "--site", "nosuch.cn"],
        ["alerts", "list", "--site", "nosuch.cn"],
    ],
    ids=" ".join,
)
def test_an_unknown_site_is_an_error_listing_the_sites(args: list[str], db: str) -> None:
    line = one_line_error(invoke(*args, "--db", db))
    assert "nosuch.cn" in line and "people.com.cn (人民网)" in line


@pytest.mark.parametrize("command", [["search", "数字政府"], ["who", "数字政府"], ["articles", "list"]], ids=" ".join)
def test_an_unknown_kind_is_an_error_listing_the_kinds(command: list[str], db: str) -> None:
    line = one_line_error(invoke(*command, "--kind", "speech", "--db", db))
    assert "'speech'" in line and "speech_full_text" in line and "press_conference" in line


def test_an_unknown_alert_status_is_an_error_listing_the_statuses(db: str) -> None:
    assert "open, resolved" in one_line_error(invoke("alerts", "list", "--status", "bogus", "--db", db))


def test_repeated_sites_combine(db: str) -> None:
    def total(*sites: str) -> int:
        args = [a for site in sites for a in ("--site", site)]
        return int(json.loads(invoke("search", "数字政府", *args, "--json", "--db", db).output)["total"])

    people, xinhua = total("people.com.cn"), total("新华网")
    assert people and xinhua
    assert total("people.com.cn", "新华网") == people + xinhua
    both = ("--site", "people.com.cn", "--site", "news.cn")
    listed = json.loads(invoke("articles", "list", *both, "--json", "--db", db).output)
    assert {row["site"] for row in listed} == {"people.com.cn", "news.cn"}


def test_the_export_format_follows_the_file_extension(db: str, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    for name, starts in (("hits.jsonl", b"{"), ("hits.parquet", b"PAR1"), ("hits.csv", "\ufeffid,url".encode())):
        out = tmp_path / name
        assert invoke("export", "数字政府", "--out", str(out), "--db", db).exit_code == 0
        assert out.read_bytes().startswith(starts), name
        manifest = json.loads((tmp_path / f"{name}.manifest.json").read_text(encoding="utf-8"))
        assert manifest["format"] == name.split(".")[1]
    forced = tmp_path / "hits.parquet.txt"
    assert invoke("export", "数字政府", "--out", str(forced), "--format", "jsonl", "--db", db).exit_code == 0
    assert forced.read_bytes().startswith(b"{")


def test_export_to_a_directory_or_an_unwritable_path_is_an_error(db: str, tmp_path: Path) -> None:
    assert "is a directory" in one_line_error(invoke("export", "数字政府", "--out", str(tmp_path), "--db", db))
    line = one_line_error(invoke("export", "数字政府", "--out", "/dev/null/hits.csv", "--db", db))
    assert "cannot write /dev/null/hits.csv" in line


def test_missing_optional_extras_name_the_extra(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    line = one_line_error(invoke("export", "数字政府", "--out", str(tmp_path / "x.parquet"), "--db", db))
    assert "newsmon[analysis]" in line and "pyarrow" in line
    line = one_line_error(invoke("trend", "数字政府", "--chart", str(tmp_path / "x.png"), "--db", db))
    assert "newsmon[analysis]" in line and "matplotlib" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["search", "数字政府", "--bogus"], "No such option: --bogus"),
        (["search"], "Missing argument 'query'"),
        (["search", "数字政府", "--limit", "many"], "'--limit'"),
        (["articles", "show", "x"], "'article_id'"),
        (["nosuch"], "No such command 'nosuch'"),
        (["articles", "show"], "Missing argument 'article_id'"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_usage_errors_are_one_line(args: list[str], says: str, db: str) -> None:
    """The parser's own errors (not newsmon's checks) look like every other error: no boxed panel."""
    line = one_line_error(invoke(*args, "--db", db))
    assert says in line and "--help" in line


def test_usage_errors_are_one_line_from_the_installed_command(db: str) -> None:
    script = Path(sys.executable).with_name("newsmon")
    result = subprocess.run([str(script), "search", "--bogus", "--db", db], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: No such option: --bogus")


@pytest.mark.parametrize("command", [["search"], ["export", "--out", "deep.csv"]], ids=" ".join)
def test_a_query_nested_500_deep_is_an_error(command: list[str], db: str, tmp_path: Path) -> None:
    deep = "(" * 500 + "数字政府" + ")" * 500
    args = [a.replace("deep.csv", str(tmp_path / "deep.csv")) for a in command]
    assert "nests" in one_line_error(invoke(args[0], deep, *args[1:], "--db", db))


# ---- fuzz -----------------------------------------------------------------------------------------------------

words = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["数字政府", "放管服", '"一网通办"', "OR", "NOT", "(", ")", "-", "|", "&", '"', "*", "'"]),
)
queries = st.lists(words, min_size=1, max_size=8).map(" ".join)
sites = st.one_of(st.sampled_from(["people.com.cn", "人民网", "news.cn"]), st.text(max_size=20))
options = st.fixed_dictionaries(
    {},
    optional={
        "--site": sites,
        "--kind": st.one_of(st.sampled_from(["speech_full_text", "news"]), st.text(max_size=12)),
        "--from": st.one_of(st.sampled_from(["2024-01-01", "2025-06-30"]), st.text(max_size=12)),
        "--to": st.one_of(st.sampled_from(["2025-12-31"]), st.text(max_size=12)),
        "--limit": st.one_of(st.integers(-5, 2000).map(str), st.text(max_size=5)),
        "--speaker": st.text(max_size=10),
        "--org": st.text(max_size=10),
        "--dedupe": st.one_of(st.sampled_from(["copies", "reprints"]), st.text(max_size=8)),
    },
)
COMMANDS = {
    "search": ("--site", "--kind", "--from", "--to", "--limit", "--speaker", "--org", "--dedupe"),
    "trend": ("--site", "--kind", "--from", "--to", "--speaker", "--org", "--dedupe"),
    "who": ("--site", "--kind", "--from", "--to", "--limit", "--org", "--dedupe"),
    "first": ("--site", "--limit"),
    "export": ("--site", "--kind", "--from", "--to", "--speaker", "--org", "--dedupe"),
    "articles list": ("--site", "--kind", "--from", "--to", "--limit", "--speaker", "--org", "--dedupe"),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(sorted(COMMANDS)), query=queries, chosen=options)
def test_no_generated_arguments_end_in_a_traceback(
    command: str, query: str, chosen: dict[str, str], db: str, tmp_path: Path
) -> None:
    args = command.split()
    if command != "articles list":
        args.append(query)
    if command == "export":
        args += ["--out", str(tmp_path / "fuzz.csv")]
    for option, value in chosen.items():
        if option in COMMANDS[command]:
            args += [option, value]
    result = invoke(*args, "--db", db)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        one_line_error(result)


@settings(max_examples=60, deadline=None)
@given(
    period_from=st.one_of(st.sampled_from(["2024", "2024-Q4", "2025-05"]), st.text(max_size=10)),
    period_to=st.one_of(st.sampled_from(["2025", "2025-Q2", "2025-06"]), st.text(max_size=10)),
)
def test_no_generated_periods_end_in_a_traceback(period_from: str, period_to: str, db: str) -> None:
    result = invoke("terms", "--from", period_from, "--to", period_to, "--db", db)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        one_line_error(result)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=30), number=st.one_of(st.integers(-(2**70), 2**70).map(str), st.text(max_size=8)))
def test_no_generated_ids_or_names_end_in_a_traceback(text: str, number: str, db: str) -> None:
    for args in (["articles", "show", number], ["runs", "show", number], ["speakers", "show", text]):
        result = invoke(*args, "--db", db)
        assert result.exit_code in (0, 1, 2), result.output  # 1: no such article, run or speaker

"""Every database command through the CLI, on the test's default database (SQLite, then PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.app import app

ARTICLE = """数字政府建设迈出新步伐
来源:人民网 更新时间:2024-05-10 06:58

（记者王乐文）江东省政务服务数据管理局局长在座谈会上说，数字政府建设要让群众办事更方便。
全省政务服务事项网上可办率持续提升，数据共享打通了部门之间的堵点。
责任编辑：胡永秋
"""


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(*args: str) -> Any:
    return json.loads(run(*args, "--json"))


def test_commands_read_and_write_the_same_way(default_db_url: str, tmp_path: Path) -> None:
    db = ("--db", default_db_url)
    assert "1 articles" in run("init", *db)
    assert "at revision" in run("db", "upgrade", *db)
    text = tmp_path / "article.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    url = "http://www.e-gov.org.cn/article-2.html"
    first = as_json("import", str(text), "--site", "e-gov.org.cn", "--url", url, *db)
    assert [r["status"] for r in first] == ["new"]
    again = as_json("import", str(text), "--site", "e-gov.org.cn", "--url", url, *db)
    assert [(r["status"], r["id"]) for r in again] == [("unchanged", first[0]["id"])]

    listed = as_json("articles", "list", "--site", "e-gov.org.cn", "--from", "2024-01-01", *db)
    assert [a["url"] for a in listed] == [url]
    assert as_json("articles", "list", "--contains", "数据共享", *db)[0]["url"] == url
    shown = as_json("articles", "show", str(first[0]["id"]), *db)
    assert shown["title"] == "数字政府建设迈出新步伐"
    assert shown["published_at"] == "2024-05-10T06:58:00+08:00"
    assert shown["editors"] == ["胡永秋"]
    summary = as_json("summary", *db)
    assert {s["site"]: s["articles"] for s in summary["sites"]} == {"e-gov.org.cn": 2}
    assert summary["last_run"] is None
    assert as_json("runs", "list", *db) == []

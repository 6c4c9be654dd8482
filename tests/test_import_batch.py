"""`newsmon import` of a batch with bad files in it: each file gets its own result, the good ones are stored."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from cli.app import app
from db.models import Article
from pipelines.seed import open_database
from tests.test_cli_database import ARTICLE


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_one_bad_file_never_stops_the_batch(db_url: str, tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", ARTICLE)
    # NUL and other control characters (PostgreSQL refuses NUL in text) are dropped, not stored.
    dirty = write(
        tmp_path / "dirty.txt",
        ARTICLE.replace("数字政府建设迈出", "数字\x00政府\x07建设迈出新").replace("座谈会", "研讨会\x1b"),
    )
    empty_body = write(tmp_path / "empty.txt", "标题还在\n来源:人民网 更新时间:2024-05-10 06:58\n\n\x00短文\x01\n")
    no_meta = write(tmp_path / "no-meta.txt", "只有标题\n没有来源行\n正文。\n")
    latin = write(tmp_path / "latin.txt", "Title\n来源:人民网 更新时间:2024-05-10 06:58\n\n" + "plain latin text " * 5)
    huge = write(tmp_path / "huge.txt", ARTICLE + "很长的正文。" * 400_000)
    files = [good, dirty, empty_body, no_meta, latin, huge]
    assert CliRunner().invoke(app, ["init", "--db", db_url]).exit_code == 0
    result = CliRunner().invoke(
        app, ["import", *map(str, files), "--site", "e-gov.org.cn", "--db", db_url, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 1, result.output
    outcome = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert [outcome[f.name]["status"] for f in files] == ["new", "new", "error", "error", "error", "error"]
    assert "validation failed" in outcome["empty.txt"]["reason"]
    assert "来源" in outcome["no-meta.txt"]["reason"]
    assert "no Chinese text" in outcome["latin.txt"]["reason"]
    assert "limit" in outcome["huge.txt"]["reason"]

    database = open_database(db_url)
    try:
        with database.session() as session:
            title, body = session.execute(
                select(Article.title, Article.body).where(Article.id == outcome["dirty.txt"]["id"])
            ).one()
    finally:
        database.dispose()
    assert title == "数字政府建设迈出新新步伐" and "研讨会" in body
    assert not any(ch in title + body for ch in "\x00\x07\x1b")

    table = CliRunner().invoke(app, ["import", str(good), str(no_meta), "--site", "e-gov.org.cn", "--db", db_url])
    assert "1 of 2 files imported, 1 refused" in table.stdout

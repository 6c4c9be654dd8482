"""A non-editable install works from any directory: the seed, curated terms, registry and chart font are
package data (as worker hosts install newsmon with `pip install .`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNSHIPPED = (".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "*.db*")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `newsmon` script of a fresh venv holding a wheel of this tree (its dependencies: this environment's)."""
    work = tmp_path_factory.mktemp("install")
    # Built from a copy: setuptools leaves a build/ directory in the tree it builds, and a stale one would put
    # modules this tree no longer has into the wheel.
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*UNSHIPPED))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    wheel = next(work.glob("newsmon-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    # The dependencies already installed here, after the wheel on the path (this tree itself is not on it).
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    (venv / "bin" / "newsmon").write_text(f"#!{python}\nfrom cli.app import main\nmain()\n", encoding="utf-8")
    (venv / "bin" / "newsmon").chmod(0o755)
    return venv / "bin" / "newsmon"


def test_the_installed_newsmon_works_from_another_directory(installed: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsmon.db'}"

    def newsmon(*args: str) -> str:
        result = subprocess.run(
            [str(installed), *args, "--db", url], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, f"newsmon {' '.join(args)}: {result.stderr}"
        return result.stdout

    where = subprocess.run(
        [str(installed).replace("newsmon", "python"), "-c", "import pipelines.seed; print(pipelines.seed.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert str(ROOT) not in where.stdout  # the installed copy, not this tree

    assert "(1 articles)" in newsmon("init")
    assert json.loads(newsmon("search", "放管服", "--json"))["total"] == 1
    periods = ("--from", "2017", "--to", "2018", "--min-articles", "1")
    curated = json.loads(newsmon("terms", "--curated", *periods, "--json"))
    assert curated["terms"]
    speakers = json.loads(newsmon("speakers", "list", "--json"))
    assert speakers[0]["org"] == "工业和信息化部信息化和软件服务业司"  # the registry's full name, not 工信部信软司
    assert json.loads(newsmon("trend", "放管服", "--json"))[0]["articles"] == 1
    for fmt in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"hits.{fmt}"
        newsmon("export", "放管服", "--out", str(out))
        assert out.stat().st_size > 0
    chart = tmp_path / "trend.png"
    newsmon("trend", "放管服", "--chart", str(chart))
    assert chart.read_bytes().startswith(b"\x89PNG")

"""deploy/: the systemd units and the compose file pass the tools that read them, and run real newsmon commands
with valid settings."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ground.settings import load

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
INSTALLED = "/opt/newsmon/bin/newsmon"  # where the units expect the install (docs/deployment.md)


def test_the_three_units_are_there() -> None:
    assert {u.name for u in UNITS} == {"newsmon-scheduler.service", "newsmon-web.service", "newsmon-worker@.service"}


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (Debian: systemd)"
)
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    """The units as installed, except that ExecStart names this checkout's newsmon (verify wants it to exist)."""
    newsmon = Path(sys.executable).with_name("newsmon")
    assert newsmon.exists(), "the newsmon script of this environment (make install)"
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text(encoding="utf-8").replace(INSTALLED, str(newsmon)))
    names = [u.name.replace("@.", "@people.") for u in UNITS]
    result = subprocess.run(
        ["systemd-analyze", "verify", *names], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def exec_starts() -> list[tuple[str, list[str]]]:
    found = []
    for unit in UNITS:
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart="):
                args = shlex.split(line.removeprefix("ExecStart="))
                assert args[0] == INSTALLED, f"{unit.name}: {args[0]}"
                found.append((unit.name, [a.replace("%i", "people") for a in args[1:]]))
    return found


def compose_commands() -> list[tuple[str, list[str]]]:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    commands = re.findall(r"^  (\w+):\n(?:    .*\n)*?    command: (\[.*\])$", text, flags=re.M)
    found = [(service, re.findall(r'"([^"]*)"', command)) for service, command in commands]
    return [(s, [re.sub(r"\$\{NEWSMON_WORKER_SITE:-(\w+)\}", r"\1", a) for a in args]) for s, args in found]


@pytest.mark.parametrize(("where", "args"), exec_starts() + compose_commands(), ids=lambda v: str(v))
def test_every_command_the_deployment_runs_is_a_newsmon_command(where: str, args: list[str]) -> None:
    """Each ExecStart and compose command parses as written (`--help` appended: nothing runs)."""
    result = subprocess.run(
        [sys.executable, "-m", "cli", *args, "--help"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{where}: newsmon {' '.join(args)}: {result.stderr}"


def test_the_compose_services_of_newsmon_run_it_with_valid_settings() -> None:
    assert {s for s, _ in compose_commands()} == {"init", "scheduler", "web", "worker"}
    env = {}
    for line in (DEPLOY / "newsmon.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    settings = load(None, environ=env)  # raises on a bad value or name of setting
    assert all(settings.values[name].source.startswith("env ") for name in ("web.host", "distributed.redis_url"))
    unknown = [k for k in env if not any(k in (v.setting.env, *v.setting.aliases) for v in settings.values.values())]
    assert not unknown, f"deploy/newsmon.env sets variables newsmon does not read: {unknown}"


def compose() -> list[str] | None:
    """`docker compose` (the plugin) or Debian's `docker-compose`, whichever answers."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=60)
        if probe.returncode == 0:
            return command
    return None


COMPOSE = compose()


@pytest.mark.skipif(COMPOSE is None, reason="neither `docker compose` nor docker-compose (Debian: docker-compose)")
def test_docker_compose_reads_the_compose_file() -> None:
    assert COMPOSE is not None
    base = [*COMPOSE, "--project-directory", str(DEPLOY), "-f", str(DEPLOY / "compose.yaml"), "--profile", "workers"]
    result = subprocess.run([*base, "config", "--services"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"postgres", "redis", "init", "scheduler", "web", "worker"}
    full = subprocess.run([*base, "config"], capture_output=True, text=True, timeout=120)
    assert full.returncode == 0, full.stderr
    assert full.stdout.count("dockerfile: deploy/Dockerfile") == 4  # the newsmon services build this project
    assert "NEWSMON_DATABASE_URL: postgresql+psycopg://newsmon:newsmon@postgres:5432/newsmon" in full.stdout


def test_the_image_installs_this_project_with_its_constraints() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^RUN pip install -c constraints\.txt \.", dockerfile, flags=re.M)
    assert re.search(r'^ENTRYPOINT \["newsmon"\]', dockerfile, flags=re.M)
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {"pyproject.toml", "constraints.txt"}.isdisjoint(ignored) and ".venv" in ignored

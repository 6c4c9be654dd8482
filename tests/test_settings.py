"""Settings: one newsmon.toml, environment overrides of the same keys, options above both, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ground.settings import SETTINGS, SettingsError, load

ROOT = Path(__file__).resolve().parents[1]


def newsmon(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`newsmon ARGS` in a fresh process, in `cwd`, with only the given newsmon variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_") and k != "REDIS_URL"}
    full = {**clean, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(cwd / "xdg"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=120
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_sets_values_and_says_so(tmp_path: Path) -> None:
    path = write(
        tmp_path / "newsmon.toml",
        '[database]\nurl = "sqlite:///x.db"\n[crawl]\nrecheck_days = 3\ndownload_delay = 2\n'
        '[alerts]\nemail_to = ["a@example.org"]\n[web]\nport = 8080\n',
    )
    settings = load(path, environ={})
    assert settings["database.url"] == "sqlite:///x.db"
    assert settings["crawl.recheck_days"] == 3
    assert settings["crawl.download_delay"] == 2.0 and isinstance(settings["crawl.download_delay"], float)
    assert settings["alerts.email_to"] == ["a@example.org"]
    assert settings.values["web.port"].source == str(path)
    assert settings.values["web.host"].source == "default" and settings["web.host"] == "127.0.0.1"


def test_environment_overrides_the_file_and_options_override_both(tmp_path: Path) -> None:
    path = write(tmp_path / "newsmon.toml", '[database]\nurl = "sqlite:///file.db"\n[crawl]\nrecheck_days = 3\n')
    env = {"NEWSMON_CRAWL_RECHECK_DAYS": "5", "NEWSMON_DATABASE_URL": "sqlite:///env.db"}
    settings = load(path, environ=env, options={"database.url": ("--db", "sqlite:///option.db")})
    assert (settings["crawl.recheck_days"], settings.values["crawl.recheck_days"].source) == (
        5,
        "env NEWSMON_CRAWL_RECHECK_DAYS",
    )
    assert (settings["database.url"], settings.values["database.url"].source) == ("sqlite:///option.db", "option --db")


def test_older_variable_names_still_work_and_the_section_name_wins(tmp_path: Path) -> None:
    settings = load(None, environ={"REDIS_URL": "redis://old:6379/0", "NEWSMON_ALERT_EMAIL_TO": "a@x.org, b@x.org"})
    assert settings["distributed.redis_url"] == "redis://old:6379/0"
    assert settings.values["distributed.redis_url"].source == "env REDIS_URL"
    assert settings["alerts.email_to"] == ["a@x.org", "b@x.org"]
    both = load(None, environ={"NEWSMON_MIRROR": "http://old", "NEWSMON_CRAWL_MIRROR": "http://new"})
    assert (both["crawl.mirror"], both.values["crawl.mirror"].source) == ("http://new", "env NEWSMON_CRAWL_MIRROR")


def test_the_file_is_found_by_variable_then_working_directory_then_user_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    user = tmp_path / "xdg" / "newsmon"
    user.mkdir(parents=True)
    write(user / "newsmon.toml", "[web]\nport = 1\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert load(environ=env)["web.port"] == 1
    write(tmp_path / "newsmon.toml", "[web]\nport = 2\n")
    assert load(environ=env)["web.port"] == 2
    named = write(tmp_path / "other.toml", "[web]\nport = 3\n")
    assert load(environ={**env, "NEWSMON_CONFIG": str(named)})["web.port"] == 3
    with pytest.raises(SettingsError, match=r"absent\.toml: no such settings file \(named by NEWSMON_CONFIG\)"):
        load(environ={**env, "NEWSMON_CONFIG": str(tmp_path / "absent.toml")})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[crawl\n", r"bad\.toml: not valid TOML: .*line 1"),
        ("[crawl]\nrecheck_days = 'x'\n", r"bad\.toml: \[crawl\] recheck_days: expected an integer, not 'x'"),
        ("[crawl]\nrecheck_days = true\n", r"\[crawl\] recheck_days: expected an integer"),
        ("[crawl]\nrecheck_days = -1\n", r"\[crawl\] recheck_days: must be at least 0, not -1"),
        ("[crawl]\nrecheck = 1\n", r"bad\.toml: \[crawl\] recheck: unknown key \(known: mirror, "),
        ("[crawling]\nx = 1\n", r"bad\.toml: unknown section \[crawling\]"),
        ("[logging]\nformat = 'xml'\n", r"\[logging\] format: must be one of auto, rich, plain, json, not 'xml'"),
        ("[alerts]\nemail_to = 'a@x.org'\n", r"\[alerts\] email_to: expected a list of strings"),
        ("crawl = 1\n", r"bad\.toml: crawl must be a table"),
    ],
)
def test_a_bad_file_is_one_error_naming_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load(write(tmp_path / "bad.toml", text), environ={})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSMON_WEB_PORT": "eighty"}, r"^NEWSMON_WEB_PORT: expected an integer, not 'eighty'$"),
        ({"NEWSMON_ALERT_SMTP_STARTTLS": "maybe"}, r"^NEWSMON_ALERT_SMTP_STARTTLS: expected true or false"),
        ({"NEWSMON_MAX_IDLE": "0"}, r"^NEWSMON_MAX_IDLE: must be at least 1, not 0$"),
    ],
)
def test_a_bad_variable_is_one_error_naming_it(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load(None, environ=env)


def test_every_setting_has_a_default_of_its_kind_and_help() -> None:
    for setting in SETTINGS:
        assert setting.help, setting.name
        assert setting.default is None or isinstance(setting.default, setting.kind), setting.name
        assert setting.env == f"NEWSMON_{setting.section.upper()}_{setting.key.upper()}"


def test_config_show_json_names_every_value_and_its_source(tmp_path: Path) -> None:
    write(tmp_path / "newsmon.toml", '[crawl]\nmax_list_pages = 7\n[alerts]\nsmtp_password = "hunter2"\n')
    result = newsmon(
        "config",
        "show",
        "--json",
        cwd=tmp_path,
        env={"NEWSMON_LEASE_TIMEOUT": "45", "NEWSMON_DATABASE_URL": "postgresql://u:pw@h/db"},
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["file"] == "newsmon.toml"
    rows = {row["name"]: row for row in data["settings"]}
    assert set(rows) == {s.name for s in SETTINGS}
    assert (rows["crawl.max_list_pages"]["value"], rows["crawl.max_list_pages"]["source"]) == (7, "newsmon.toml")
    assert (rows["distributed.lease_timeout"]["value"], rows["distributed.lease_timeout"]["source"]) == (
        45.0,
        "env NEWSMON_LEASE_TIMEOUT",
    )
    assert rows["distributed.lease_timeout"]["env"] == "NEWSMON_DISTRIBUTED_LEASE_TIMEOUT"
    assert rows["distributed.lease_timeout"]["aliases"] == ["NEWSMON_LEASE_TIMEOUT"]
    assert rows["web.port"] == {**rows["web.port"], "value": 8000, "source": "default"}
    # Secrets are not printed: the password setting, nor a password inside a URL.
    assert rows["alerts.smtp_password"]["value"] == "***" and "hunter2" not in result.stdout
    assert rows["database.url"]["value"] == "postgresql://u:***@h/db" and ":pw@" not in result.stdout
    shown = newsmon("--log-format", "json", "config", "show", "--json", "--db", "sqlite:///o.db", cwd=tmp_path)
    rows = {row["name"]: row for row in json.loads(shown.stdout)["settings"]}
    assert rows["logging.format"]["source"] == "option --log-format"
    assert (rows["database.url"]["value"], rows["database.url"]["source"]) == ("sqlite:///o.db", "option --db")


def test_config_option_names_the_file(tmp_path: Path) -> None:
    named = write(tmp_path / "elsewhere.toml", "[web]\nhost = '0.0.0.0'\n")
    result = newsmon("--config", str(named), "config", "show", cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert f"settings file: {named}" in result.stdout
    assert "0.0.0.0" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--config", "absent.toml", "summary"], {}, "error: absent.toml: no such settings file (named by --config)"),
        (
            ["--config", "bad.toml", "summary"],
            {},
            "error: bad.toml: [crawl] recheck_days: expected an integer, not 'x'",
        ),
        (["summary"], {"NEWSMON_CONFIG": "bad.toml"}, "error: bad.toml: [crawl] recheck_days: expected an integer"),
        (["config", "show"], {"NEWSMON_WEB_PORT": "x"}, "error: NEWSMON_WEB_PORT: expected an integer, not 'x'"),
        (["--log-level", "LOUD", "summary"], {}, "error: --log-level must be one of DEBUG, INFO, WARNING, ERROR"),
    ],
)
def test_a_bad_setting_stops_any_command_with_one_line_and_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    write(tmp_path / "bad.toml", "[crawl]\nrecheck_days = 'x'\n")
    result = newsmon(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().startswith(message) and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "newsmon.db").exists()  # nothing was done


def test_the_database_url_in_the_file_is_the_one_commands_use(tmp_path: Path) -> None:
    write(tmp_path / "newsmon.toml", f'[database]\nurl = "sqlite:///{tmp_path / "from-file.db"}"\n')
    result = newsmon("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-file.db").is_file() and not (tmp_path / "newsmon.db").exists()


def test_the_crawl_section_reaches_scrapy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.run import project_settings

    monkeypatch.setenv(
        "NEWSMON_CONFIG", str(write(tmp_path / "n.toml", "[crawl]\nmax_list_pages = 3\nstore_threads = 2\n"))
    )
    monkeypatch.setenv("NEWSMON_CRAWL_USER_AGENT", "test-agent/1")
    settings = project_settings(NEWSMON_RECHECK_DAYS=9)
    assert settings.getint("NEWSMON_MAX_LIST_PAGES") == 3 and settings.getint("NEWSMON_STORE_THREADS") == 2
    assert settings.get("USER_AGENT") == "test-agent/1"
    assert settings.getint("NEWSMON_RECHECK_DAYS") == 9  # an option of the crawl beats the settings
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0


def test_the_distributed_and_state_settings_are_read_where_they_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.distributed import options_from_env
    from crawler.jobs import state_dir

    path = write(
        tmp_path / "n.toml", f"[distributed]\nprefix = 'p1'\nmax_idle = 7\n[crawl]\nstate_dir = '{tmp_path}/s'\n"
    )
    monkeypatch.setenv("NEWSMON_CONFIG", str(path))
    options = options_from_env("worker", max_idle=None, prefix=None)
    assert (options.prefix, options.max_idle) == ("p1", 7)
    assert options.settings()["SCHEDULER_QUEUE_KEY"] == "p1:%(spider)s:requests"
    assert options_from_env("worker", prefix="p2").prefix == "p2"
    assert state_dir("sqlite:///x.db") == tmp_path / "s"


def test_scheduled_crawls_are_shared_with_workers_when_the_schedule_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from scheduler import SchedulerService, SubprocessLauncher

    launcher = SchedulerService("sqlite:///unused.db").launcher
    assert isinstance(launcher, SubprocessLauncher) and launcher.extra_args == []
    monkeypatch.setenv("NEWSMON_SCHEDULE_DISTRIBUTED", "true")
    launcher = SchedulerService("sqlite:///unused.db").launcher
    assert isinstance(launcher, SubprocessLauncher) and launcher.extra_args == ["--distributed"]

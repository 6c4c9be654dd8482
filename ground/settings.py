"""Every setting of newsmon, its default and where its value comes from (docs/settings.md).

Values come from, highest first: a command-line option, an environment variable (`NEWSMON_<SECTION>_<KEY>`,
or one of the older names kept as aliases), the settings file, the default below. The settings file is the one
named by `--config` or NEWSMON_CONFIG, else ./newsmon.toml, else newsmon.toml in the user's config directory
($XDG_CONFIG_HOME/newsmon or ~/.config/newsmon); one file, with a table per section.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_ENV = "NEWSMON_CONFIG"
FILE_NAME = "newsmon.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("auto", "rich", "plain", "json")


class SettingsError(ValueError):
    """A settings file or value newsmon cannot use; the message names the file or variable and the key."""


@dataclass(frozen=True)
class Setting:
    """One setting: `kind` is str, int, float, bool or list (of strings); a default of None means unset."""

    section: str
    key: str
    kind: type
    default: Any
    help: str
    aliases: tuple[str, ...] = ()  # older environment variable names, still read
    choices: tuple[str, ...] = ()
    minimum: float | None = None

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def env(self) -> str:
        return f"NEWSMON_{self.section}_{self.key}".upper()


_S = Setting
SETTINGS: tuple[Setting, ...] = (
    _S("database", "url", str, "sqlite:///newsmon.db", "Database URL; postgresql+psycopg://… for PostgreSQL."),
    _S(
        "crawl",
        "mirror",
        str,
        None,
        "Fetch every URL from this mirror server (http://127.0.0.1:8765).",
        ("NEWSMON_MIRROR",),
    ),
    _S(
        "crawl",
        "state_dir",
        str,
        None,
        "Crawl state (job dirs, locks); unset: beside the SQLite file.",
        ("NEWSMON_STATE_DIR",),
    ),
    _S(
        "crawl",
        "recheck_days",
        int,
        0,
        "Fetch again the articles of the last N days (edits, removals).",
        ("NEWSMON_RECHECK_DAYS",),
        minimum=0,
    ),
    _S("crawl", "max_list_pages", int, 20, "How deep a column's pagination is followed in one run.", minimum=1),
    _S("crawl", "store_threads", int, 4, "Threads writing articles to the database, off the crawl loop.", minimum=1),
    _S(
        "crawl",
        "write_retry_seconds",
        float,
        120.0,
        "How long a write waits out a locked database or a lost connection.",
        minimum=0,
    ),
    _S(
        "crawl",
        "max_page_bytes",
        int,
        10 * 1024 * 1024,
        "A larger page is recorded as failed, not extracted.",
        minimum=1,
    ),
    _S("crawl", "max_page_elements", int, 200_000, "Nor a page with more HTML elements than this.", minimum=1),
    _S(
        "crawl",
        "download_delay",
        float,
        1.0,
        "Seconds between requests to one site (AutoThrottle adapts it).",
        minimum=0,
    ),
    _S("crawl", "concurrent_requests_per_domain", int, 2, "Requests in flight to one site.", minimum=1),
    _S("crawl", "download_timeout", int, 30, "Seconds before a request is given up.", minimum=1),
    _S(
        "crawl",
        "user_agent",
        str,
        "newsmon/0.1 (+https://github.com/newsmon/newsmon; research crawler for public policy speeches)",
        "The User-Agent sites see.",
    ),
    _S(
        "schedule",
        "max_parallel_crawls",
        int,
        4,
        "Sites the scheduler crawls at the same time, each in its own process.",
        minimum=1,
    ),
    _S(
        "schedule",
        "distributed",
        bool,
        False,
        "Scheduled crawls are shared over Redis (`crawl --distributed`), so `newsmon worker` processes join them.",
    ),
    _S(
        "schedule",
        "stop_grace_seconds",
        float,
        60.0,
        "On SIGTERM, how long running crawls get to stop cleanly.",
        minimum=0,
    ),
    _S("alerts", "webhook_url", str, None, "POST each alert as JSON to this URL.", ("NEWSMON_ALERT_WEBHOOK",)),
    _S(
        "alerts",
        "smtp_host",
        str,
        None,
        "Mail server for alert email (email is on with smtp_host and email_to).",
        ("NEWSMON_ALERT_SMTP_HOST",),
    ),
    _S("alerts", "smtp_port", int, 25, "Mail server port.", ("NEWSMON_ALERT_SMTP_PORT",), minimum=1),
    _S("alerts", "smtp_starttls", bool, False, "Use STARTTLS.", ("NEWSMON_ALERT_SMTP_STARTTLS",)),
    _S("alerts", "smtp_user", str, None, "Mail server login.", ("NEWSMON_ALERT_SMTP_USER",)),
    _S("alerts", "smtp_password", str, None, "Mail server password.", ("NEWSMON_ALERT_SMTP_PASSWORD",)),
    _S("alerts", "email_from", str, "newsmon@localhost", "Sender of alert email.", ("NEWSMON_ALERT_EMAIL_FROM",)),
    _S(
        "alerts",
        "email_to",
        list,
        [],
        "Recipients of alert email (a comma-separated list in the environment).",
        ("NEWSMON_ALERT_EMAIL_TO",),
    ),
    _S("alerts", "timeout", float, 10.0, "Seconds a webhook or mail server gets to answer.", minimum=0),
    _S(
        "watches",
        "digest_interval",
        float,
        0.0,
        "At most one digest per watch per this many seconds.",
        ("NEWSMON_WATCH_DIGEST_INTERVAL",),
        minimum=0,
    ),
    _S("watches", "attempts", int, 3, "Tries per channel and digest.", ("NEWSMON_WATCH_ATTEMPTS",), minimum=1),
    _S(
        "watches",
        "retry_delay",
        float,
        2.0,
        "Seconds before the first retry (doubled each time).",
        ("NEWSMON_WATCH_RETRY_DELAY",),
        minimum=0,
    ),
    _S(
        "watches",
        "feed_base",
        str,
        "",
        "Prefix of feed links in digests (the dashboard's URL).",
        ("NEWSMON_WATCH_FEED_BASE",),
    ),
    _S("web", "host", str, "127.0.0.1", "Interface `newsmon web` binds; 127.0.0.1 unless you mean to share it."),
    _S("web", "port", int, 8000, "Port `newsmon web` listens on.", minimum=0),
    _S(
        "web",
        "answers",
        int,
        256,
        "Searches, trends and contexts the dashboard keeps until the database changes; 0 keeps none.",
        minimum=0,
    ),
    _S("distributed", "redis_url", str, "redis://127.0.0.1:6379/0", "Redis of the shared crawl queue.", ("REDIS_URL",)),
    _S(
        "distributed",
        "prefix",
        str,
        "newsmon",
        "Namespace of the Redis keys; one per deployment sharing a Redis.",
        ("NEWSMON_REDIS_PREFIX",),
    ),
    _S(
        "distributed",
        "max_idle",
        int,
        30,
        "A worker exits after this many seconds with no work anywhere.",
        ("NEWSMON_MAX_IDLE",),
        minimum=1,
    ),
    _S(
        "distributed",
        "lease_timeout",
        float,
        30.0,
        "Seconds without a heartbeat before a worker's requests go back to the queue.",
        ("NEWSMON_LEASE_TIMEOUT",),
        minimum=1,
    ),
    _S(
        "search",
        "terms_file",
        str,
        None,
        "Your own terms (format of data/terms/egov.txt), added to the curated vocabulary.",
        ("NEWSMON_TERMS_FILE",),
    ),
    _S("logging", "level", str, "WARNING", "Logging level.", choices=LOG_LEVELS),
    _S(
        "logging",
        "format",
        str,
        "auto",
        "auto (Rich on a terminal, plain lines otherwise), rich, plain or json.",
        ("NEWSMON_LOG_FORMAT",),
        choices=LOG_FORMATS,
    ),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(s.section for s in SETTINGS))


def default(name: str) -> Any:
    """The default of `section.key`."""
    return BY_NAME[name].default


@dataclass(frozen=True)
class Value:
    setting: Setting
    value: Any
    source: str  # "default", the settings file's path, "env NAME" or "option --name"


class Settings:
    """The values in force, each with where it came from."""

    def __init__(self, values: dict[str, Value], file: Path | None) -> None:
        self.values = values
        self.file = file

    def __getitem__(self, name: str) -> Any:
        return self.values[name].value

    def section(self, section: str) -> dict[str, Any]:
        return {v.setting.key: v.value for v in self.values.values() if v.setting.section == section}

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"name": n, "value": v.value, "source": v.source, "env": v.setting.env, "aliases": list(v.setting.aliases)}
            for n, v in self.values.items()
        ]


def user_config_file(environ: Mapping[str, str]) -> Path | None:
    """newsmon.toml in $XDG_CONFIG_HOME/newsmon or ~/.config/newsmon (None for a user without a home)."""
    try:
        base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    except RuntimeError:
        return None
    return Path(base) / "newsmon" / FILE_NAME


def config_file(explicit: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The settings file in use: --config, then NEWSMON_CONFIG (either must exist), then ./newsmon.toml, then the
    user's config directory; None when there is none."""
    env = os.environ if environ is None else environ
    named = explicit or env.get(CONFIG_ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            source = "--config" if explicit else CONFIG_ENV
            raise SettingsError(f"{path}: no such settings file (named by {source})")
        return path
    for candidate in (Path(FILE_NAME), user_config_file(env)):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def read_file(path: Path) -> dict[str, dict[str, Any]]:
    """The file's tables, checked against the known sections and keys."""
    import tomllib  # only when there is a file to read

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot be read: {error}") from None
    for section, table in data.items():
        if section not in SECTIONS:
            raise SettingsError(f"{path}: unknown section [{section}] (known: {', '.join(SECTIONS)})")
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: {section} must be a table, [{section}]")
        for key in table:
            if f"{section}.{key}" not in BY_NAME:
                known = ", ".join(s.key for s in SETTINGS if s.section == section)
                raise SettingsError(f"{path}: [{section}] {key}: unknown key (known: {known})")
    return data


_KIND_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list of strings"}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _from_file(setting: Setting, raw: Any) -> Any:
    kind = setting.kind
    if setting.default is None and raw == "":
        return None  # "" leaves an optional setting unset, as in the environment
    if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    if kind is list:
        ok = isinstance(raw, list) and all(isinstance(item, str) for item in raw)
    else:
        ok = isinstance(raw, kind) and not (kind is int and isinstance(raw, bool))
    if not ok:
        raise ValueError(f"expected {_KIND_WORDS[kind]}, not {raw!r}")
    return raw


def _from_text(setting: Setting, raw: str) -> Any:
    kind = setting.kind
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise ValueError(f"expected {_KIND_WORDS[kind]}, not {raw!r}") from None
    if kind is bool:
        if raw.strip().lower() not in (*_TRUE, *_FALSE):
            raise ValueError(f"expected {_KIND_WORDS[kind]}, not {raw!r}")
        return raw.strip().lower() in _TRUE
    if kind is list:
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def _check(setting: Setting, value: Any) -> Any:
    if setting.choices:
        canonical = value.upper() if setting.choices == LOG_LEVELS else value
        if canonical not in setting.choices:
            raise ValueError(f"must be one of {', '.join(setting.choices)}, not {value!r}")
        return canonical
    if setting.minimum is not None and value < setting.minimum:
        raise ValueError(f"must be at least {setting.minimum:g}, not {value!r}")
    return value


def load(
    config: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    options: Mapping[str, tuple[str, Any]] | None = None,
) -> Settings:
    """Every setting's value and source. `options` maps `section.key` to (option name, value) for values given
    on the command line (None values are ignored)."""
    env = os.environ if environ is None else environ
    path = config_file(config, env)
    data = read_file(path) if path is not None else {}
    values: dict[str, Value] = {}
    for setting in SETTINGS:
        value, source = setting.default, "default"
        where = f"{path}: [{setting.section}] {setting.key}:"
        try:
            if setting.key in data.get(setting.section, {}):
                value, source = _check(setting, _from_file(setting, data[setting.section][setting.key])), str(path)
            for var in (*reversed(setting.aliases), setting.env):  # the section's own name beats the older ones
                where = f"{var}:"
                if env.get(var):
                    value, source = _check(setting, _from_text(setting, env[var])), f"env {var}"
            given = (options or {}).get(setting.name)
            if given is not None and given[1] is not None:
                where = given[0]
                value = _check(setting, given[1] if not isinstance(given[1], str) else _from_text(setting, given[1]))
                source = f"option {given[0]}"
        except ValueError as error:
            raise SettingsError(f"{where} {error}") from None
        values[setting.name] = Value(setting, value, source)
    return Settings(values, path)


_OTHER_ENV = ("REDIS_URL", "XDG_CONFIG_HOME", "HOME")
_cache: dict[tuple[Any, ...], Settings] = {}
_options: dict[str, tuple[str, Any]] = {}


def given_option(name: str, option: str, value: Any) -> None:
    """Record a value of `section.key` given on this process's command line (as `option`); None forgets it."""
    if value is None:
        _options.pop(name, None)
    else:
        _options[name] = (option, value)


def current() -> Settings:
    """The settings in force for this process, read again only when the file or the environment changes."""
    env = os.environ
    try:
        path = config_file(None, env)
        stamp = path.stat().st_mtime_ns if path else None
    except OSError:
        path, stamp = None, None
    key: tuple[Any, ...] = (
        path.resolve() if path else None,
        stamp,
        tuple(sorted((k, v) for k, v in env.items() if k.startswith("NEWSMON_") or k in _OTHER_ENV)),
    )
    key += (tuple(sorted((k, repr(v)) for k, v in _options.items())),)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load(environ=env, options=_options)
    return _cache[key]


def with_options(**options: tuple[str, Any]) -> Settings:
    """The settings in force, with more command-line values (`section.key` written `section__key`) on top."""
    given = {name.replace("__", "."): value for name, value in options.items() if value[1] is not None}
    return load(options={**_options, **given})


def setting(name: str) -> Any:
    """The value of `section.key` in force."""
    return current()[name]

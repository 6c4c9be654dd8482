"""Where alerts go: read from a TOML file ([alerts] table) and NEWSMON_ALERT_* environment variables."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_ENV = "NEWSMON_CONFIG"
DEFAULT_CONFIG = Path("newsmon.toml")


@dataclass(frozen=True)
class AlertConfig:
    """The log channel is always on; webhook and email are on when configured."""

    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    email_from: str = "newsmon@localhost"
    email_to: list[str] = field(default_factory=list)
    timeout: float = 10.0

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.email_to)


_ENV = {
    "webhook_url": "NEWSMON_ALERT_WEBHOOK",
    "smtp_host": "NEWSMON_ALERT_SMTP_HOST",
    "smtp_port": "NEWSMON_ALERT_SMTP_PORT",
    "smtp_starttls": "NEWSMON_ALERT_SMTP_STARTTLS",
    "smtp_user": "NEWSMON_ALERT_SMTP_USER",
    "smtp_password": "NEWSMON_ALERT_SMTP_PASSWORD",
    "email_from": "NEWSMON_ALERT_EMAIL_FROM",
    "email_to": "NEWSMON_ALERT_EMAIL_TO",
}


def load_config(path: Path | None = None, environ: dict[str, str] | None = None) -> AlertConfig:
    """The [alerts] table of NEWSMON_CONFIG (or ./newsmon.toml when present), then the environment on top."""
    env = os.environ if environ is None else environ
    chosen = path or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else DEFAULT_CONFIG)
    values: dict[str, Any] = {}
    if chosen.is_file():
        values.update(tomllib.loads(chosen.read_text(encoding="utf-8")).get("alerts", {}))
    for key, var in _ENV.items():
        if env.get(var):
            values[key] = env[var]
    if isinstance(values.get("email_to"), str):
        values["email_to"] = [a.strip() for a in values["email_to"].split(",") if a.strip()]
    if "smtp_port" in values:
        values["smtp_port"] = int(values["smtp_port"])
    if isinstance(values.get("smtp_starttls"), str):
        values["smtp_starttls"] = values["smtp_starttls"].lower() in ("1", "true", "yes")
    unknown = set(values) - set(AlertConfig.__dataclass_fields__)
    if unknown:
        raise ValueError(f"{chosen}: unknown [alerts] keys {', '.join(sorted(unknown))}")
    return AlertConfig(**values)

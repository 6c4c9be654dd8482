"""Where alerts go: the [alerts] section of the settings (ground/settings.py, docs/settings.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ground.settings import current, default, load


@dataclass(frozen=True)
class AlertConfig:
    """The log channel is always on; webhook and email are on when configured."""

    webhook_url: str | None = default("alerts.webhook_url")
    smtp_host: str | None = default("alerts.smtp_host")
    smtp_port: int = default("alerts.smtp_port")
    smtp_starttls: bool = default("alerts.smtp_starttls")
    smtp_user: str | None = default("alerts.smtp_user")
    smtp_password: str | None = default("alerts.smtp_password")
    email_from: str = default("alerts.email_from")
    email_to: list[str] = field(default_factory=lambda: list(default("alerts.email_to")))
    timeout: float = default("alerts.timeout")

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.email_to)


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> AlertConfig:
    """The [alerts] settings in force: of `path` and `environ` when given, else of this process."""
    settings = current() if path is None and environ is None else load(path, environ)
    return AlertConfig(**settings.section("alerts"))

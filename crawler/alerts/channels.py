"""Alert channels: the log (always), a webhook (JSON POST) and email over SMTP."""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from email.message import EmailMessage
from typing import Any

from crawler.alerts.config import AlertConfig

log = logging.getLogger("newsmon.alerts")


def to_log(alert: dict[str, Any]) -> None:
    log.warning(
        "ALERT %s on %s (run %s): expected %s; seen %s",
        alert["kind"],
        alert["site"],
        alert["run_id"],
        alert["expected"],
        alert["seen"],
    )


def to_webhook(alert: dict[str, Any], config: AlertConfig) -> None:
    """POST the alert record as JSON; any answer but 2xx is an error."""
    post_json({"source": "newsmon", "alert": alert}, config)


def post_json(payload: dict[str, Any], config: AlertConfig) -> None:
    """POST a JSON document to the webhook; any answer but 2xx is an error."""
    assert config.webhook_url
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        config.webhook_url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=config.timeout) as response:
        if not 200 <= response.status < 300:
            raise RuntimeError(f"webhook answered HTTP {response.status}")


def to_email(alert: dict[str, Any], config: AlertConfig) -> None:
    assert config.smtp_host
    message = EmailMessage()
    message["Subject"] = f"[newsmon] {alert['kind'].replace('_', ' ')} on {alert['site']}"
    message.set_content(
        f"{alert['message']}\n\n"
        f"site:     {alert['site']}\n"
        f"run:      {alert['run_id']}\n"
        f"expected: {alert['expected']}\n"
        f"seen:     {alert['seen']}\n"
        f"alert:    {alert['id']} at {alert['created_at']}\n"
    )
    send_email(message, config)


def send_email(message: EmailMessage, config: AlertConfig) -> None:
    """Send a message through the configured SMTP server to the configured recipients."""
    assert config.smtp_host
    message["From"] = config.email_from
    message["To"] = ", ".join(config.email_to)
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout) as smtp:
        if config.smtp_starttls:
            smtp.starttls()
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password or "")
        smtp.send_message(message)

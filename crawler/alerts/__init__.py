"""Alerts: send the alerts the monitors recorded to every configured channel and note how each went."""

from __future__ import annotations

import logging

from crawler.alerts.channels import to_email, to_log, to_webhook
from crawler.alerts.config import AlertConfig, load_config
from db.engine import Database
from db.runs import alerts_by_id, record_deliveries

log = logging.getLogger(__name__)

__all__ = ["AlertConfig", "deliver", "load_config"]


def deliver(database: Database, alert_ids: list[int], config: AlertConfig | None = None) -> dict[int, dict[str, str]]:
    """Send each alert to the log, the webhook and email as configured; a failing channel is logged and
    recorded on the alert ("error: …"), never raised, so one broken channel does not silence the others."""
    config = config or load_config()
    with database.session() as session:
        alerts = alerts_by_id(session, alert_ids)
    results: dict[int, dict[str, str]] = {}
    for alert in alerts:
        to_log(alert)
        outcome = {"log": "sent"}
        channels = []
        if config.webhook_url:
            channels.append(("webhook", lambda a=alert: to_webhook(a, config)))
        if config.email_enabled:
            channels.append(("email", lambda a=alert: to_email(a, config)))
        for name, send in channels:
            try:
                send()
                outcome[name] = "sent"
            except Exception as error:
                log.error("alert %d: %s channel failed: %s", alert["id"], name, error)
                outcome[name] = f"error: {error}"
        with database.session() as session:
            record_deliveries(session, alert["id"], outcome)
        results[alert["id"]] = outcome
    return results

"""Alert channels: a webhook receiver and an SMTP server on 127.0.0.1 get the alert; config from TOML and env."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from crawler.alerts import AlertConfig, deliver, load_config
from db.engine import Database
from db.runs import list_alerts, record_alert
from pipelines.seed import open_database


class Inbox:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)  # the `default` policy builds EmailMessage objects
        self.messages.append((envelope, message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd's readiness check needs a real port, not 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()


class Hook(ThreadingHTTPServer):
    def __init__(self, status: int) -> None:
        self.bodies: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                assert self.headers["Content-Type"].startswith("application/json")
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/newsmon"


@pytest.fixture
def hooks() -> Iterator[dict[int, Hook]]:
    servers = {status: Hook(status) for status in (200, 500)}
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers.values()]
    for thread in threads:
        thread.start()
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    database = open_database(sqlite_url)
    yield database
    database.dispose()


def an_alert(database: Database) -> int:
    with database.session() as session:
        alert_id = record_alert(
            session,
            site="people.com.cn",
            kind="layout",
            expected="body by site rules 100% (mean of run 1)",
            seen="body by site rules 0% of 9 article pages in run 2",
            message="layout: expected body by site rules 100%; seen 0%",
            run_id=None,
        )
    assert alert_id is not None
    return alert_id


def test_webhook_and_email_reach_local_receivers(
    database: Database, hooks: dict[int, Hook], smtp: tuple[Controller, Inbox]
) -> None:
    controller, inbox = smtp
    alert_id = an_alert(database)
    config = AlertConfig(
        webhook_url=hooks[200].url,
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        email_from="newsmon@example.org",
        email_to=["ops@example.org"],
    )
    outcome = deliver(database, [alert_id], config)
    assert outcome == {alert_id: {"log": "sent", "webhook": "sent", "email": "sent"}}

    [body] = hooks[200].bodies
    assert body["alert"]["id"] == alert_id and body["alert"]["kind"] == "layout"
    assert body["alert"]["expected"].startswith("body by site rules 100%")

    [(envelope, message)] = inbox.messages
    assert envelope.rcpt_tos == ["ops@example.org"]
    assert message["Subject"] == "[newsmon] layout on people.com.cn"
    text = message.get_content()
    assert "expected: body by site rules 100% (mean of run 1)" in text
    assert "seen:     body by site rules 0% of 9 article pages in run 2" in text

    with database.session() as session:
        assert list_alerts(session)[0]["deliveries"] == {"log": "sent", "webhook": "sent", "email": "sent"}


def test_a_failing_channel_is_recorded_and_does_not_stop_the_others(
    database: Database, hooks: dict[int, Hook], smtp: tuple[Controller, Inbox]
) -> None:
    controller, inbox = smtp
    alert_id = an_alert(database)
    config = AlertConfig(
        webhook_url=hooks[500].url, smtp_host="127.0.0.1", smtp_port=controller.port, email_to=["ops@example.org"]
    )
    outcome = deliver(database, [alert_id], config)[alert_id]
    assert outcome["webhook"].startswith("error:") and "500" in outcome["webhook"]
    assert outcome["email"] == "sent" and len(inbox.messages) == 1


def test_config_from_toml_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "newsmon.toml"
    path.write_text(
        '[alerts]\nwebhook_url = "http://127.0.0.1:1/hook"\nsmtp_host = "mail.local"\nsmtp_port = 2525\n'
        'email_to = ["a@example.org", "b@example.org"]\n',
        encoding="utf-8",
    )
    config = load_config(environ={"NEWSMON_CONFIG": str(path), "NEWSMON_ALERT_SMTP_PORT": "587"})
    assert config.webhook_url == "http://127.0.0.1:1/hook"
    assert (config.smtp_host, config.smtp_port) == ("mail.local", 587)
    assert config.email_to == ["a@example.org", "b@example.org"] and config.email_enabled
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    env_only = load_config(
        path=tmp_path / "empty.toml",
        environ={"NEWSMON_ALERT_EMAIL_TO": "x@example.org, y@example.org", "NEWSMON_ALERT_SMTP_HOST": "h"},
    )
    assert env_only.email_to == ["x@example.org", "y@example.org"] and env_only.webhook_url is None
    path.write_text('[alerts]\nwebhook = "typo"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown"):
        load_config(path=path, environ={})

"""The SMTP mailer against a real SMTP server on 127.0.0.1 (aiosmtpd), stopped after each test."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from marketplace.mail import get_mailer, init_app
from marketplace.mail.port import Message
from marketplace.mail.smtp import SmtpMailer

SENDER = "festivals@silkroad.example"


class Inbox:
    """Keeps what the server accepted: (envelope sender, recipients, parsed e-mail)."""

    def __init__(self) -> None:
        self.received: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received.append((envelope.mail_from, envelope.rcpt_tos,
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server():
    """An SMTP server on 127.0.0.1 accepting the login shop / secret (without TLS, as a local relay)."""
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"shop", b"secret")
        return AuthResult(success=ok)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_a_message_is_delivered_in_its_language_after_logging_in(server):
    controller, inbox = server
    mailer = SmtpMailer("127.0.0.1", controller.port, SENDER, "shop", "secret", security="none", timeout=5)
    mailer.send(Message("amina@example.com", "Votre commande SR-1042", "Merci, Amina !\nÀ bientôt.", "fr"))
    ((mail_from, recipients, email),) = inbox.received
    assert (mail_from, recipients) == (SENDER, ["amina@example.com"])
    assert email["Subject"] == "Votre commande SR-1042" and email["Content-Language"] == "fr"
    assert email["Message-ID"].endswith("@silkroad.example>")
    assert email.get_content().replace("\r\n", "\n") == "Merci, Amina !\nÀ bientôt.\n"


def test_a_wrong_password_or_an_unreachable_server_raises_oserror_and_delivers_nothing(server):
    controller, inbox = server
    with pytest.raises(OSError):
        SmtpMailer("127.0.0.1", controller.port, SENDER, "shop", "wrong", security="none", timeout=5).send(
            Message("amina@example.com", "Hello", "Body"))
    with pytest.raises(OSError):
        SmtpMailer("127.0.0.1", free_port(), SENDER, security="none", timeout=5).send(
            Message("amina@example.com", "Hello", "Body"))
    with pytest.raises(OSError):  # a server without STARTTLS is not silently used in clear text
        SmtpMailer("127.0.0.1", controller.port, SENDER, security="starttls", timeout=5).send(
            Message("amina@example.com", "Hello", "Body"))
    assert inbox.received == []


def test_the_app_sends_through_smtp_when_configured(app, server):
    controller, inbox = server
    app.config.update(MAIL_BACKEND="smtp", MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=controller.port,
                      MAIL_SMTP_SECURITY="none", MAIL_SENDER=SENDER)
    try:
        init_app(app)
        get_mailer().send(Message("li.wei@example.com", "订单已发货", "您的订单已发货。", "zh"))
        assert [r[2]["Subject"] for r in inbox.received] == ["订单已发货"]
        app.config.update(MAIL_SMTP_SECURITY="plain")
        with pytest.raises(ValueError, match="MAIL_SMTP_SECURITY"):
            init_app(app)
        app.config.update(MAIL_SMTP_SECURITY="none", MAIL_SMTP_HOST="")
        with pytest.raises(ValueError, match="MAIL_SMTP_HOST"):
            init_app(app)
    finally:
        app.config.update(MAIL_BACKEND="memory")
        init_app(app)

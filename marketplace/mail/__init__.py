"""Sending e-mail through a small adapter chosen by `MAIL_BACKEND`.

"outbox" (development) writes each message as an .eml file under `MAIL_OUTBOX_DIR`; "smtp"
(production) hands it to the server `MAIL_SMTP_*` name; "memory" (tests) keeps messages in a list;
code reaches the adapter through `get_mailer()`.
"""
from __future__ import annotations

from flask import Flask, current_app

from marketplace.mail.port import Mailer, Message

__all__ = ["Mailer", "Message", "get_mailer", "init_app"]


def init_app(app: Flask) -> None:
    """Create the configured mailer; ValueError for an unknown backend."""
    from marketplace.mail.outbox import MemoryMailer, OutboxMailer

    backend = app.config.get("MAIL_BACKEND", "outbox")
    if backend == "memory":
        mailer: Mailer = MemoryMailer()
    elif backend == "outbox":
        mailer = OutboxMailer(app.config["MAIL_OUTBOX_DIR"], app.config.get("MAIL_SENDER", "festivals@localhost"))
    elif backend == "smtp":
        from marketplace.mail.smtp import SmtpMailer

        mailer = SmtpMailer(
            app.config.get("MAIL_SMTP_HOST", ""), int(app.config.get("MAIL_SMTP_PORT", 587)),
            app.config.get("MAIL_SENDER", "festivals@localhost"), app.config.get("MAIL_SMTP_USERNAME", ""),
            app.config.get("MAIL_SMTP_PASSWORD", ""), app.config.get("MAIL_SMTP_SECURITY", "starttls"),
            float(app.config.get("MAIL_SMTP_TIMEOUT", 10)),
        )
    else:
        raise ValueError(f"unknown MAIL_BACKEND {backend!r}")
    app.extensions["mailer"] = mailer


def get_mailer() -> Mailer:
    """The application's mailer (created on first use when `init_app` was not called)."""
    if "mailer" not in current_app.extensions:
        init_app(current_app)
    return current_app.extensions["mailer"]

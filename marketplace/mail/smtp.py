"""A mailer that hands each message to an SMTP server: a local relay, or a provider's submission port."""
from __future__ import annotations

import smtplib
import ssl

from marketplace.mail.outbox import compose
from marketplace.mail.port import Message

SECURITY = ("starttls", "ssl", "none")


class SmtpMailer:
    """One connection per message (orders and reminders are not bulk mail). Failures raise OSError:
    smtplib's errors are OSErrors, as are refused connections and timeouts."""

    def __init__(self, host: str, port: int, sender: str, username: str = "", password: str = "",
                 security: str = "starttls", timeout: float = 10.0) -> None:
        if security not in SECURITY:
            raise ValueError(f"MAIL_SMTP_SECURITY must be one of {', '.join(SECURITY)}, not {security!r}")
        if not host:
            raise ValueError("MAIL_SMTP_HOST is required with MAIL_BACKEND=smtp")
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.security, self.timeout = security, timeout

    def send(self, message: Message) -> None:
        email = compose(message, self.sender)
        context = ssl.create_default_context()
        if self.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password)
            client.send_message(email)

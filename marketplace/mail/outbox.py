"""Mailers that deliver nothing: an outbox folder of .eml files, and a list in memory for tests; and how
every mailer turns a message into an e-mail."""
from __future__ import annotations

import threading
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from marketplace.mail.port import Message


def compose(message: Message, sender: str) -> EmailMessage:
    """The message as a plain-text e-mail from `sender`, in its language."""
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = sender, message.to, message.subject
    domain = sender.rpartition("@")[2] or "silkroad.local"
    email["Date"], email["Message-ID"] = formatdate(localtime=False), make_msgid(domain=domain)
    email.set_content(message.body)
    email["Content-Language"] = message.language  # after set_content, which drops every Content-* header
    if message.request_id:
        email["X-Request-ID"] = message.request_id
    return email


class OutboxMailer:
    """Writes each message as `<folder>/<time>-<id>.eml`, readable by any mail client."""

    def __init__(self, folder: str, sender: str) -> None:
        self.folder, self.sender = Path(folder), sender

    def send(self, message: Message) -> None:
        email = compose(message, self.sender)
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{email['Date'][5:25].replace(' ', '-').replace(':', '')}-{uuid.uuid4().hex[:12]}.eml"
        temporary = self.folder / (name + ".tmp")
        temporary.write_bytes(bytes(email))
        temporary.replace(self.folder / name)  # readers never see half a message


class MemoryMailer:
    """Keeps messages in `outbox`, for tests."""

    def __init__(self) -> None:
        self.outbox: list[Message] = []
        self.lock = threading.Lock()

    def send(self, message: Message) -> None:
        with self.lock:
            self.outbox.append(message)

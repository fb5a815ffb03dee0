"""The interface every mail adapter implements."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from marketplace.core.request_log import current_request_id


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str  # plain text
    language: str = "en"
    # The request (or job) that wrote the message, sent as its X-Request-ID header.
    request_id: str | None = field(default_factory=current_request_id)


class Mailer(Protocol):
    def send(self, message: Message) -> None:
        """Hand the message on for delivery; raises OSError (or a subclass) when that fails."""
        ...

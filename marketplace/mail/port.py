"""The interface every mail adapter implements."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str  # plain text
    language: str = "en"


class Mailer(Protocol):
    def send(self, message: Message) -> None:
        """Hand the message on for delivery; raises OSError (or a subclass) when that fails."""
        ...

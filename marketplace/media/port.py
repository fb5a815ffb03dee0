"""The ImageStore interface: where image renditions are kept and how pages link to them."""
from __future__ import annotations

from typing import Protocol


class ImageStore(Protocol):
    def save(self, name: str, data: bytes) -> None:
        """Store `data` under `name` (a server-chosen file name); overwriting is harmless."""

    def read(self, name: str) -> bytes | None:
        """The bytes stored under `name`, or None."""

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> None:
        """Remove `name`; a missing name is not an error."""

    def url(self, name: str) -> str:
        """The URL a browser fetches `name` from."""

"""Badges a store earns elsewhere (the campaign's lectures make a store "festival-ready"), shown on its page.

The core knows nothing of what earns a badge: features register a source at start-up, and the store page
and the vendor's back office ask `store_badges(store_id)`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class StoreBadge:
    """One badge: `key` names it (a CSS class), `label` is shown, `explanation` says what it means."""

    key: str
    label: str
    explanation: str = ""


BadgeSource = Callable[[int], StoreBadge | None]  # store id -> its badge, or None


def register_store_badge(app: Flask, source: BadgeSource) -> None:
    """Ask `source` for a badge whenever a store's badges are shown."""
    app.extensions.setdefault("store_badges", []).append(source)


def store_badges(store_id: int) -> list[StoreBadge]:
    """The badges the store has earned, in the order their sources were registered."""
    return [badge for source in current_app.extensions.get("store_badges", [])
            if (badge := source(store_id)) is not None]


def init_app(app: Flask) -> None:
    """Let templates ask for a store's badges."""
    app.add_template_global(store_badges, "store_badges")

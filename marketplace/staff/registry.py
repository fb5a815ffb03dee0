"""What features add to the back office: areas in the staff and vendor menus, pending work, home panels."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, url_for


@dataclass(frozen=True)
class BackOfficeArea:
    """One entry of a back-office menu: `key` names it for `aria-current`, `order` places it."""

    key: str
    label: Any  # a lazy translated string
    endpoint: str
    order: int
    anchor: str = ""

    @property
    def url(self) -> str:
        return url_for(self.endpoint) + (f"#{self.anchor}" if self.anchor else "")


@dataclass(frozen=True)
class PendingWork:
    """A count of things waiting for staff, and the queue that lists them."""

    key: str
    label: str
    count: int
    url: str
    order: int


@dataclass(frozen=True)
class StaffPanel:
    """A block of the staff home: a template and the function that builds its context."""

    template: str
    context: Callable[[], dict[str, Any]]
    order: int = 100


PendingSource = Callable[[], list[PendingWork]]


def _registry(app: Flask) -> dict[str, list]:
    return app.extensions.setdefault("back_office", {"staff": [], "vendor": [], "pending": [], "panels": []})


def register_staff_area(app: Flask, area: BackOfficeArea) -> None:
    """Add `area` to the staff menu."""
    _registry(app)["staff"].append(area)


def register_vendor_area(app: Flask, area: BackOfficeArea) -> None:
    """Add `area` to the vendor menu."""
    _registry(app)["vendor"].append(area)


def register_pending_work(app: Flask, source: PendingSource) -> None:
    """Count `source`'s pending work on the staff home."""
    _registry(app)["pending"].append(source)


def register_staff_panel(app: Flask, panel: StaffPanel) -> None:
    """Show `panel` on the staff home."""
    _registry(app)["panels"].append(panel)


def staff_areas() -> list[BackOfficeArea]:
    """The staff menu, in order."""
    return sorted(_registry(current_app)["staff"], key=lambda area: area.order)


def vendor_areas() -> list[BackOfficeArea]:
    """The vendor menu, in order."""
    return sorted(_registry(current_app)["vendor"], key=lambda area: area.order)


def pending_work() -> list[PendingWork]:
    """Every registered count of pending work, in queue order."""
    items = [item for source in _registry(current_app)["pending"] for item in source()]
    return sorted(items, key=lambda item: item.order)


def staff_panels() -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of every staff-home panel, in order."""
    panels = sorted(_registry(current_app)["panels"], key=lambda panel: panel.order)
    return [(panel.template, panel.context()) for panel in panels]

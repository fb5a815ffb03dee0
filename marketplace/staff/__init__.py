"""The staff home and the back-office navigations: pending work per queue, panels, and one menu per role.

Features register what they add (a staff area, a count of pending work, a panel on the staff home)
through `registry`, so the campaign layer adds its festivals without the core importing it.
"""
from __future__ import annotations

from flask import Flask

from marketplace.staff.registry import BackOfficeArea, PendingWork, StaffPanel

__all__ = ["BackOfficeArea", "PendingWork", "StaffPanel", "init_app"]


def init_app(app: Flask) -> None:
    """Register the core's staff and vendor areas, its pending-work counts and the navigation helpers."""
    from marketplace.staff import registry, services

    for area in services.CORE_STAFF_AREAS:
        registry.register_staff_area(app, area)
    for area in services.CORE_VENDOR_AREAS:
        registry.register_vendor_area(app, area)
    registry.register_pending_work(app, services.core_pending_work)
    app.add_template_global(registry.staff_areas, "staff_areas")
    app.add_template_global(registry.vendor_areas, "vendor_areas")

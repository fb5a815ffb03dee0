"""The campaign's progress toward 100 stores and 1,000 products, as a panel of the staff home."""
from __future__ import annotations

from typing import Any

from flask import Flask

from campaigns.progress.services import campaign_progress
from marketplace.staff.registry import StaffPanel, register_staff_panel
from marketplace.vendors import slots


def progress_panel() -> dict[str, Any]:
    """Live campaign stores and products against the targets, and the slots staff can still give."""
    return {
        "progress": campaign_progress(),
        "store_slots_left": slots.slots_left(slots.STORE_SLOTS),
        "product_slots_left": slots.slots_left(slots.PRODUCT_SLOTS),
    }


def init_app(app: Flask) -> None:
    """Show the campaign's progress on the staff home."""
    register_staff_panel(app, StaffPanel("campaigns/_staff_progress.html", progress_panel, 10))

"""Experiences in the vendor menu (shoppers reach tourism from the main menu)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.staff.registry import BackOfficeArea, register_vendor_area


def init_app(app: Flask) -> None:
    """Put experiences in the vendor menu, after festivals."""
    register_vendor_area(app, BackOfficeArea("experiences", _l("Experiences"), "tourism_vendor.index", 35))

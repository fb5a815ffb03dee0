"""Lectures in the staff and vendor menus."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.staff.registry import BackOfficeArea, register_staff_area, register_vendor_area


def init_app(app: Flask) -> None:
    """Put lectures in the staff menu, and the lectures vendors learn from in theirs, after festivals."""
    register_staff_area(app, BackOfficeArea("lectures", _l("Lectures"), "lecture_staff.index", 35))
    register_vendor_area(app, BackOfficeArea("lectures", _l("Lectures"), "lectures.index", 35))

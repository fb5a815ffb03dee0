"""Lectures in the staff menu (vendors reach the lectures from the main menu)."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.staff.registry import BackOfficeArea, register_staff_area


def init_app(app: Flask) -> None:
    """Put lectures in the staff menu, after festivals."""
    register_staff_area(app, BackOfficeArea("lectures", _l("Lectures"), "lecture_staff.index", 35))

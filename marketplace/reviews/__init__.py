"""Verified reviews: shoppers rate and review what was delivered to them, vendors answer, staff moderate."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the review pages, the back-office menu entries, the template helpers, and the review tables
    whose changes refresh cached pages (product pages show reviews)."""
    from marketplace.core.page_cache import watch_tables
    from marketplace.reviews import display
    from marketplace.reviews.models import Review, ReviewPhoto, ReviewText
    from marketplace.reviews.staff_views import bp as staff_bp
    from marketplace.reviews.vendor_views import bp as vendor_bp
    from marketplace.reviews.views import bp as shopper_bp
    from marketplace.staff.registry import BackOfficeArea, register_staff_area, register_vendor_area

    app.register_blueprint(shopper_bp)
    app.register_blueprint(vendor_bp)
    app.register_blueprint(staff_bp)
    register_vendor_area(app, BackOfficeArea("reviews", _l("Reviews"), "vendor_reviews.index", 32))
    register_staff_area(app, BackOfficeArea("reviews", _l("Reviews"), "staff_reviews.index", 45))
    display.init_app(app)
    watch_tables(app, Review.__tablename__, ReviewText.__tablename__, ReviewPhoto.__tablename__)

"""Vendors: stores, onboarding, staff review, the vendor's product back office, slots and payables."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the vendor and staff-review pages, and the store tables whose changes refresh cached pages
    (store names, stories and campaign badges show on catalogue and campaign pages)."""
    from marketplace.core.page_cache import watch_tables
    from marketplace.vendors.backoffice.views import bp as vendor_products_bp
    from marketplace.vendors.models import SlotQuota, Store, StoreText, store_categories
    from marketplace.vendors.staff_views import bp as staff_review_bp
    from marketplace.vendors.views import bp as vendors_bp

    app.register_blueprint(vendor_products_bp)
    app.register_blueprint(vendors_bp)
    app.register_blueprint(staff_review_bp)
    watch_tables(app, Store.__tablename__, StoreText.__tablename__, store_categories.name, SlotQuota.__tablename__)

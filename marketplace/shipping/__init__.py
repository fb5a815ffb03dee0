"""Shipping: stores' shipping profiles (zones and methods), their prices and estimates for a destination,
and the staff's duties and taxes notes per destination country."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the vendor's shipping pages and the staff's duties page, their back-office menu entries, the
    tables product pages show, and one kept page per shipping destination."""
    from marketplace.core.page_cache import vary_pages_by, watch_tables
    from marketplace.shipping.destination import shipping_destination
    from marketplace.shipping.models import DutyNote, ShippingMethod, ShippingZone
    from marketplace.shipping.staff_views import bp as staff_duties_bp
    from marketplace.shipping.views import bp as vendor_shipping_bp
    from marketplace.staff.registry import BackOfficeArea, register_staff_area, register_vendor_area

    app.register_blueprint(vendor_shipping_bp)
    app.register_blueprint(staff_duties_bp)
    register_vendor_area(app, BackOfficeArea("shipping", _l("Shipping"), "vendor_shipping.index", 15))
    register_staff_area(app, BackOfficeArea("duties", _l("Duties and taxes"), "staff_duties.index", 65))
    watch_tables(app, ShippingZone.__tablename__, ShippingMethod.__tablename__, DutyNote.__tablename__)
    vary_pages_by(app, shipping_destination)  # product pages say whether and how the store ships there

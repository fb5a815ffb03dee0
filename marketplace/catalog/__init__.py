"""The catalogue: products, categories, countries, per-locale texts, stock and exchange rates."""
from __future__ import annotations

from flask import Flask, session


def init_app(app: Flask) -> None:
    """Register the catalogue pages, the display currency offered to every template (and kept pages per
    chosen currency), and the tables whose changes refresh cached catalogue pages."""
    from marketplace.catalog import listing
    from marketplace.catalog.currency import SESSION_KEY, shopper_display_currency
    from marketplace.catalog.models import (
        Category,
        CategoryText,
        Country,
        ExchangeRate,
        Product,
        ProductImage,
        ProductText,
    )
    from marketplace.catalog.staff_views import bp as staff_rates_bp
    from marketplace.catalog.views import bp as catalog_bp
    from marketplace.core.page_cache import vary_pages_by, watch_tables

    app.register_blueprint(catalog_bp)
    app.register_blueprint(staff_rates_bp)
    listing.init_app(app)
    app.context_processor(lambda: {"display_currency": shopper_display_currency()})
    vary_pages_by(app, lambda: session.get(SESSION_KEY, "default"))  # prices differ per chosen currency
    watch_tables(app, *(model.__tablename__ for model in (
        Product, ProductText, ProductImage, Category, CategoryText, Country, ExchangeRate)))

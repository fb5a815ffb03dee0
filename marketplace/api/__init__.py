"""The JSON API, version 1: one module per resource, errors as {"error": {"code", "message", "fields"}}."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API's resources and their blueprints."""
    from marketplace.api import openapi, reviews, search, shipping, shop, tokens, vendor_products  # noqa: F401 - routes join blueprints
    from marketplace.api.edge import bp, exempt_read_only_blueprint
    from marketplace.api.openapi import add_paths

    app.register_blueprint(bp)
    exempt_read_only_blueprint(app, bp)
    tokens.init_app(app)
    add_paths(app, vendor_products.OPENAPI_PATHS)
    shop.init_app(app)  # the shopper's cart, checkout and orders: bearer-token only, like `tokens`
    add_paths(app, shipping.OPENAPI_PATHS)  # its shipping options join the shop's blueprint
    reviews.init_app(app)  # reading is public, writing takes a shopper's bearer token

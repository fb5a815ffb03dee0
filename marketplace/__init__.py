"""Silk Road Market: the storefront core. `create_app` wires it in named steps."""
from __future__ import annotations

from flask import Flask

from config import BASE_DIR, Config, config_from_env


def create_app(config: Config | type[Config] | None = None) -> Flask:
    """Build the application from `config` (an object or class; the environment's when None)."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        static_url_path="/static",
    )
    app.config.from_object(config if config is not None else config_from_env())
    configure_logging(app)
    configure_extensions(app)
    configure_i18n(app)
    configure_security(app)
    configure_adapters(app)
    configure_templates(app)
    configure_cli(app)
    configure_back_office(app)
    configure_campaigns(app)
    configure_blueprints(app)
    check_wiring(app)
    configure_proxies(app)
    return app


def configure_logging(app: Flask) -> None:
    from marketplace.core import request_log

    request_log.init_app(app)


def configure_extensions(app: Flask) -> None:
    from marketplace.core import sessions
    from marketplace.core.database import engine_options
    from marketplace.extensions import csrf, db, limiter, login_manager, migrate

    import_models()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        app.config["DATABASE_LOCK_TIMEOUT"], app.config["DATABASE_STATEMENT_TIMEOUT"])
    db.init_app(app)
    sessions.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from marketplace.core.database import configure_sqlite

        with app.app_context():
            configure_sqlite(db.engine, app.config["DATABASE_LOCK_TIMEOUT"])


def import_models() -> None:
    """Load every model module so that relationships between packages resolve."""
    import marketplace.accounts.models  # noqa: F401
    import marketplace.catalog.models  # noqa: F401
    import marketplace.orders.address_book.models  # noqa: F401
    import marketplace.orders.models  # noqa: F401
    import marketplace.orders.refunds.models  # noqa: F401
    import marketplace.reviews.models  # noqa: F401
    import marketplace.shipping.models  # noqa: F401
    import marketplace.vendors.models  # noqa: F401


def configure_i18n(app: Flask) -> None:
    from marketplace.core import i18n

    i18n.init_app(app)


def configure_security(app: Flask) -> None:
    from marketplace.accounts import auth
    from marketplace.core import security

    security.init_app(app)
    auth.init_app(app)


def configure_adapters(app: Flask) -> None:
    from marketplace.core import readiness
    from marketplace.mail import init_app as init_mail
    from marketplace.media import init_app as init_media
    from marketplace.payments import init_app as init_payments
    from marketplace.search import get_search_index
    from marketplace.search import init_app as init_search

    init_media(app)
    init_search(app)
    init_mail(app)
    init_payments(app)
    readiness.init_app(app)
    readiness.add_check(app, "search", lambda: get_search_index().count())


def configure_templates(app: Flask) -> None:
    from marketplace.core import assets, labels, page_cache, templating, viewer_facts
    from marketplace.orders import states as order_states
    from marketplace.vendors import badges as store_badges
    from marketplace.vendors import labels as vendor_labels

    assets.init_app(app)
    templating.init_app(app)
    page_cache.init_app(app)
    viewer_facts.init_app(app)
    labels.init_app(app)
    order_states.register_state_labels()
    vendor_labels.register_vendor_labels()
    store_badges.init_app(app)


def configure_cli(app: Flask) -> None:
    from marketplace.accounts.cli import create_staff_command
    from marketplace.catalog.cli import rates_cli
    from marketplace.core.i18n import translations_cli
    from marketplace.orders.cli import payments_cli
    from marketplace.search.cli import search_cli

    app.cli.add_command(create_staff_command)
    app.cli.add_command(rates_cli)
    app.cli.add_command(translations_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(payments_cli)


def configure_back_office(app: Flask) -> None:
    from marketplace import staff

    staff.init_app(app)


def configure_campaigns(app: Flask) -> None:
    import campaigns

    campaigns.init_app(app)


def configure_blueprints(app: Flask) -> None:
    from marketplace import api, catalog, reviews, shipping, vendors
    from marketplace.accounts import views as account_pages
    from marketplace.core.views import bp as core_bp
    from marketplace.extensions import csrf
    from marketplace.media.views import bp as media_bp
    from marketplace.orders import views as order_pages
    from marketplace.orders.address_book import views as address_book_pages
    from marketplace.orders.backoffice.staff_views import bp as staff_orders_bp
    from marketplace.orders.backoffice.vendor_views import bp as vendor_orders_bp
    from marketplace.orders.refunds import views as refund_pages
    from marketplace.orders.webhook_views import bp as payment_webhooks_bp
    from marketplace.search.views import bp as search_bp
    from marketplace.staff.views import bp as staff_home_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(search_bp)
    api.init_app(app)
    account_pages.init_app(app)
    catalog.init_app(app)
    app.register_blueprint(media_bp)
    order_pages.init_app(app)
    vendors.init_app(app)
    shipping.init_app(app)
    address_book_pages.init_app(app)
    app.register_blueprint(vendor_orders_bp)
    app.register_blueprint(staff_orders_bp)
    refund_pages.init_app(app)
    reviews.init_app(app)
    app.register_blueprint(staff_home_bp)
    app.register_blueprint(payment_webhooks_bp)
    csrf.exempt(payment_webhooks_bp)  # Stripe signs its events instead; the view verifies the signature


def configure_proxies(app: Flask) -> None:
    """Believe the reverse proxies' X-Forwarded-* headers (`TRUSTED_PROXIES` hops); last, so the fix wraps
    every other middleware and all of them see the client's address."""
    from marketplace.core.proxy import trust_proxies

    trust_proxies(app)


def check_wiring(app: Flask) -> None:
    """Refuse to start with a setting that names a view no blueprint registered."""
    from marketplace.core.site import check_home_endpoint

    check_home_endpoint(app)

"""The campaign on top of the storefront core: progress, pavilions, festivals, and the demo seed.

Depends on `marketplace`; `marketplace` never imports from here.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from campaigns.demo.cli import seed_demo_command
    from campaigns.progress import back_office as progress_back_office
    from campaigns.progress.views import bp as progress_bp

    app.register_blueprint(progress_bp)
    progress_back_office.init_app(app)
    app.cli.add_command(seed_demo_command)
    init_festivals(app)
    init_lectures(app)
    from campaigns import reporting

    reporting.init_app(app)
    init_tourism(app)


def init_festivals(app: Flask) -> None:
    """Festivals: their price rule and deal-unit holder, page-cache upkeep, pages, API, template helpers, jobs."""
    from campaigns.festivals import back_office, labels, page_cache
    from campaigns.festivals.api import bp as festivals_api_bp
    from campaigns.festivals.cli import festivals_cli
    from campaigns.festivals.experience_deals import KIND as DEAL_SEATS
    from campaigns.festivals.experience_deals import DealSeats
    from campaigns.festivals.free_shipping import festival_free_shipping
    from campaigns.festivals.pricing_rule import festival_price_rule
    from campaigns.festivals.reservations import DealUnits
    from campaigns.festivals.staff_views import bp as festivals_staff_bp
    from campaigns.festivals.vendor_views import bp as festivals_vendor_bp
    from campaigns.festivals.views import bp as festivals_bp
    from campaigns.festivals.views import init_templates
    from marketplace.orders.holds.registry import register_holder
    from marketplace.orders.pricing import register_free_shipping_rule, register_price_rule

    register_price_rule(app, festival_price_rule)
    register_free_shipping_rule(app, festival_free_shipping)
    register_holder(app, "deal", DealUnits())
    register_holder(app, DEAL_SEATS, DealSeats())
    page_cache.init_app(app)
    back_office.init_app(app)
    labels.register_festival_labels()
    init_templates(app)
    app.register_blueprint(festivals_bp)
    app.register_blueprint(festivals_staff_bp)
    app.register_blueprint(festivals_vendor_bp)
    app.register_blueprint(festivals_api_bp)
    from campaigns.festivals import waiting_room

    waiting_room.init_app(app)
    from marketplace.api.edge import exempt_read_only_blueprint

    exempt_read_only_blueprint(app, festivals_api_bp)  # GET-only, refused at start-up otherwise
    from campaigns.festivals.api import OPENAPI_PATHS
    from marketplace.api.openapi import add_paths

    add_paths(app, OPENAPI_PATHS)
    app.cli.add_command(festivals_cli)


def init_lectures(app: Flask) -> None:
    """Online lectures: their models, the holder of their seats, pages, staff menu entry, API and page-cache upkeep."""
    import campaigns.lectures.models  # noqa: F401 - registers the tables
    from campaigns.lectures import back_office, display, materials, readiness
    from campaigns.lectures.api import OPENAPI_PATHS as LECTURES_OPENAPI
    from campaigns.lectures.api import bp as lectures_api_bp
    from campaigns.lectures.attendance_views import bp as lecture_attendance_bp
    from campaigns.lectures.attendance_views import lecture_attendance
    from campaigns.lectures.cli import lectures_cli
    from campaigns.lectures.feed_views import account_section
    from campaigns.lectures.feed_views import bp as calendar_feed_bp
    from campaigns.lectures.material_views import bp as lecture_files_bp
    from campaigns.lectures.question_views import bp as lecture_questions_bp
    from campaigns.lectures.seats import SEATS
    from campaigns.lectures.staff_views import bp as lectures_staff_bp
    from campaigns.lectures.views import bp as lectures_bp
    from marketplace.accounts.sections import AccountSection, register_account_section
    from marketplace.api.openapi import add_paths
    from marketplace.core.edge import allow_larger_upload
    from marketplace.core.page_cache import watch_tables
    from marketplace.extensions import csrf
    from marketplace.orders.holds.registry import register_holder

    register_holder(app, "seat", SEATS)
    back_office.init_app(app)
    display.init_templates(app)
    readiness.init_app(app)
    app.register_blueprint(lectures_staff_bp)
    app.register_blueprint(lectures_bp)
    app.register_blueprint(lecture_questions_bp)
    app.register_blueprint(lecture_files_bp)
    allow_larger_upload(app, "lecture_files.upload", materials.UPLOAD_LIMIT)
    app.register_blueprint(lectures_api_bp)
    app.register_blueprint(lecture_attendance_bp)
    app.register_blueprint(calendar_feed_bp)
    app.add_template_global(lecture_attendance, "lecture_attendance")
    register_account_section(app, AccountSection("lectures/feed/account_section.html", account_section, 50))
    csrf.exempt(lectures_api_bp)  # bearer token only, never the session cookie (see api.py)
    add_paths(app, LECTURES_OPENAPI)
    app.cli.add_command(lectures_cli)
    # The anonymous list page is cached. Staff changes refresh it (services.py marks them); seat counts are
    # left out of the watch, or every registration would empty the whole catalogue cache: on the list they
    # may lag by up to PAGE_CACHE_SECONDS, while the lecture page and the API are always exact.
    watch_tables(app, "lecture_texts", "lecture_speakers", "lecture_series", "lecture_series_texts")


def init_tourism(app: Flask) -> None:
    """Tourism: experience models, the holder and booker of departure seats, the experience page in place of the
    product page, vendor and shopper pages."""
    import campaigns.tourism.models  # noqa: F401 - registers the tables
    from campaigns.tourism import back_office, display
    from campaigns.tourism.booking import KIND, DepartureBooker, DepartureSeats
    from campaigns.tourism.vendor_views import bp as tourism_vendor_bp
    from campaigns.tourism.views import bp as tourism_bp
    from marketplace.catalog.views import register_experience_page
    from marketplace.core.page_cache import watch_tables
    from marketplace.orders.bookings import register_booker
    from marketplace.orders.holds.registry import register_holder

    register_holder(app, KIND, DepartureSeats())
    register_booker(app, KIND, DepartureBooker())
    from campaigns.tourism.api import OPENAPI_PATHS as TOURISM_OPENAPI
    from campaigns.tourism.api import bp as tourism_api_bp
    from marketplace.api.openapi import add_paths
    from marketplace.extensions import csrf

    app.register_blueprint(tourism_api_bp)
    csrf.exempt(tourism_api_bp)  # bearer token only, never the session cookie (like the shop API)
    add_paths(app, TOURISM_OPENAPI)
    back_office.init_app(app)
    display.init_templates(app)
    register_experience_page(app, "tourism.experience")
    app.register_blueprint(tourism_bp)
    app.register_blueprint(tourism_vendor_bp)
    # The cached "Visit Africa" page lists experiences; seat counts are left out of the watch (every booking would
    # empty the catalogue cache), so its next departures may lag by up to PAGE_CACHE_SECONDS.
    watch_tables(app, "experiences", "experience_texts")

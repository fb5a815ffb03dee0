"""Campaign reporting: the staff dashboard of stores, products, sales, onboarding and lectures.

Figures are aggregated in SQL over days in the campaign's zone (`CAMPAIGN_TIME_ZONE`) and money in its
reporting currency (`REPORTING_CURRENCY`); see `period.py` and `currency.py`.
"""
from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask import Flask
from flask_babel import format_percent
from flask_babel import lazy_gettext as _l

from marketplace.core.i18n import current_language
from marketplace.core.money import Money
from marketplace.staff.registry import (
    BackOfficeArea,
    StaffPanel,
    register_staff_area,
    register_staff_panel,
    register_vendor_area,
)


def format_day(day: date) -> str:
    """A calendar day written for the page's reader ("2 déc. 2026", "2026年12月2日")."""
    return format_date(day, "medium", locale=current_language().code)


def init_app(app: Flask) -> None:
    """The dashboard's, the festival results' and the vendor insights' pages, their places in the staff and
    vendor menus, and the dashboard's link on the staff home."""
    import campaigns.reporting.models  # noqa: F401 - registers the table
    from campaigns.reporting import funnel, funnel_redis, rollup
    from campaigns.reporting.cells import write_cell
    from campaigns.reporting.cli import reporting_cli
    from campaigns.reporting.dashboard import init_cache as init_dashboard_cache
    from campaigns.reporting.festival_results import init_cache
    from campaigns.reporting.festival_views import bp as festival_bp
    from campaigns.reporting.vendor_views import bp as vendor_bp
    from campaigns.reporting.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(vendor_bp)
    app.register_blueprint(festival_bp)
    init_cache(app)
    init_dashboard_cache(app)
    funnel.init_app(app, funnel_redis.shared_counter(app))
    app.cli.add_command(reporting_cli)
    rollup.listen_for_changes()
    register_vendor_area(app, BackOfficeArea("insights", _l("Insights"), "reporting_vendor.insights", 38))
    app.add_template_global(format_day, "format_day")
    app.add_template_global(format_percent, "format_percent")
    app.add_template_global(Money, "report_money")
    app.add_template_global(write_cell, "write_cell")
    register_staff_area(app, BackOfficeArea("dashboard", _l("Campaign dashboard"), "reporting.dashboard", 5))
    register_staff_panel(app, StaffPanel("reporting/_staff_panel.html", dict, 11))

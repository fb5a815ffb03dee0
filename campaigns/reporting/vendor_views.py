"""A vendor's insights into their own store, and its tables as CSV files."""
from __future__ import annotations

from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal, format_decimal
from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.reporting import charts
from campaigns.reporting.forms import PeriodForm
from campaigns.reporting.insights import INSIGHT_TABLES, insights_store, store_insights, store_zone
from campaigns.reporting.period import MAX_DAYS, ReportPeriod, parse_period
from campaigns.reporting.tables import table_csv
from marketplace.accounts.auth import role_required
from marketplace.accounts.models import Role
from marketplace.core.errors import PermissionDenied, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.core.money import Money
from marketplace.core.zones import zone_name

bp = Blueprint("reporting_vendor", __name__, url_prefix="/<lang:lang_code>/vendor/insights")
vendor_only = role_required(Role.VENDOR)
TABLE_NAMES = "any(" + ", ".join(INSIGHT_TABLES) + ")"


def _period_from(args, zone: str) -> tuple[PeriodForm, ReportPeriod | None]:
    form = PeriodForm(args)
    try:
        period = parse_period(form.first.data, form.last.data, zone)
    except ValidationError as exc:
        apply_errors(form, exc)
        return form, None
    form.first.data, form.last.data = period.first.isoformat(), period.last.isoformat()
    return form, period


def _no_store(exc: PermissionDenied) -> Response:
    flash(exc.message, "error")
    return redirect(url_for("vendors.application"))


@bp.get("/")
@vendor_only
def insights() -> tuple[str, int] | Response:
    """Orders, units and revenue of the vendor's own store per day, best sellers, deals and payables."""
    try:
        store = insights_store(current_user)
    except PermissionDenied as exc:
        return _no_store(exc)
    g.home_country = store.country_code
    zone = store_zone(store, current_app.config["CAMPAIGN_TIME_ZONE"])
    language = current_language()
    form, period = _period_from(request.args, zone)
    context = {"form": form, "period": period, "zone_label": zone_name(zone, language.code), "max_days": MAX_DAYS}
    if period is None:
        return render_template("reporting/insights.html", **context), 422
    report = store_insights(current_user, period, language.code)
    unit = float(Money(1, report.currency).to_decimal())
    labels = [format_skeleton("MMMd", day, locale=language.code) for day in period.days]
    chart = charts.line_chart(labels, [(_("Revenue"), report.gross, "series-gross"),
                                       (_("Net"), report.net, "series-net")],
                              lambda minor: format_compact_decimal(minor * unit, locale=language.code,
                                                                   fraction_digits=1))
    best = charts.bar_chart([(row[0], row[1], format_decimal(row[1], locale=language.code))
                             for row in report.tables["best_sellers"].rows], language.direction == "rtl")
    sparklines = {"units": charts.sparkline(report.units), "gross": charts.sparkline(report.gross)}
    journey = charts.funnel([(row[0], row[1]) for row in report.tables["journey"].rows])
    return render_template("reporting/insights.html", report=report, chart=chart, best=best, sparklines=sparklines,
                           journey=journey, **context), 200


@bp.get(f"/<{TABLE_NAMES}:table>.csv")
@vendor_only
def export(table: str) -> Response:
    """One of the insights' tables for the chosen period as a CSV file."""
    try:
        store = insights_store(current_user)
    except PermissionDenied as exc:
        return _no_store(exc)
    form, period = _period_from(request.args, store_zone(store, current_app.config["CAMPAIGN_TIME_ZONE"]))
    if period is None:
        flash(_("Choose a valid period to export."), "error")
        return redirect(url_for(".insights", **{"from": form.first.data or "", "to": form.last.data or ""}))
    report = store_insights(current_user, period, current_language().code)
    name = f"store-{table}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(table_csv(report.tables[table], report.currency), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
    })

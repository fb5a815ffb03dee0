"""The staff campaign dashboard and its CSV files."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.reporting import dashboard as reports
from campaigns.reporting.forms import PeriodForm
from campaigns.reporting.period import MAX_DAYS, ReportPeriod, parse_period
from campaigns.reporting.presentation import dashboard_charts
from campaigns.reporting.report_cache import kept_html
from campaigns.reporting.tables import table_csv
from marketplace.accounts.auth import staff_required
from marketplace.core.errors import ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.core.zones import format_wall_time, zone_name

bp = Blueprint("reporting", __name__, url_prefix="/<lang:lang_code>/staff/dashboard")
TABLE_NAMES = "any(" + ", ".join(reports.TABLES) + ")"


def campaign_zone() -> str:
    """The zone the campaign's days are counted in."""
    return current_app.config["CAMPAIGN_TIME_ZONE"]


def _period_from(args) -> tuple[PeriodForm, ReportPeriod | None]:
    """The period asked for (the last 30 days when none), or None with the form saying what is wrong."""
    form = PeriodForm(args)
    try:
        period = parse_period(form.first.data, form.last.data, campaign_zone())
    except ValidationError as exc:
        apply_errors(form, exc)
        return form, None
    form.first.data, form.last.data = period.first.isoformat(), period.last.isoformat()
    return form, period


@bp.get("/")
@staff_required
def dashboard() -> tuple[str, int]:
    """Stores, products, sales, onboarding and lectures for the chosen period, as charts over tables."""
    form, period = _period_from(request.args)
    language = current_language()
    zone = campaign_zone()
    context = {"form": form, "period": period, "zone": zone, "zone_label": zone_name(zone, language.code),
               "max_days": MAX_DAYS}
    if period is None:
        return render_template("reporting/dashboard.html", **context), 422
    sort = reports.parse_country_sort(request.args.get("sort"), request.args.get("order"))
    report = reports.campaign_dashboard(current_user, period, language.code, sort)
    key = f"{reports.cache_key(period, language.code, sort)}:{report.computed_at.isoformat()}:{int(bool(sort.refused))}"
    report_html = kept_html(current_app.extensions["campaign_dashboard"], key, lambda: render_template(
        "reporting/_dashboard_report.html", report=report, charts=dashboard_charts(report, language.direction == "rtl"),
        as_of=format_wall_time(report.computed_at, zone, language.code),
        refresh_seconds=current_app.config.get("DASHBOARD_CACHE_SECONDS", 0), **context))
    return render_template("reporting/dashboard.html", report=report, report_html=report_html, **context), 200


@bp.get(f"/<{TABLE_NAMES}:table>.csv")
@staff_required
def export(table: str) -> Response:
    """One of the dashboard's tables for the chosen period as a CSV file."""
    form, period = _period_from(request.args)
    if period is None:
        flash(_("Choose a valid period to export."), "error")
        return redirect(url_for(".dashboard", **{"from": form.first.data or "", "to": form.last.data or ""}))
    sort = reports.parse_country_sort(request.args.get("sort"), request.args.get("order"))
    report = reports.campaign_dashboard(current_user, period, current_language().code, sort)
    name = f"campaign-{table}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(table_csv(report.tables[table], report.currency), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
    })

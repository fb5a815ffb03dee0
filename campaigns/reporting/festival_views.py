"""A festival's results page for staff, and its tables as CSV files."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user

from campaigns.reporting.festival_charts import results_charts
from campaigns.reporting.festival_results import REFRESH_SECONDS, RESULT_TABLES, FestivalResults, festival_results
from campaigns.reporting.report_cache import kept_html
from campaigns.reporting.tables import table_csv
from marketplace.accounts.auth import staff_required
from marketplace.core.errors import NotFound
from marketplace.core.i18n import current_language
from marketplace.core.zones import format_wall_time, zone_name

bp = Blueprint("reporting_festival", __name__, url_prefix="/<lang:lang_code>/staff/festivals")
TABLE_NAMES = "any(" + ", ".join(RESULT_TABLES) + ")"


def _results(festival_id: int) -> FestivalResults:
    try:
        return festival_results(current_user, festival_id, current_language().code)
    except NotFound:
        abort(404)


@bp.get("/<int:festival_id>/results")
@staff_required
def results(festival_id: int) -> str:
    """Sales, waves, deals, best stores and products and countries of one festival, beside the one before;
    404 for an unknown festival."""
    report = _results(festival_id)
    language = current_language()
    context = {"report": report, "refresh_seconds": REFRESH_SECONDS,
               "zone_label": zone_name(report.zone, language.code),
               "as_of": format_wall_time(report.computed_at, report.zone, language.code)}
    key = (f"festival:{festival_id}:{language.code}:{current_app.config['REPORTING_CURRENCY']}:"
           f"{report.computed_at.isoformat()}")
    report_html = kept_html(current_app.extensions["festival_results"], key, lambda: render_template(
        "reporting/_festival_results_report.html", charts=results_charts(report, language.direction == "rtl"),
        **context))
    return render_template("reporting/festival_results.html", report_html=report_html, **context)


@bp.get(f"/<int:festival_id>/results/<{TABLE_NAMES}:table>.csv")
@staff_required
def export(festival_id: int, table: str) -> Response:
    """One of the results' tables as a CSV file; 404 for an unknown festival."""
    report = _results(festival_id)
    name = f"festival-{festival_id}-{table}.csv"
    return Response(table_csv(report.tables[table], report.currency), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
    })

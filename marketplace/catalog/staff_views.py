"""Campaign staff: the exchange rates that convert vendors' prices for display and for charging."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField

from marketplace.accounts.auth import staff_required
from marketplace.catalog.models import ExchangeRate
from marketplace.catalog.services import set_exchange_rate
from marketplace.core.errors import ValidationError
from marketplace.core.forms import SiteForm, apply_errors
from marketplace.extensions import db
from marketplace.search import services as search

bp = Blueprint("staff_rates", __name__, url_prefix="/<lang:lang_code>/staff/rates")


class RateForm(SiteForm):
    """One rate: how many `quote` units one `base` unit buys (the service checks every value)."""

    base = StringField(_l("From currency"), default="USD", render_kw={"maxlength": 3, "autocapitalize": "characters"})
    quote = StringField(_l("To currency"), render_kw={"maxlength": 3, "autocapitalize": "characters"})
    rate = StringField(_l("Units of the second currency for one of the first"), render_kw={"inputmode": "decimal"})


@bp.route("/", methods=["GET", "POST"])
@staff_required
def rates() -> Response | str:
    """Every stored rate, and a form to set one (a rate replaces its inverse)."""
    form = RateForm()
    if form.validate_on_submit():
        try:
            row = set_exchange_rate(form.base.data or "", form.quote.data or "", form.rate.data or "")
        except ValidationError as error:
            apply_errors(form, error)
        else:
            search.reindex_for_rate(row.base, row.quote)
            flash(_("1 %(base)s = %(rate)s %(quote)s saved. Carts are priced with it from now on; orders keep the "
                    "rate they were placed with.", base=row.base, rate=row.rate, quote=row.quote), "success")
            return redirect(url_for("staff_rates.rates"))
    rows = db.session.scalars(select(ExchangeRate).order_by(ExchangeRate.base, ExchangeRate.quote)).all()
    return render_template("catalog/staff_rates.html", form=form, rows=rows)

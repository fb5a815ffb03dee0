"""Vendor festival pages: festivals open for registration, entering products, and each entry's sales."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from campaigns.festivals import entries, phases, services
from campaigns.festivals.entry_rules import EntryRefused, entry_refusal
from campaigns.festivals.experience_deals import seats_sold
from campaigns.festivals.forms import EntryForm
from campaigns.festivals.phases import Phase
from marketplace.accounts.auth import role_required
from marketplace.accounts.models import Role
from marketplace.catalog.services import localized
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.core.templating import format_money
from marketplace.vendors.forms import ConfirmForm
from marketplace.vendors.services import store_of

bp = Blueprint("festival_vendor", __name__, url_prefix="/<lang:lang_code>/vendor/festivals")
vendor_required = role_required(Role.VENDOR)


@bp.get("/")
@vendor_required
def index() -> str:
    """Festivals taking entries, and the vendor's entries with their state and sales."""
    open_festivals = entries.open_for_registration()
    store = store_of(current_user)
    refusals = {f.id: entry_refusal(f, store.id) for f in open_festivals} if store is not None else {}
    deals = entries.vendor_deals(current_user)
    return render_template("festivals/vendor/index.html", open_festivals=open_festivals, refusals=refusals,
                           deals=deals, form=ConfirmForm(), now=clock.now(),
                           seats_sold=seats_sold(deal.id for deal in deals if deal.product.is_experience),
                           phase_at=phases.phase_at, store=store)


@bp.route("/<slug>/enter", methods=["GET", "POST"])
@vendor_required
def enter(slug: str) -> Response | tuple[str, int] | str:
    """Propose one product for a wave, with its festival price, quantity and limit per shopper."""
    try:
        festival = services.get_festival(slug)
    except NotFound:
        abort(404)
    if phases.phase_at(festival, clock.now()) != Phase.REGISTRATION:
        flash(_("Registration for this festival is closed."), "error")
        return redirect(url_for("festival_vendor.index"))
    form = EntryForm()
    language = current_language().code
    form.wave_id.choices = [SelectChoice(w.id, _("Wave %(n)d", n=i + 1)) for i, w in
                            enumerate(entries.waves_of(festival))]
    form.product_id.choices = [
        SelectChoice(p.id, f"{localized(p.texts, language, p.original_language, 'name').text} — "
                           + (_("from %(price)s · seats by date", price=format_money(p.price)) if p.is_experience
                              else f"{format_money(p.price)} · {p.stock}"))
        for p in entries.vendor_products(current_user)
    ]
    store = store_of(current_user)
    refusal = entry_refusal(festival, store.id) if store is not None else None
    if form.validate_on_submit():
        try:
            entries.propose_deal(current_user, festival, entries.EntryInput(
                form.wave_id.data, form.product_id.data, form.price.data or "", form.cap.data,
                form.per_shopper_limit.data))
        except EntryRefused as exc:
            refusal = exc.refusal  # shown above the form, with its link
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
        except PermissionDenied:
            abort(403)
        else:
            flash(_("Your entry is sent to campaign staff."), "success")
            return redirect(url_for("festival_vendor.index"))
        return render_template("festivals/vendor/enter.html", form=form, festival=festival, refusal=refusal), 422
    return render_template("festivals/vendor/enter.html", form=form, festival=festival, refusal=refusal)


@bp.post("/deals/<int:deal_id>/withdraw")
@vendor_required
def withdraw(deal_id: int) -> Response:
    """Take back an entry during registration."""
    try:
        deal = entries.get_deal(deal_id)
    except NotFound:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            entries.withdraw_deal(current_user, deal)
        except NotFound:
            abort(404)
        except (Conflict, PermissionDenied) as exc:
            flash(exc.message, "error")
        else:
            flash(_("Your entry is withdrawn."), "success")
    return redirect(url_for("festival_vendor.index"))

"""Vendor back-office pages of the store's shipping profile: zones, and the methods of each zone.

Vendors only; every page works on the signed-in vendor's own store, and another store's zone or method
answers 404 (the services raise NotFound, never a hint that it exists).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound as HTTPNotFound
from werkzeug.wrappers import Response

from marketplace.accounts.auth import role_required
from marketplace.accounts.models import Role
from marketplace.core.errors import NotFound, PermissionDenied, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.shipping import profiles
from marketplace.shipping.forms import MethodForm, ZoneForm
from marketplace.shipping.models import ShippingMethod
from marketplace.shipping.regions import REGIONS

bp = Blueprint("vendor_shipping", __name__, url_prefix="/<lang:lang_code>/vendor/shipping")
vendor_only = role_required(Role.VENDOR)
ZONE = "<int(max=2147483647):zone_id>"
METHOD = "<int(max=2147483647):method_id>"


@bp.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    from marketplace.core.views import http_error

    return http_error(HTTPNotFound())


@bp.errorhandler(PermissionDenied)
def no_store(error: PermissionDenied) -> Response:
    flash(error.message, "error")
    return redirect(url_for("vendors.application"))


def _zone_input(form: ZoneForm) -> profiles.ZoneInput:
    return profiles.ZoneInput(form.name.data or "", form.countries.data or "", tuple(form.regions.data or ()),
                              bool(form.rest_of_world.data))


def _method_input(form: MethodForm) -> profiles.MethodInput:
    return profiles.MethodInput(**{name: getattr(form, name).data for name in (
        "kind", "carrier", "tracked", "pricing", "flat_price", "bands", "free_over", "min_days", "max_days")})


@bp.route("/", methods=["GET", "POST"])
@vendor_only
def index() -> Response | tuple[str, int]:
    """The store's shipping zones and methods, and a form to add a zone."""
    store = profiles.vendor_store(current_user)
    form = ZoneForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                zone = profiles.save_zone(current_user, _zone_input(form), current_language().code)
            except ValidationError as error:
                apply_errors(form, error)
                status = 422
            else:
                flash(_("Zone “%(name)s” added. Now add how you ship there.", name=zone.name), "success")
                return redirect(url_for(".new_method", zone_id=zone.id))
        else:
            status = 400
    zones = profiles.store_zones(store)
    return render_template("shipping/profile.html", store=store, zones=zones, form=form,
                           unweighed=profiles.unweighed_products(store), regions=REGIONS), status


@bp.route(f"/zones/{ZONE}", methods=["GET", "POST"])
@vendor_only
def zone(zone_id: int) -> Response | tuple[str, int]:
    """Change a zone's name and countries."""
    store = profiles.vendor_store(current_user)
    found = profiles.owned_zone(store, zone_id)
    form = ZoneForm(obj=None if request.method == "POST" else found)
    if request.method == "GET":
        form.countries.data = found.countries
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                profiles.save_zone(current_user, _zone_input(form), current_language().code, zone_id)
            except ValidationError as error:
                apply_errors(form, error)
                status = 422
            else:
                flash(_("Zone saved."), "success")
                return redirect(url_for(".index"))
        else:
            status = 400
    return render_template("shipping/zone.html", zone=found, form=form, regions=REGIONS), status


@bp.post(f"/zones/{ZONE}/delete")
@vendor_only
def delete_zone(zone_id: int) -> Response:
    """Remove a zone and its methods (orders already placed keep their shipping)."""
    if ZoneForm().validate_on_submit():
        profiles.delete_zone(current_user, zone_id)
        flash(_("Zone removed."), "info")
    return redirect(url_for(".index"))


def _method_page(form: MethodForm, zone_id: int, method: ShippingMethod | None) -> Response | tuple[str, int]:
    store = profiles.vendor_store(current_user)
    found = profiles.owned_zone(store, zone_id)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                profiles.save_method(current_user, zone_id, _method_input(form), method.id if method else None)
            except ValidationError as error:
                apply_errors(form, error)
                status = 422
            else:
                flash(_("Shipping method saved."), "success")
                return redirect(url_for(".index"))
        else:
            status = 400
    return render_template("shipping/method.html", zone=found, method=method, form=form,
                           currency=store.country.currency, unweighed=profiles.unweighed_products(store)), status


@bp.route(f"/zones/{ZONE}/methods/new", methods=["GET", "POST"])
@vendor_only
def new_method(zone_id: int) -> Response | tuple[str, int]:
    """Add a carrier or a pick-up point to a zone, with its price and delivery estimate."""
    return _method_page(MethodForm(), zone_id, None)


@bp.route(f"/methods/{METHOD}", methods=["GET", "POST"])
@vendor_only
def method(method_id: int) -> Response | tuple[str, int]:
    """Change a method (orders already placed keep the shipping they locked)."""
    found = profiles.owned_method(profiles.vendor_store(current_user), method_id)
    form = MethodForm() if request.method == "POST" else MethodForm(data=vars(profiles.method_input(found)))
    return _method_page(form, found.zone_id, found)


@bp.post(f"/methods/{METHOD}/delete")
@vendor_only
def delete_method(method_id: int) -> Response:
    """Remove a method from its zone."""
    if MethodForm().validate_on_submit():
        profiles.delete_method(current_user, method_id)
        flash(_("Shipping method removed."), "info")
    return redirect(url_for(".index"))

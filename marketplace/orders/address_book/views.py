"""The shopper's address book pages under their account: the list, adding, changing and removing."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.i18n import current_language
from marketplace.orders import addresses
from marketplace.orders.address_book import services
from marketplace.orders.address_book.forms import AddressForm
from marketplace.orders.address_book.models import SavedAddress
from marketplace.shipping.destination import destination_choices

bp = Blueprint("address_book", __name__, url_prefix="/<lang:lang_code>/account/addresses")
ADDRESS = "<int(max=2147483647):address_id>"
FIELDS = ("label", *addresses.REMEMBERED_FIELDS)


@bp.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    from werkzeug.exceptions import NotFound as HTTPNotFound

    from marketplace.core.views import http_error

    return http_error(HTTPNotFound())


def _form(address: SavedAddress | None = None) -> AddressForm:
    form = AddressForm(obj=address if request.method == "GET" else None)
    form.country_code.choices = [SelectChoice("", _("Choose a country")),
                                 *(SelectChoice(*c) for c in destination_choices(current_language().code))]
    return form


def _save(form: AddressForm, address_id: int | None) -> Response | None:
    """Save the posted address; None (with the errors on the form) when it was refused."""
    if not form.validate_on_submit():
        return None
    try:
        services.save_address(current_user, {name: getattr(form, name).data or "" for name in FIELDS}, address_id)
    except ValidationError as error:
        apply_errors(form, error)
        return None
    flash(_("Address saved."), "success")
    return redirect(url_for(".index"))


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Response | tuple[str, int]:
    """The shopper's saved addresses and a form to add one."""
    form = _form()
    if request.method == "POST":
        saved = _save(form, None)
        if saved is not None:
            return saved
    return render_template("orders/address_book.html", form=form, saved=services.saved_addresses(current_user),
                           non_latin_countries=addresses.non_latin_countries(
                               code for code, _name in destination_choices("en"))), \
        (422 if request.method == "POST" else 200)


@bp.route(f"/{ADDRESS}", methods=["GET", "POST"])
@login_required
def edit(address_id: int) -> Response | tuple[str, int]:
    """Change one of the shopper's addresses; another shopper's answers 404."""
    address = services.owned_address(current_user, address_id)
    form = _form(address)
    if request.method == "POST":
        saved = _save(form, address_id)
        if saved is not None:
            return saved
    return render_template("orders/address_edit.html", form=form, address=address), \
        (422 if request.method == "POST" else 200)


@bp.post(f"/{ADDRESS}/delete")
@login_required
def delete(address_id: int) -> Response:
    """Remove one of the shopper's addresses; another shopper's answers 404."""
    if AddressForm().validate_on_submit():
        services.delete_address(current_user, address_id)
        flash(_("Address removed."), "info")
    return redirect(url_for(".index"))


def init_app(app: Flask) -> None:
    """Register the address book pages."""
    app.register_blueprint(bp)

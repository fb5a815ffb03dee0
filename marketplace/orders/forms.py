"""Forms for the cart and checkout pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from marketplace.core.forms import ListSelect, SiteForm

# The Latin-letter address is written left to right whatever the page's direction.
LATIN_INPUT = {"dir": "ltr", "lang": "und-Latn", "spellcheck": "false"}


class QuantityForm(SiteForm):
    """Add to cart or change a line's quantity (the service checks the number)."""

    product_id = HiddenField()
    quantity = StringField(_l("Quantity"), default="1")
    next = HiddenField()


class CheckoutForm(SiteForm):
    """Where the order goes; every rule is checked by the checkout service, not here."""

    key = HiddenField()
    expected_total = HiddenField()
    recipient_name = StringField(_l("Full name"))
    phone = StringField(_l("Phone"), render_kw={"dir": "ltr"})  # "+86 138…" reads left to right everywhere
    email = StringField(_l("E-mail for order updates"))
    country_code = SelectField(_l("Country"), choices=[], validate_choice=False, widget=ListSelect())
    region = StringField(_l("Province, state or region"))
    city = StringField(_l("Town or city"))
    address_line = StringField(_l("Street address, building or P.O. box"))
    postal_code = StringField(_l("Postal code"))
    recipient_name_latin = StringField(_l("Full name in Latin letters"), render_kw=LATIN_INPUT)
    address_line_latin = StringField(_l("Street address in Latin letters"), render_kw=LATIN_INPUT)
    city_latin = StringField(_l("Town or city in Latin letters"), render_kw=LATIN_INPUT)
    region_latin = StringField(_l("Province, state or region in Latin letters"), render_kw=LATIN_INPUT)
    travel_date = StringField(_l("Travel date"))
    travellers = StringField(_l("Number of travellers"))
    notes = TextAreaField(_l("Notes for the vendors"))


class CancelOrderForm(SiteForm):
    """The CSRF token of the "cancel this order" button on an order awaiting online payment."""

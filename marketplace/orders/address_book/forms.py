"""The address book's form: a label and the delivery fields of checkout."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField

from marketplace.core.forms import SiteForm
from marketplace.orders.forms import LATIN_INPUT


class AddressForm(SiteForm):
    """One saved address; the address book service checks every rule (as checkout does)."""

    label = StringField(_l("Name of this address (e.g. Home, Office)"))
    recipient_name = StringField(_l("Full name"))
    phone = StringField(_l("Phone"), render_kw={"dir": "ltr"})
    country_code = SelectField(_l("Country"), choices=[], validate_choice=False)
    region = StringField(_l("Province, state or region"))
    city = StringField(_l("Town or city"))
    address_line = StringField(_l("Street address, building or P.O. box"))
    postal_code = StringField(_l("Postal code"))
    recipient_name_latin = StringField(_l("Full name in Latin letters"), render_kw=LATIN_INPUT)
    address_line_latin = StringField(_l("Street address in Latin letters"), render_kw=LATIN_INPUT)
    city_latin = StringField(_l("Town or city in Latin letters"), render_kw=LATIN_INPUT)
    region_latin = StringField(_l("Province, state or region in Latin letters"), render_kw=LATIN_INPUT)

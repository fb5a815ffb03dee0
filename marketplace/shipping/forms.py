"""Forms of the vendor's shipping profile and the staff's duties notes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from marketplace.core.forms import SiteForm
from marketplace.shipping.models import DutyPayer, MethodKind
from marketplace.shipping.regions import REGIONS

LANGUAGES = ("en", "fr", "ar", "pt", "sw", "zh")


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (easier on a phone than a multiple select)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ZoneForm(SiteForm):
    name = StringField(_l("Zone name"), validators=[Optional()])
    countries = StringField(_l("Country codes"), validators=[Optional()])
    regions = CheckboxesField(_l("Add whole regions"), validators=[Optional()],
                              choices=[SelectChoice(key, label) for key, (label, _c) in REGIONS.items()])
    rest_of_world = BooleanField(_l("Rest of the world (every country no other zone names)"))


class MethodForm(SiteForm):
    kind = RadioField(_l("Method"), choices=[SelectChoice(MethodKind.CARRIER.value, _l("Carrier or post")),
                                             SelectChoice(MethodKind.PICKUP.value, _l("Local pick-up"))],
                      default=MethodKind.CARRIER.value, validators=[Optional()])
    carrier = StringField(_l("Carrier, or where to pick up"), validators=[Optional()])
    tracked = BooleanField(_l("Tracked"))
    pricing = RadioField(_l("Price"), choices=[SelectChoice("flat", _l("One flat price")),
                                                   SelectChoice("weight", _l("By weight"))],
                         default="flat", validators=[Optional()])
    flat_price = StringField(_l("Flat price"), validators=[Optional()])
    bands = TextAreaField(_l("Weight bands"), validators=[Optional()])
    free_over = StringField(_l("Free shipping from (goods worth at least)"), validators=[Optional()])
    min_days = StringField(_l("Delivery takes at least (working days)"), validators=[Optional()])
    max_days = StringField(_l("and at most (working days)"), validators=[Optional()])


class DutyNoteForm(SiteForm):
    country_code = SelectField(_l("Destination country"), validators=[Optional()], validate_choice=False)
    payer = SelectField(_l("Who pays import duties and taxes"), choices=[
        SelectChoice(DutyPayer.SHOPPER.value, _l("The shopper, if any are due")),
        SelectChoice(DutyPayer.SELLER.value, _l("Included in the price (the seller pays)"))], validators=[Optional()],
        validate_choice=False)
    text_en = TextAreaField(_l("Note in English"), validators=[Optional()])
    text_fr = TextAreaField(_l("Note in French"), validators=[Optional()])
    text_ar = TextAreaField(_l("Note in Arabic"), validators=[Optional()])
    text_pt = TextAreaField(_l("Note in Portuguese"), validators=[Optional()])
    text_sw = TextAreaField(_l("Note in Swahili"), validators=[Optional()])
    text_zh = TextAreaField(_l("Note in Chinese"), validators=[Optional()])

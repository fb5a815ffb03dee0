"""Forms for festival staff, vendors and shoppers (CSRF through Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from campaigns.festivals.models import DEFAULT_TIME_ZONE
from campaigns.festivals.services import MAX_WAVES
from marketplace.core.forms import SiteForm
from marketplace.core.i18n import LANGUAGES

FORM_WAVES = MAX_WAVES  # every wave the scheduling service accepts; slots left empty are ignored
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class FestivalForm(SiteForm):
    slug = StringField(_l("Address name (optional)"), validators=[Optional(), Length(max=70)])
    original_language = SelectField(_l("Original language"), default="en",
                                    choices=[SelectChoice(code, lang.native_name) for code, lang in LANGUAGES.items()])
    country_code = SelectField(_l("Country focus"), validators=[Optional()])
    # Judged by content in the service, never by name or declared type; `accept` only helps the file picker.
    banner = FileField(_l("Banner picture"), render_kw={"accept": "image/jpeg,image/png,image/webp"})
    remove_banner = BooleanField(_l("Remove the banner"))
    time_zone = StringField(_l("Time zone of the times below"), default=DEFAULT_TIME_ZONE,
                            validators=[DataRequired(), Length(max=64)])
    registration_opens = DateTimeLocalField(_l("Vendor registration opens"), format=LOCAL_FORMAT,
                                            validators=[Optional()])
    registration_closes = DateTimeLocalField(_l("Vendor registration closes"), format=LOCAL_FORMAT,
                                             validators=[Optional()])
    warmup_starts = DateTimeLocalField(_l("Warm-up starts (deals visible, prices hidden)"), format=LOCAL_FORMAT,
                                       validators=[Optional()])
    entrants_must_be_ready = BooleanField(_l("Only festival-ready stores may enter products"))
    free_shipping = BooleanField(_l("Free shipping on this festival's deals"))


for _code in LANGUAGES:
    setattr(FestivalForm, f"name_{_code}", StringField(_l("Name"), validators=[Length(max=120)]))
    setattr(FestivalForm, f"description_{_code}", TextAreaField(_l("Description"), validators=[Length(max=4000)]))
    setattr(FestivalForm, f"theme_{_code}", StringField(_l("Theme"), validators=[Length(max=80)]))
for _index in range(FORM_WAVES):
    # Which of the festival's waves the slot shows: its deals stay with it whatever slot is cleared.
    setattr(FestivalForm, f"wave_{_index}_id", HiddenField())
    setattr(FestivalForm, f"wave_{_index}_starts",
            DateTimeLocalField(_l("Wave %(n)d opens", n=_index + 1), format=LOCAL_FORMAT, validators=[Optional()]))
    setattr(FestivalForm, f"wave_{_index}_ends",
            DateTimeLocalField(_l("Wave %(n)d closes", n=_index + 1), format=LOCAL_FORMAT, validators=[Optional()]))


class ExtendForm(SiteForm):
    ends_at = DateTimeLocalField(_l("New end (festival's time zone)"), format=LOCAL_FORMAT,
                                 validators=[DataRequired()])


class CapForm(SiteForm):
    cap = IntegerField(_l("Festival quantity"), validators=[DataRequired(), NumberRange(1, 1_000_000)])


class EntryForm(SiteForm):
    wave_id = SelectField(_l("Wave"), coerce=int, validators=[DataRequired()])
    product_id = SelectField(_l("Product"), coerce=int, validators=[DataRequired()])
    price = StringField(_l("Festival price"), validators=[DataRequired(), Length(max=20)])
    cap = IntegerField(_l("Festival quantity"), validators=[DataRequired(), NumberRange(1, 1_000_000)])
    per_shopper_limit = IntegerField(_l("Limit per shopper (optional)"),
                                     validators=[Optional(), NumberRange(1, 1_000_000)])


class TimeZoneForm(SiteForm):
    tz = StringField(_l("Show times in"), validators=[DataRequired(), Length(max=64)])

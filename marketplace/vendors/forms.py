from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.core.forms import SiteForm
from marketplace.core.i18n import LANGUAGES


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(SiteForm):
    name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=120)])
    country_code = SelectField(_l("Country"), validators=[DataRequired()])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=80)])
    categories = CheckboxListField(_l("What you sell (one to five categories)"), coerce=int)
    original_language = SelectField(_l("The language you write in"), validators=[DataRequired()])
    founded_year = IntegerField(_l("Year founded (optional)"), validators=[Optional(), NumberRange(1800, 2100)])
    logo = FileField(_l("Logo (optional: JPEG, PNG or WebP)"))


# One tagline and story field per language, added to the class so WTForms binds them.
for _code in LANGUAGES:
    setattr(ProfileForm, f"tagline_{_code}", StringField(_l("Tagline"), validators=[Length(max=160)]))
    setattr(ProfileForm, f"story_{_code}", TextAreaField(_l("Your story"), validators=[Length(max=4000)]))


class BusinessForm(SiteForm):
    registration_number = StringField(_l("Business registration number"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("Contact phone"), validators=[DataRequired(), Length(max=40)])
    document = FileField(_l("Registration certificate or ID (PDF, JPEG or PNG, up to 10 MB)"))


class PayoutForm(SiteForm):
    method = RadioField(
        _l("How you want to be paid"),
        choices=[SelectChoice("bank", _l("Bank account")), SelectChoice("mobile_money", _l("Mobile money"))],
        validators=[DataRequired()],
    )
    provider = StringField(_l("Bank or mobile-money operator"), validators=[DataRequired(), Length(max=80)])
    account_name = StringField(_l("Account holder's name"), validators=[DataRequired(), Length(max=120)])
    account_number = StringField(_l("Account or mobile-money number"), validators=[Length(max=64)])
    # Asked again once the store is approved: see vendors/payout_changes.py.
    password = PasswordField(_l("Your password"), validators=[Length(max=128)])


class ReasonForm(SiteForm):
    reason = TextAreaField(_l("Reason the vendor will see"), validators=[Length(max=2000)])


class ConfirmForm(SiteForm):
    pass

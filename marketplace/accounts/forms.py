from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from marketplace.core.forms import SiteForm


class SignupForm(SiteForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Your name"), validators=[Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class LoginForm(SiteForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class PasswordChangeForm(SiteForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )


class LogoutForm(SiteForm):
    pass

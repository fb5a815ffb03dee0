"""Forms for attendance: the check-in code, the name on a certificate, and staff's participant import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from marketplace.core.forms import SiteForm


class CheckInForm(SiteForm):
    code = StringField(_l("Check-in code"), validators=[Length(max=40)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"})


class CertificateNameForm(SiteForm):
    name = StringField(_l("Name on the certificate"), validators=[Length(max=120)])


class ParticipantImportForm(SiteForm):
    file = FileField(_l("Participant list (CSV)"), render_kw={"accept": ".csv,text/csv,text/plain"})
    minimum_minutes = IntegerField(_l("Minimum minutes to count as attending"),
                                   validators=[Optional(), NumberRange(min=1, max=600)])

"""The dashboard's period picker: a GET form of two days in the campaign's zone."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField

from marketplace.core.forms import SiteForm


class PeriodForm(SiteForm):
    class Meta:
        csrf = False  # a GET form choosing what to show

    first = StringField(_l("First day"), name="from", render_kw={"type": "date"})
    last = StringField(_l("Last day (included)"), name="to", render_kw={"type": "date"})

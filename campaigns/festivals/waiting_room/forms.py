"""Staff's waiting-room settings of a festival (CSRF through Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from campaigns.festivals.waiting_room.services import MAX_RATE, MIN_RATE
from marketplace.core.forms import SiteForm


class WaitingRoomForm(SiteForm):
    enabled = BooleanField(_l("Waiting room on while a wave is open"))
    rate = IntegerField(_l("Checkouts let through a minute"), default=600,
                        validators=[InputRequired(), NumberRange(MIN_RATE, MAX_RATE)])

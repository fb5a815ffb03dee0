"""Forms of the vendor's experience pages (CSRF and control-character checks through SiteForm).

Numbers are typed as text and read here into int or None; the services say what is wrong with a missing
or out-of-range value, in the vendor's language.
"""
from __future__ import annotations

from datetime import date, time

from babel.dates import get_day_names
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from campaigns.tourism.departures import DepartureRule, DepartureSpec
from campaigns.tourism.experiences import ExperienceFacts, ExperienceWords
from campaigns.tourism.models import DEFAULT_ZONE, UnitKind
from campaigns.tourism.options import UnitChanges
from marketplace.core.forms import SiteForm
from marketplace.core.i18n import LANGUAGES, current_language

NUMBER = {"inputmode": "numeric", "autocomplete": "off"}


def whole(value: object) -> int | None:
    """A whole number typed in a form, or None when empty or not one."""
    text = str(value or "").strip()
    digits = text[1:] if text.startswith("-") else text
    return int(text) if digits.isdecimal() and len(digits) <= 9 else None


class ExperienceForm(SiteForm):
    name = StringField(_l("Name"))
    description = TextAreaField(_l("Short description"), render_kw={"rows": 4})
    original_language = SelectField(_l("Language you write in"), choices=[], validate_choice=False)
    category_id = SelectField(_l("Category"), choices=[], validate_choice=False)
    language = HiddenField()  # the language of the texts below (editing only)
    time_zone = StringField(_l("Time zone of the experience"), default=DEFAULT_ZONE, render_kw={"list": "zones"})
    duration_hours = StringField(_l("Duration: hours"), default="2", render_kw=NUMBER)
    duration_minutes = StringField(_l("and minutes"), default="0", render_kw=NUMBER)
    meeting_point = StringField(_l("Meeting point"))
    meeting_lat = StringField(_l("Latitude (optional)"), render_kw={"inputmode": "decimal"})
    meeting_lon = StringField(_l("Longitude (optional)"), render_kw={"inputmode": "decimal"})
    itinerary = TextAreaField(_l("Itinerary"), render_kw={"rows": 6})
    included = TextAreaField(_l("Included"), render_kw={"rows": 3})
    excluded = TextAreaField(_l("Not included"), render_kw={"rows": 3})
    guide_languages = SelectMultipleField(_l("Languages the guides speak"), choices=[], validate_choice=False,
                                          option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    minimum_age = StringField(_l("Minimum age"), default="0", render_kw=NUMBER)
    refundable = BooleanField(_l("Refundable"), default=True)
    free_cancel_hours = StringField(_l("Free cancellation until this many hours before the start"), default="48",
                                    render_kw=NUMBER)
    late_refund_percent = StringField(_l("Refund after that (%)"), default="0", render_kw=NUMBER)

    def facts(self) -> ExperienceFacts:
        hours, minutes = whole(self.duration_hours.data), whole(self.duration_minutes.data or "0")
        duration = hours * 60 + minutes if hours is not None and minutes is not None and 0 <= minutes < 60 else None
        return ExperienceFacts(
            time_zone=self.time_zone.data or "", duration_minutes=duration, meeting_lat=self.meeting_lat.data or "",
            meeting_lon=self.meeting_lon.data or "", guide_languages=list(self.guide_languages.data or []),
            minimum_age=whole(self.minimum_age.data), refundable=bool(self.refundable.data),
            free_cancel_hours=whole(self.free_cancel_hours.data),
            late_refund_percent=whole(self.late_refund_percent.data),
        )

    def words(self) -> ExperienceWords:
        return ExperienceWords(itinerary=self.itinerary.data or "", included=self.included.data or "",
                               excluded=self.excluded.data or "", meeting_point=self.meeting_point.data or "")


def experience_form_data(experience, language: str) -> dict:
    """What the editor starts from: the experience's facts and its texts in `language`."""
    row = next((text for text in experience.texts if text.language == language), None)
    hours, minutes = divmod(experience.duration_minutes, 60)
    return {
        "language": language, "time_zone": experience.time_zone, "duration_hours": str(hours),
        "duration_minutes": str(minutes),
        "meeting_lat": "" if experience.meeting_lat is None else str(experience.meeting_lat),
        "meeting_lon": "" if experience.meeting_lon is None else str(experience.meeting_lon),
        "guide_languages": experience.languages, "minimum_age": str(experience.minimum_age),
        "refundable": experience.refundable, "free_cancel_hours": str(experience.free_cancel_hours),
        "late_refund_percent": str(experience.late_refund_percent),
        "itinerary": row.itinerary if row else "", "included": row.included if row else "",
        "excluded": row.excluded if row else "", "meeting_point": row.meeting_point if row else "",
    }


class OptionForm(SiteForm):
    name = StringField(_l("Option name, like “Shared jeep” or “Private”"))
    language = HiddenField()


class OptionNamesForm(SiteForm):
    pass


for _code in LANGUAGES:
    setattr(OptionNamesForm, f"name_{_code}", StringField(LANGUAGES[_code].native_name))


def unit_kind_choices() -> list[SelectChoice]:
    from campaigns.tourism.display import unit_label

    return [SelectChoice(kind.value, unit_label(kind)) for kind in UnitKind]


class UnitForm(SiteForm):
    kind = SelectField(_l("Traveller"), choices=[], validate_choice=False)
    price = StringField(_l("Price per seat"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    min_per_booking = StringField(_l("Least per booking"), default="0", render_kw=NUMBER)
    max_per_booking = StringField(_l("Most per booking"), default="10", render_kw=NUMBER)
    requires_adult = BooleanField(_l("Only with an adult"))

    def changes(self) -> UnitChanges:
        return UnitChanges(kind=self.kind.data or "", price=self.price.data or "",
                           min_per_booking=whole(self.min_per_booking.data),
                           max_per_booking=whole(self.max_per_booking.data),
                           requires_adult=bool(self.requires_adult.data))


class DepartureForm(SiteForm):
    local_date = DateField(_l("Date"), validators=[Optional()])
    local_time = TimeField(_l("Start time (local)"), validators=[Optional()])
    capacity = StringField(_l("Seats"), default="12", render_kw=NUMBER)
    cutoff_hours = StringField(_l("Bookings close this many hours before"), default="24", render_kw=NUMBER)

    def spec(self) -> DepartureSpec:
        return DepartureSpec(whole(self.capacity.data), whole(self.cutoff_hours.data))


def weekday_choices() -> list[SelectChoice]:
    names = get_day_names("wide", locale=current_language().code)
    return [SelectChoice(str(day), names[day]) for day in range(7)]


def parse_times(text: str) -> tuple[time, ...] | None:
    """Start times typed as "07:30, 14:00"; None when one of them is not a time."""
    found = []
    for part in (text or "").replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        pieces = part.split(":")
        if len(pieces) != 2 or not all(p.isdecimal() and len(p) <= 2 for p in pieces):
            return None
        hour, minute = int(pieces[0]), int(pieces[1])
        if hour > 23 or minute > 59:
            return None
        found.append(time(hour, minute))
    return tuple(found)


class RuleForm(SiteForm):
    first = DateField(_l("First date"), validators=[Optional()])
    last = DateField(_l("Last date"), validators=[Optional()])
    weekdays = SelectMultipleField(_l("Days of the week"), choices=[], validate_choice=False,
                                   option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    times = StringField(_l("Start times (local), like 07:30, 14:00"))
    capacity = StringField(_l("Seats"), default="12", render_kw=NUMBER)
    cutoff_hours = StringField(_l("Bookings close this many hours before"), default="24", render_kw=NUMBER)
    action = HiddenField(default="preview")

    def rule(self) -> DepartureRule:
        days = frozenset(int(day) for day in self.weekdays.data or [] if str(day).isdecimal() and int(day) < 7)
        first: date | None = self.first.data
        last: date | None = self.last.data
        return DepartureRule(first, last, days, parse_times(self.times.data) or (),
                             DepartureSpec(whole(self.capacity.data), whole(self.cutoff_hours.data)))

    def times_unreadable(self) -> bool:
        return parse_times(self.times.data) is None


class ActionForm(SiteForm):
    """A button that changes something: only its CSRF token."""

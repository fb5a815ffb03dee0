"""Forms for lecture staff (CSRF through Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from campaigns.lectures.models import DEFAULT_TIME_ZONE
from marketplace.core.forms import SiteForm
from marketplace.core.i18n import LANGUAGES

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
SPEAKER_SLOTS = 3


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, lang.native_name) for code, lang in LANGUAGES.items()]


class SeriesForm(FlaskForm):
    original_language = SelectField(_l("Original language"), default="en", choices=language_choices())
    festival_preparation = BooleanField(_l("Festival preparation: attending one of its lectures makes a store "
                                           "festival-ready"))


class LectureForm(FlaskForm):
    original_language = SelectField(_l("Original language"), default="en", choices=language_choices())
    series_id = SelectField(_l("Series"), default="")
    spoken_language = SelectField(_l("Spoken language"), default="en", choices=language_choices())
    interpretation_languages = SelectMultipleField(
        _l("Interpreted into"), choices=language_choices(), option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False), validate_choice=False)
    time_zone = StringField(_l("Time zone of the start"), default=DEFAULT_TIME_ZONE, validators=[Length(max=64)],
                            render_kw={"list": "zones"})
    starts_local = DateTimeLocalField(_l("Starts (local time)"), format=LOCAL_FORMAT, validators=[Optional()])
    duration_minutes = IntegerField(_l("Duration (minutes)"), default=60, validators=[Optional()])
    capacity = IntegerField(_l("Seats"), default=100, validators=[Optional()])
    audience = SelectField(_l("Who may attend"), default="everyone", choices=[
        SelectChoice("everyone", _l("Everyone")), SelectChoice("vendors", _l("Vendors only"))])
    join_url = StringField(_l("Meeting link (kept secret)"), validators=[Length(max=500)])
    recording_url = StringField(_l("Recording link (after the lecture)"), validators=[Length(max=500)])


class QuestionForm(SiteForm):
    # The length is judged by the service, so the message is the same for every way in.
    body = TextAreaField(_l("Your question"), render_kw={"maxlength": 500, "rows": 3})


class ModerationForm(SiteForm):
    action = StringField(validators=[Length(max=20)])


class MaterialForm(SiteForm):
    # Judged by content in the service, never by name or declared type; `accept` only helps the file picker.
    file = FileField(_l("PDF file"), render_kw={"accept": "application/pdf"})
    title = StringField(_l("Title shown to visitors (optional)"), validators=[Length(max=160)])


class SpeakerPhotoForm(SiteForm):
    photo = FileField(_l("Photo"), render_kw={"accept": "image/jpeg,image/png,image/webp"})


class MoveForm(FlaskForm):
    time_zone = StringField(_l("Time zone of the start"), validators=[Length(max=64)], render_kw={"list": "zones"})
    starts_local = DateTimeLocalField(_l("New start (local time)"), format=LOCAL_FORMAT, validators=[Optional()])


for _code in LANGUAGES:
    setattr(SeriesForm, f"title_{_code}", StringField(_l("Title"), validators=[Length(max=160)]))
    setattr(SeriesForm, f"description_{_code}", TextAreaField(_l("Description"), validators=[Length(max=4000)]))
    setattr(LectureForm, f"title_{_code}", StringField(_l("Title"), validators=[Length(max=160)]))
    setattr(LectureForm, f"abstract_{_code}", TextAreaField(_l("Abstract"), validators=[Length(max=4000)]))
for _index in range(SPEAKER_SLOTS):
    setattr(LectureForm, f"speaker_{_index}_name", StringField(_l("Name"), validators=[Length(max=120)]))
    setattr(LectureForm, f"speaker_{_index}_role", StringField(_l("Role"), validators=[Length(max=160)]))
    setattr(LectureForm, f"speaker_{_index}_bio", TextAreaField(_l("Short biography"), validators=[Length(max=2000)]))

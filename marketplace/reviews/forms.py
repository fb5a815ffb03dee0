"""The forms of reviews: the shopper's review, the vendor's answer, and staff hiding one with a reason."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired

from marketplace.core.forms import SiteForm
from marketplace.core.i18n import LANGUAGES
from marketplace.reviews.services import MAX_ANSWER, MAX_REASON, MAX_TEXT

STAR_CHOICES = [(str(n), str(n)) for n in range(5, 0, -1)]


def language_choices(blank: str = "") -> list[tuple[str, str]]:
    """The six languages by their own names, optionally after a blank choice."""
    choices = [(code, language.native_name) for code, language in LANGUAGES.items()]
    return [("", blank), *choices] if blank else choices


class ReviewForm(SiteForm):
    rating = RadioField(_l("Your rating"), choices=STAR_CHOICES,
                        validators=[InputRequired(_l("Choose from 1 to 5 stars."))])
    language = SelectField(_l("Language you write in"), choices=language_choices())
    body = TextAreaField(_l("Your review"), render_kw={"maxlength": MAX_TEXT, "rows": 5, "dir": "auto"})
    translation_language = SelectField(_l("Translation into"), choices=[], validate_choice=False)  # the service checks
    translation = TextAreaField(_l("Translation (optional)"), render_kw={"maxlength": MAX_TEXT, "rows": 4,
                                                                          "dir": "auto"})
    photos = MultipleFileField(_l("Photos (up to 3)"), render_kw={"accept": "image/jpeg,image/png,image/webp"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.translation_language.choices = language_choices(str(_l("No translation")))


class AnswerForm(SiteForm):
    answer = TextAreaField(_l("Your answer"), render_kw={"maxlength": MAX_ANSWER, "rows": 3, "dir": "auto"})
    language = SelectField(_l("Language you write in"), choices=language_choices())


class HideForm(SiteForm):
    reason = TextAreaField(_l("Reason (the author sees it)"), render_kw={"maxlength": MAX_REASON, "rows": 2})

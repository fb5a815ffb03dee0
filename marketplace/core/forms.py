"""The site's form base, and carrying a service's domain error back onto the form the user filled in.

Every form a person types into derives from `SiteForm`, which refuses control characters in its text
fields once for all of them: a line break in a store name, a NUL in an address or an invisible
direction override in a name never reach a service, a CSV export or an e-mail header.
"""
from __future__ import annotations

import functools
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, FormField, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select, html_params

from marketplace.core.errors import DomainError

# Format characters people do type: joiners (Arabic, Persian and Indic script, emoji sequences) and the
# left-to-right and right-to-left marks. Overrides, isolates, BOMs and the rest are refused.
TYPED_FORMAT_CHARACTERS = frozenset("\u200c\u200d\u200e\u200f")
LINE_BREAKS_AND_TABS = frozenset("\n\r\t")
CONTROL_MESSAGE = _l("Remove the control characters (line breaks or invisible characters) from this field.")


def has_control_characters(text: str, multiline: bool = False) -> bool:
    """True when `text` holds a control (Cc) or format (Cf) character a person does not type; with
    `multiline`, line breaks and tabs are allowed."""
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char in LINE_BREAKS_AND_TABS):
            return True
        if category == "Cf" and char not in TYPED_FORMAT_CHARACTERS:
            return True
    return False


def refuse_control_characters(fields: list[Field] | FlaskForm) -> bool:
    """Put CONTROL_MESSAGE on each text field (in sub-forms too) holding a control character; True when none."""
    clean = True
    for field in fields:
        if isinstance(field, FormField):
            clean = refuse_control_characters(field.form) and clean
        elif isinstance(field, StringField) and not isinstance(field, PasswordField) \
                and isinstance(field.data, str) \
                and has_control_characters(field.data, multiline=isinstance(field, TextAreaField)):
            field.errors = [*field.errors, str(CONTROL_MESSAGE)]
            clean = False
    return clean


class SiteForm(FlaskForm):
    """A FlaskForm (CSRF and all) whose text fields refuse control characters with a clear message."""

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        return refuse_control_characters(self) and valid


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    """Show `error` on its fields, or above the form when it names none the form has."""
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
            placed = True
    if not placed:
        form.form_errors.append(error.message)


class ListSelect(Select):
    """A select over a long list that many responses share (every country, named in the reader's language):
    its options are written once per list and the chosen one is marked per response. The country list of
    checkout was rendered option by option on every page, most of that page's time.

    Choices are SelectChoice objects or (value, label) pairs, of text, with no attributes or groups of their
    own; anything else is rendered as WTForms does."""

    def __call__(self, field: Field, **kwargs) -> Markup:
        choices = _plain_choices(field.choices or ())
        if choices is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        chosen = field.data
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        html.extend(option.replace("<option ", "<option selected ", 1) if value == chosen else option
                    for value, option in _written_options(choices))
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - every value and label escaped by _written_options


def _plain_choices(choices) -> tuple[tuple[str, str], ...] | None:
    """The (value, label) of each choice, or None when one is of another kind (attributes, a group, not text)."""
    plain = []
    for choice in choices:
        if isinstance(choice, SelectChoice) and not choice.render_kw and choice.optgroup is None:
            choice = (choice.value, choice.label)
        if not (isinstance(choice, tuple) and len(choice) == 2 and type(choice[0]) is str and type(choice[1]) is str):
            return None
        plain.append(choice)
    return tuple(plain)


@functools.lru_cache(maxsize=64)
def _written_options(choices: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Each choice's value and its `<option value="…">label</option>`, escaped."""
    return tuple((value, f"<option {html_params(value=value)}>{escape(label)}</option>") for value, label in choices)

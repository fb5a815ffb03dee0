"""Carrying a service's domain error back onto the form the user filled in."""
from __future__ import annotations

from flask_wtf import FlaskForm

from marketplace.core.errors import DomainError


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

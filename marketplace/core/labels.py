"""Translated labels for the values of enums shown to people (states, methods), kept with their package.

A package registers the label of every member of its enum once (`register_labels`); templates write
`{{ value|label }}` and never a raw value such as "submitted" or "mobile_money".
"""
from __future__ import annotations

import enum
from collections.abc import Mapping

from flask import Flask

_LABELS: dict[type[enum.Enum], Mapping[enum.Enum, object]] = {}


def register_labels(kind: type[enum.Enum], labels: Mapping[enum.Enum, object]) -> None:
    """Name every member of `kind` (lazy translated strings); ValueError when one is left unnamed."""
    missing = [member.value for member in kind if member not in labels]
    if missing:
        raise ValueError(f"{kind.__name__} has no label for {', '.join(map(str, missing))}")
    _LABELS[kind] = dict(labels)


def enum_label(value: enum.Enum) -> str:
    """The label of `value` in the current language; KeyError for an enum nobody registered."""
    return str(_LABELS[type(value)][value])


def registered() -> dict[type[enum.Enum], Mapping[enum.Enum, object]]:
    """Every enum with labels, for checks."""
    return dict(_LABELS)


def init_app(app: Flask) -> None:
    app.add_template_filter(enum_label, "label")

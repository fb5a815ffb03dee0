"""Column types shared by the models."""
from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import Enum, String, TypeDecorator
from sqlalchemy.engine import Dialect


class DecimalText(TypeDecorator):
    """An exact Decimal stored as text, identical on SQLite (no native decimal) and PostgreSQL."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def enum_column(enum_class: type[enum.Enum]) -> Enum:
    """A string column holding the enum's values, checked in Python, portable across databases."""
    return Enum(enum_class, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])

"""Table cells written for a reader: numbers, money, percentages and days in their language.

Tables of a year of days hold thousands of cells, so cells are written here in Python (one call
each, Babel's formats cached per value) rather than by a template macro per cell.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit
from markupsafe import Markup, escape

from campaigns.reporting.currency import Amount
from campaigns.reporting.tables import CODE, COUNT, DAY, DAYS, MINUTES, MONEY, PERCENT, TEXT
from marketplace.core.money import Money


@lru_cache(maxsize=8192)
def _money(amount: int, currency: str, language: str) -> str:
    return Money(amount, currency).format(language)


@lru_cache(maxsize=8192)
def _number(value: float, language: str) -> str:
    return format_decimal(value, locale=language)


@lru_cache(maxsize=1024)
def _percent(value: int, language: str) -> str:
    return format_percent(value / 100, locale=language)


@lru_cache(maxsize=2048)
def _day(value: date, language: str) -> str:
    return format_date(value, "medium", locale=language)


@lru_cache(maxsize=2048)
def duration(minutes: int, language: str) -> str:
    """Whole minutes as days, hours and minutes in the reader's units ("1d 2h 5m", "2小时 5分钟"); the
    largest two units that are not zero."""
    days, rest = divmod(max(0, minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, "duration-day"), (hours, "duration-hour"), (mins, "duration-minute")]
    shown = [(value, unit) for value, unit in parts if value][:2] or [(0, "duration-minute")]
    return " ".join(format_unit(value, unit, length="narrow", locale=language) for value, unit in shown)


def write_cell(value: Any, kind: str, language: str) -> Markup:
    """The cell's value as the page shows it ("–" for a figure that does not apply)."""
    if value is None or value == "":
        return Markup("") if kind in (TEXT, CODE) else Markup("–")
    if kind == MONEY:
        amount = value if isinstance(value, Amount) else None
        written = escape(_money(amount.minor, amount.currency, language) if amount else str(value))
        for other in amount.others if amount else []:
            written += Markup('<br><span class="meta">+ %s</span>') % _money(other.amount, other.currency, language)
        return written
    if kind in (COUNT, DAYS):
        return escape(_number(value, language))
    if kind == PERCENT:
        return escape(_percent(value, language))
    if kind == MINUTES:
        return escape(duration(value, language))
    if kind == DAY and isinstance(value, date):
        return Markup('<time datetime="%s">%s</time>') % (value.isoformat(), _day(value, language))
    return escape(str(value))

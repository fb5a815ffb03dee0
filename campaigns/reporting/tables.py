"""The dashboard's tables: columns with a kind, rows of values, and totals — shown under each chart and
exported as CSV from the same rows, so the page and the files cannot disagree."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from campaigns.reporting.currency import Amount
from marketplace.core.money import Money
from marketplace.core.spreadsheet import safe_cell

# Kinds of cell: how the page writes them and how the CSV file does.
TEXT, CODE, DAY, COUNT, MONEY, DAYS, PERCENT = "text", "code", "day", "count", "money", "days", "percent"
MINUTES = "minutes"  # a duration in whole minutes: "2h 5m" on the page, the number of minutes in CSV


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in (COUNT, MONEY, DAYS, PERCENT, MINUTES)


@dataclass
class ReportTable:
    """One table of the dashboard, as it is shown and exported."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    totals: list[Any] | None = None
    sortable: bool = False
    sort: str = ""
    descending: bool = True
    money_in_header: bool = True  # False: money cells are in the currency of the row's "currency" column

    @property
    def has_money(self) -> bool:
        return any(column.kind == MONEY for column in self.columns)

    def column_sums(self, key: str) -> int:
        """The sum of a count or money column over the rows (money in minor units), for checks."""
        index = [column.key for column in self.columns].index(key)
        return sum(cell.minor if isinstance(cell, Amount) else int(cell or 0) for cell in
                   (row[index] for row in self.rows))


def _csv_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == MONEY:
        return format(value.money.to_decimal(), "f") if isinstance(value, Amount) else format(
            value.to_decimal(), "f")
    if kind == DAY:
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind in (COUNT, PERCENT, DAYS, MINUTES):
        return value
    return safe_cell(str(value))  # text from people (names, titles) never runs as a formula


def _apart(value: Any) -> str:
    """What a money cell holds that no stored rate converted, as "EUR 12.00; GBP 3.50"."""
    others: list[Money] = value.others if isinstance(value, Amount) else []
    return "; ".join(f"{money.currency} {format(money.to_decimal(), 'f')}" for money in others)


def table_csv(table: ReportTable, currency: str) -> str:
    """The table as CSV (UTF-8 with a byte-order mark for spreadsheet apps; CRLF lines), totals last.
    Money columns are decimal numbers in `currency`, each followed by what no stored rate converts."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header: list[str] = []
    for column in table.columns:
        if column.kind == MONEY:
            named = f"{column.key}_{currency.lower()}" if table.money_in_header else column.key
            header += [named, f"{column.key}_not_converted"]
        else:
            header.append(column.key)
    writer.writerow(header)
    for row in [*table.rows, *([table.totals] if table.totals is not None else [])]:
        cells: list[Any] = []
        for value, column in zip(row, table.columns, strict=True):
            cells.append(_csv_cell(value, column.kind))
            if column.kind == MONEY:
                cells.append(_apart(value))
        writer.writerow(cells)
    return "\ufeff" + buffer.getvalue()

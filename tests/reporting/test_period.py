"""Report periods: the picker's input, and days in the campaign's zone worked out in SQL exactly as Python's
zone database says, on SQLite and PostgreSQL, through summer-time changes (Cairo, Casablanca)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select

from campaigns.reporting.period import MAX_DAYS, ReportPeriod, local_day, local_midnight, parse_period
from marketplace.core import clock
from marketplace.core.errors import ValidationError
from marketplace.extensions import db

TODAY = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def today(app):
    with clock.freeze(TODAY):
        yield TODAY


def test_an_empty_picker_means_the_last_30_days_in_the_zone(today):
    period = parse_period("", None, "Africa/Nairobi")
    assert (period.first, period.last, period.length) == (date(2026, 10, 22), date(2026, 11, 20), 30)
    late = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # already the 21st in Nairobi, still the 20th in Dakar
    with clock.freeze(late):
        assert parse_period("", "", "Africa/Nairobi").last == date(2026, 11, 21)
        assert parse_period("", "", "Africa/Dakar").last == date(2026, 11, 20)


@pytest.mark.parametrize("first, last, field", [
    ("2026-11-10", "2026-11-01", "last"), ("tomorrow", "2026-11-01", "first"), ("2026-11-31", "", "first"),
    ("2025-01-01", "2026-11-20", "last"), ("", "2026-11-21", "last"), ("2019-12-31", "2020-01-05", "first"),
    ("2026-1-5", "", "first"), ("２０２６-11-01", "", "first"),
])
def test_bad_periods_name_the_field(today, first, last, field):
    with pytest.raises(ValidationError) as refused:
        parse_period(first, last, "Africa/Nairobi")
    assert field in refused.value.fields


def test_a_period_may_last_366_days_and_one_day(today):
    assert parse_period("2025-11-20", "2026-11-20", "Africa/Nairobi").length == MAX_DAYS
    assert parse_period("2026-11-20", "2026-11-20", "Africa/Nairobi").length == 1


def test_a_day_starts_at_midnight_in_the_zone():
    assert local_midnight(date(2026, 11, 10), "Africa/Nairobi") == datetime(2026, 11, 9, 21, 0, tzinfo=UTC)
    # Cairo skips from midnight to one o'clock on 24 April 2026: the day starts at 22:00 UTC the day before.
    assert local_midnight(date(2026, 4, 24), "Africa/Cairo") == datetime(2026, 4, 23, 22, 0, tzinfo=UTC)
    period = ReportPeriod(date(2026, 4, 20), date(2026, 4, 28), "Africa/Cairo")
    assert [offset for _, offset in period.offset_stretches] == [120, 180]
    assert period.offset_stretches[1][0] == datetime(2026, 4, 23, 22, 0, tzinfo=UTC)


def instants_around_every_change(period: ReportPeriod) -> list[datetime]:
    """Each local midnight and each change of offset of the period, a minute either side, and every 5 hours."""
    found = []
    for day in [*period.days, period.last + timedelta(days=1)]:
        midnight = local_midnight(day, period.zone)
        found += [midnight - timedelta(minutes=1), midnight, midnight + timedelta(minutes=1)]
    for start, _ in period.offset_stretches[1:]:
        found += [start - timedelta(minutes=1), start, start + timedelta(minutes=1)]
    moment = period.starts_at
    while moment < period.ends_at:
        found.append(moment)
        moment += timedelta(hours=5)
    return sorted(instant for instant in set(found) if period.starts_at <= instant < period.ends_at)


@pytest.mark.parametrize("zone", ["Africa/Cairo", "Africa/Casablanca", "Africa/Nairobi", "Africa/Abidjan"])
def test_sql_puts_each_instant_on_the_zones_day(app, zone):
    period = ReportPeriod(date(2025, 11, 20), date(2026, 11, 20), zone)
    instants = instants_around_every_change(period)
    if zone in ("Africa/Cairo", "Africa/Casablanca"):
        assert len(period.offset_stretches) >= 3, "the zone changes its clocks in the year"
    table = Table("report_instants", MetaData(), Column("n", Integer, primary_key=True),
                  Column("at", DateTime(timezone=True)))
    connection = db.session.connection()
    table.create(connection)
    try:
        connection.execute(insert(table), [{"n": n, "at": at} for n, at in enumerate(instants)])
        rows = connection.execute(select(table.c.n, local_day(table.c.at, period, db.engine.dialect.name))).all()
    finally:
        table.drop(connection)
        db.session.commit()
    assert len(rows) == len(instants)
    wrong = [(instants[n], text) for n, text in rows
             if text != instants[n].astimezone(ZoneInfo(zone)).date().isoformat()]
    assert wrong == []


def test_line_names_keep_apart_and_inside_the_chart():
    from campaigns.reporting.charts import LABEL_GAP, spread_labels

    assert spread_labels([100, 101], 14, 200) == [104, 104 + LABEL_GAP]  # ending together: one under the other
    assert spread_labels([50, 150], 14, 200) == [54, 154]  # far apart: each beside its own line
    low = spread_labels([199, 199], 14, 200)
    assert max(low) <= 200 and abs(low[0] - low[1]) >= LABEL_GAP  # at the bottom: the pair moves up
    assert min(spread_labels([0, 0], 14, 200)) >= 14

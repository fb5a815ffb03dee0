"""Tourism availability benchmark: a month calendar of departures at 1,000 experiences × 90 days.

Builds `--experiences` published experiences (two options each, one departure per option and day for
`--days` days) in bulk on a scratch database, then times, for random experiences and months, the month
calendar query with its states (`campaigns.tourism.calendar.month_calendar`) and the whole experience page
through the test client (calendar, chosen departure, prices in the display currency). Prints p50 / p95 / max.

    .venv/bin/python bench/tourism.py                       # a temporary SQLite file
    .venv/bin/python bench/tourism.py --database-url postgresql://postgres@127.0.0.1:5432/bench_scratch

The PostgreSQL database must be a scratch one: its tables are created, and dropped at the end.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from config import TestingConfig, _database_url  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="a scratch database (default: temporary SQLite)")
    parser.add_argument("--experiences", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--samples", type=int, default=300)
    return parser.parse_args(argv)


def build(count: int, days: int) -> list[tuple[int, str]]:
    """`count` published experiences with two priced options and a departure per option and day; (id, slug)."""
    from campaigns.tourism.models import (
        Departure,
        Experience,
        ExperienceOption,
        ExperienceOptionText,
        UnitType,
    )
    from marketplace.catalog.countries import ensure_countries
    from marketplace.catalog.models import Category, Product, ProductKind, ProductStatus, ProductText
    from marketplace.core import clock
    from marketplace.vendors.models import Store, StoreStatus
    from tests.factories import create_user

    ensure_countries()
    category = Category(slug="tourism")
    owner = create_user(email="bench-operator@example.com")
    store = Store(slug="bench-operator", name="Bench Operator", owner=owner, country_code="KE",
                  status=StoreStatus.APPROVED)
    db.session.add_all([category, store])
    db.session.flush()
    now = clock.now()
    products = [{"slug": f"bench-experience-{n}", "store_id": store.id, "category_id": category.id,
                 "original_language": "en", "price_amount": 5000, "currency": "KES", "stock": 0,
                 "status": ProductStatus.PUBLISHED, "kind": ProductKind.EXPERIENCE, "created_at": now,
                 "updated_at": now} for n in range(count)]
    db.session.execute(insert(Product), products)
    ids = list(db.session.scalars(select(Product.id).where(Product.store_id == store.id).order_by(Product.id)))
    db.session.execute(insert(ProductText), [{"product_id": pid, "language": "en", "name": f"Safari {pid}",
                                              "description": "Game drives."} for pid in ids])
    db.session.execute(insert(Experience), [{"product_id": pid, "time_zone": "Africa/Nairobi",
                                             "duration_minutes": 240, "guide_languages": "en,sw",
                                             "minimum_age": 0, "refundable": True, "free_cancel_hours": 48,
                                             "late_refund_percent": 0, "created_at": now} for pid in ids])
    experiences = dict(db.session.execute(select(Experience.product_id, Experience.id)).all())
    db.session.execute(insert(ExperienceOption), [{"experience_id": experiences[pid], "position": position}
                                                  for pid in ids for position in (0, 1)])
    options = db.session.execute(select(ExperienceOption.id, ExperienceOption.experience_id)).all()
    db.session.execute(insert(ExperienceOptionText), [{"option_id": oid, "language": "en", "name": "Shared"}
                                                      for oid, _eid in options])
    db.session.execute(insert(UnitType), [
        {"option_id": oid, "kind": kind, "price_amount": price, "currency": "KES", "min_per_booking": 0,
         "max_per_booking": 8, "requires_adult": kind == "child"}
        for oid, _eid in options for kind, price in (("adult", 500000), ("child", 300000))])
    today = now.date()
    rng = random.Random(7)
    rows = []
    for oid, eid in options:
        for offset in range(1, days + 1):
            day = today + timedelta(days=offset)
            start = datetime.combine(day, clock_time(6, 0)).replace(tzinfo=now.tzinfo)  # 09:00 in Nairobi
            rows.append({"option_id": oid, "experience_id": eid, "starts_at": start, "local_date": day,
                         "local_time": clock_time(9, 0), "capacity": 12, "seats_sold": rng.randrange(0, 13),
                         "seats_held": 0, "cutoff_hours": 24, "status": "scheduled", "created_at": now})
        if len(rows) >= 20_000:
            db.session.execute(insert(Departure), rows)
            rows = []
    if rows:
        db.session.execute(insert(Departure), rows)
    db.session.commit()
    slugs = dict(db.session.execute(select(Product.id, Product.slug).where(Product.id.in_(ids))).all())
    return [(experiences[pid], slugs[pid]) for pid in ids]


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{label}: p50 {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms, max {ms[-1]:.2f} ms ({len(ms)} samples)"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    scratch = tempfile.mkdtemp()
    url = _database_url(args.database_url) or f"sqlite:///{scratch}/bench.db"
    config = type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": scratch,
                                               "PRIVATE_UPLOAD_DIR": scratch, "SEARCH_INDEX_DIR": scratch})
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        try:
            started = time.perf_counter()
            made = build(args.experiences, args.days)
            print(f"built {args.experiences} experiences × {args.days} days × 2 options on "
                  f"{db.engine.dialect.name} in {time.perf_counter() - started:.1f} s")
            run(app, made, args.samples)
        finally:
            db.session.remove()
            db.drop_all()


def run(app, made: list[tuple[int, str]], samples: int) -> None:
    from campaigns.tourism import calendar
    from campaigns.tourism.models import Departure, Experience
    from marketplace.core import clock

    rng = random.Random(11)
    now = clock.now()
    today = now.date()
    months = [(today.year, today.month)]
    for _ in range(3):
        year, month = months[-1]
        months.append((year + month // 12, month % 12 + 1))
    queries, pages, sql = [], [], []
    client = app.test_client()
    for _ in range(samples):
        experience_id, slug = rng.choice(made)
        year, month = rng.choice(months)
        db.session.expire_all()
        started = time.perf_counter()
        experience = db.session.get(Experience, experience_id)
        grid = calendar.month_calendar(experience, year, month, now, today)
        assert grid.weeks
        queries.append(time.perf_counter() - started)
        first, last = grid.weeks[0][0].day, grid.weeks[-1][-1].day
        started = time.perf_counter()
        db.session.execute(select(Departure.id, Departure.seats_sold).where(
            Departure.experience_id == experience_id, calendar.priced_departure(), Departure.local_date >= first,
            Departure.local_date <= last)).all()
        sql.append(time.perf_counter() - started)
        started = time.perf_counter()
        response = client.get(f"/en/experiences/{slug}?month={year:04d}-{month:02d}")
        pages.append(time.perf_counter() - started)
        assert response.status_code == 200
    print(summary("month calendar SQL alone", sql))
    print(summary("month calendar (query and states)", queries))
    print(summary("experience page (client, whole request)", pages))


if __name__ == "__main__":
    main()

"""Tourism benchmark: a month calendar of departures at 1,000 experiences × 90 days, and seats held at checkout
by 200 buyers at once beside the goods checkout race of the same run.

Builds `--experiences` published experiences (two options each, one departure per option and day for
`--days` days) in bulk on a scratch database, then times, for random experiences and months, the month
calendar query with its states (`campaigns.tourism.calendar.month_calendar`) and the whole experience page
through the test client (calendar, chosen departure, prices in the display currency). Prints p50 / p95 / max.

Then the races (`--racers`, default 200): that many shoppers, each with a cart, check out at once (threads
released by a barrier, each with its own session, through `place_order` with an online gateway that holds
until paid), first for a product with 10 units in stock, then for a departure with 10 seats (one adult each).
Each race prints how many got an order, how many were told it is sold out, any other answer (must be none),
what is left (must be 0, never negative) and the time of each answer (p50 / p95 / p99 / max).

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
from decimal import Decimal
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
    parser.add_argument("--racers", type=int, default=200, help="buyers at once in each race (0: no races)")
    parser.add_argument("--seats", type=int, default=10, help="units and seats the racers compete for")
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
    # Every racer asks the pool for a connection at once; most wait for one, longer than SQLAlchemy's 30 s.
    config = type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": scratch,
                                               "PRIVATE_UPLOAD_DIR": scratch, "SEARCH_INDEX_DIR": scratch,
                                               "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True,
                                                                             "pool_timeout": 300}})
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
            if args.racers:
                races(app, made, args.racers, args.seats)
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


class HoldingGateway:
    """Collects online and opens the payment at once: a placed order holds its units until paid."""

    name = "bench"
    collects_online = True

    def start_payment(self, request):  # noqa: ANN001, ANN201
        from marketplace.payments import PaymentStart

        return PaymentStart(reference=f"bench-{request.order_reference}", redirect_url="https://pay.example/")

    def expire_payment(self, reference: str) -> None:
        return None

    def recent_payments(self, since):  # noqa: ANN001, ANN201
        return ()


def races(app, made: list[tuple[int, str]], racers: int, seats: int) -> None:
    """The goods race, then the departure race, each with `racers` buyers for `seats` units."""
    from campaigns.tourism.models import Departure, Experience
    from marketplace.accounts.models import Role, User
    from marketplace.catalog.models import Category, ExchangeRate, Product, ProductStatus
    from marketplace.core import clock
    from marketplace.orders.checkout import Destination, TravellerInput
    from marketplace.orders.holds.refs import HoldRef
    from marketplace.orders.models import Cart, CartItem
    from tests.factories import PASSWORD, cached_hash

    app.extensions["payment_gateway"] = HoldingGateway()
    experience = db.session.get(Experience, made[0][0])
    departure = db.session.scalar(select(Departure).where(
        Departure.experience_id == experience.id, Departure.starts_at > clock.now()
        + timedelta(days=3)).order_by(Departure.starts_at).limit(1))
    departure.capacity, departure.seats_sold, departure.seats_held = seats, 0, 0
    shelf = Category(slug="bench-race-goods")
    db.session.add_all([shelf, ExchangeRate(base="KES", quote="USD", rate=Decimal("0.0077"), updated_at=clock.now())])
    db.session.flush()
    goods = Product(slug="bench-race-goods", store_id=experience.product.store_id, category_id=shelf.id,
                    original_language="en", price_amount=1500, currency="KES", stock=seats,
                    status=ProductStatus.PUBLISHED)
    db.session.add(goods)
    db.session.commit()
    adult = next(unit for unit in departure.option.units if unit.kind.value == "adult")
    lines = {
        "goods": lambda: CartItem(product_id=goods.id, quantity=1, seen_amount=1500, seen_currency="KES"),
        "departure": lambda: CartItem(product_id=experience.product_id, quantity=1,
                                      booking=HoldRef("departure", departure.id), units={"adult": 1},
                                      seen_amount=adult.price_amount, seen_currency=adult.currency),
    }
    address = dict(recipient_name="Bench Buyer", phone="+254 712 345678", country_code="KE", city="Nairobi",
                   address_line="Moi Avenue 1", postal_code="00100")
    for kind, line in lines.items():
        buyers = [User(email=f"racer-{kind}-{n}@example.com", password_hash=cached_hash(PASSWORD),
                       role=Role.SHOPPER) for n in range(racers)]
        db.session.add_all(buyers)
        db.session.commit()
        ids = [buyer.id for buyer in buyers]
        db.session.add_all(Cart(user_id=buyer_id, items=[line()]) for buyer_id in ids)
        db.session.commit()
        party = {experience.product_id: [TravellerInput(name="Bench Traveller")]} if kind == "departure" else {}
        outcomes, timings, elapsed = race(app, ids, Destination(**address, party=party))
        db.session.expire_all()
        left = (db.session.get(Product, goods.id).stock if kind == "goods"
                else db.session.get(Departure, departure.id).seats_left)
        ms = sorted(t * 1000 for t in timings)
        p95, p99 = (ms[min(len(ms) - 1, int(len(ms) * share))] for share in (0.95, 0.99))
        print(f"race, {kind}: {racers} buyers for {seats} in {elapsed:.1f} s on {db.engine.dialect.name}: "
              f"{outcomes}; left {left}; per answer p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, "
              f"p99 {p99:.0f} ms, max {ms[-1]:.0f} ms")


def race(app, buyer_ids: list[int], destination) -> tuple[dict[str, int], list[float], float]:
    """Every buyer checks out at once, each in a thread with its own session; (answers by kind, seconds per
    answer, seconds for all)."""
    import threading

    from marketplace.accounts.models import User
    from marketplace.core.errors import DomainError
    from marketplace.orders.checkout import SoldOut, new_checkout_key, place_order

    barrier = threading.Barrier(len(buyer_ids))
    guard = threading.Lock()
    timings: list[float] = []
    outcomes: dict[str, int] = {}

    def buy(buyer_id: int) -> None:
        with app.app_context():
            barrier.wait()
            started = time.perf_counter()
            try:
                place_order(db.session.get(User, buyer_id), destination, new_checkout_key(), "en")
                outcome = "order"
            except SoldOut as refusal:
                problem = refusal.lines[0]["problem"]
                outcome = "sold out" if "sold out" in problem.lower() else f"refused: {problem}"
            except DomainError as error:
                outcome = f"{type(error).__name__}: {error.message}"
            except Exception as error:  # noqa: BLE001 - every answer is counted, the unexpected ones too
                outcome = f"{type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with guard:
                timings.append(time.perf_counter() - started)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

    threads = [threading.Thread(target=buy, args=(buyer_id,)) for buyer_id in buyer_ids]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, timings, time.perf_counter() - started

if __name__ == "__main__":
    main()

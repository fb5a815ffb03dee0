"""How long the staff campaign dashboard and a live festival's results page take with many orders and views
(SQLite, and PostgreSQL when asked).

    .venv/bin/python bench/dashboard.py --views 1000000                  # SQLite, 100,000 orders
    BENCH_DATABASE_URL=postgresql://USER@HOST/SCRATCH .venv/bin/python bench/dashboard.py --keep
    BENCH_DATABASE_URL=… BENCH_REDIS_URL=redis://127.0.0.1:6379/N .venv/bin/python bench/dashboard.py --keep
    .venv/bin/python bench/dashboard.py --orders 20000 --views 200000 --rounds 10      # quicker

It builds the schema in a scratch database (a temporary SQLite file, or the PostgreSQL database named,
whose tables it drops and creates: never point it at real data), seeds the 54 states, 100 stores,
1,000 products, N orders spread over the last year in several currencies and states (a fifth of them
bought at festival deal prices: a festival two months ago and one live now, in its second wave, 150
deals a wave) and about `--views` journey-count rows (`bench/reporting_data.py`). Then, as a signed-in
staff member through the app, in the same run, `--rounds` times each after one first request:

- the dashboard for 30 and 366 days and the 366-day daily CSV, worked out on every request (the roll-up
  as before, `DASHBOARD_CACHE_SECONDS = 0`) and as served (kept a minute for every staff member);
- the live festival's results page worked out on every request (the cache emptied before each) and as
  served (kept a minute);

and prints p50 and p95 of each, and the first request's time. With BENCH_REDIS_URL the kept reports
live in that Redis database (its keys under a prefix of their own are deleted at the end).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reporting_data import STAFF_EMAIL, STAFF_PASSWORD, seed, seed_views  # noqa: E402
from campaigns.festivals.models import Festival  # noqa: E402
from campaigns.reporting.models import FunnelCount, FunnelHour, RolledDay  # noqa: E402
from config import TestingConfig, _database_url  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.orders.models import Order  # noqa: E402


def measure(client, url: str, rounds: int, before=None) -> tuple[float, float, float]:
    """(first request, p50, p95 of the `rounds` after it) in ms; `before()` is called before each request."""
    times = []
    for _ in range(rounds + 1):
        if before is not None:
            before()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    later = sorted(times[1:])  # the first request warms caches up (and fills the report cache)
    return times[0], statistics.median(later), later[max(0, round(0.95 * len(later)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--views", type=int, default=10_000_000, help="journey-count rows (product views and more)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="leave the seeded tables (and reuse them next time)")
    args = parser.parse_args()
    if args.keep:  # one fixed folder, so the next run finds the seeded SQLite file again
        folder = os.path.join(tempfile.gettempdir(), "dashboard-bench")
        os.makedirs(folder, exist_ok=True)
    else:
        folder = tempfile.mkdtemp(prefix="dashboard-bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = _database_url(url)
        MEDIA_ROOT = PRIVATE_UPLOAD_DIR = folder
        SEARCH_INDEX_DIR = "memory"
        DATABASE_STATEMENT_TIMEOUT = 0  # seeding ten million rows takes longer than a request may

    redis_url = os.environ.get("BENCH_REDIS_URL")
    prefix = f"bench:{os.getpid()}:reports:"
    app = create_app(type("ServedConfig", (Config,), {"DASHBOARD_CACHE_SECONDS": 60, "REDIS_URL": redis_url,
                                                      "REPORT_CACHE_PREFIX": prefix}))
    now = datetime.now(UTC)
    with app.app_context():
        reuse = args.keep and db.inspect(db.engine).has_table("orders") and db.session.scalar(
            db.select(db.func.count(Order.id))) == args.orders
        if reuse:
            now = db.session.scalar(db.select(db.func.max(Order.created_at)))
            print(f"{db.engine.dialect.name}: reusing {args.orders:,} seeded orders")
            db.session.execute(db.delete(RolledDay))  # the roll-up is summed again in this run
            db.session.commit()
            festival_ids = list(db.session.scalars(db.select(Festival.id).order_by(Festival.id)))
            if db.session.scalar(db.select(db.func.count()).select_from(FunnelCount)) < args.views * 0.9:
                db.session.execute(db.delete(FunnelHour))
                db.session.execute(db.delete(FunnelCount))
                db.session.commit()
                started = time.perf_counter()
                rows = seed_views(args.views, now, festival_ids)
                print(f"seeded {rows:,} journey-count rows in {time.perf_counter() - started:.1f} s")
        else:
            db.session.remove()
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            festival_ids = seed(args.orders, now)
            print(f"{db.engine.dialect.name}: seeded {args.orders:,} orders in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            rows = seed_views(args.views, now, festival_ids)
            print(f"seeded {rows:,} journey-count rows in {time.perf_counter() - started:.1f} s")
        views = db.session.scalar(db.select(db.func.sum(FunnelCount.count))
                                  .where(FunnelCount.step == "product_view"))
        print(f"{views:,} product views counted in {db.session.scalar(db.select(db.func.count()).select_from(FunnelCount)):,}"
              f" per-minute rows; report cache: {'Redis' if redis_url else 'in process'}")
        every_app = create_app(type("EveryRequestConfig", (Config,), {"DASHBOARD_CACHE_SECONDS": 0}))
        today = now.date()
        clients = {"worked out on every request": every_app.test_client(), "as served (kept a minute)": app.test_client()}
        for client in clients.values():
            client.post("/en/account/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
        year = f"/en/staff/dashboard/?from={today - timedelta(days=365)}&to={today}"
        started = time.perf_counter()
        assert clients["worked out on every request"].get(year).status_code == 200  # sums the closed days once
        print(f"first request with the roll-up (sums 365 closed days): {(time.perf_counter() - started) * 1000:.0f} ms")
        for label, url in (("dashboard, 30 days", f"/en/staff/dashboard/?from={today - timedelta(days=29)}&to={today}"),
                           ("dashboard, 366 days", year),
                           ("daily CSV, 366 days", f"/en/staff/dashboard/daily.csv?from={today - timedelta(days=365)}"
                                                   f"&to={today}")):
            for name, client in clients.items():
                first, p50, p95 = measure(client, url, args.rounds)
                print(f"{label}, {name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms (first {first:.0f} ms, "
                      f"{args.rounds} requests)")
        live = festival_ids[-1]
        results = f"/en/staff/festivals/{live}/results"
        cache = every_app.extensions["festival_results"]
        first, p50, p95 = measure(clients["worked out on every request"], results, args.rounds, before=cache.clear)
        print(f"live festival results, worked out on every request: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
              f"(first {first:.0f} ms, {args.rounds} requests)")
        app.extensions["festival_results"].clear()
        first, p50, p95 = measure(clients["as served (kept a minute)"], results, args.rounds)
        print(f"live festival results, as served (kept a minute): p50 {p50:.0f} ms, p95 {p95:.0f} ms "
              f"(first {first:.0f} ms, {args.rounds} requests)")
        app.extensions["festival_results"].clear()
        app.extensions["campaign_dashboard"].clear()
        if not args.keep:
            db.session.remove()  # its transaction holds locks the DROPs would wait for
            db.drop_all()


if __name__ == "__main__":
    main()

"""What counting a product view adds to a product page: the same page with and without journey counting,
requests alternated in one run (SQLite, and PostgreSQL when asked).

    .venv/bin/python bench/funnel.py                         # SQLite, 2,000 requests of each kind
    BENCH_DATABASE_URL=postgresql://USER@HOST/SCRATCH .venv/bin/python bench/funnel.py --requests 5000
    BENCH_REDIS_URL=redis://127.0.0.1:6379/N .venv/bin/python bench/funnel.py    # and counting in Redis

It builds the schema in a scratch database (a temporary SQLite file, or the PostgreSQL database named,
whose tables it drops and creates: never point it at real data), seeds a store and 50 products, and
makes apps on that database: one with `FUNNEL_COUNTING` off, one counting in memory as without Redis (a
writer thread flushing every 10 s or 1,000 events) and, with BENCH_REDIS_URL, one counting into Redis
(one script call per view; the flush jobs it queues go to a queue of the run's own, written here at the
end instead, and the queue and the keys are deleted). A browser's user agent asks for product pages
round-robin, alternating the apps request by request so both see the same machine load, with the
page cache off (every page rendered) and on (most pages from the cache, where counting weighs most).
It prints p50/p95 per app, the added time per request and the ratio, and checks every view was written.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from campaigns.reporting.funnel import journey_counter  # noqa: E402
from campaigns.reporting.models import FunnelCount  # noqa: E402
from config import TestingConfig, _database_url  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import Role, User  # noqa: E402
from marketplace.accounts.services import hash_password  # noqa: E402
from marketplace.catalog.countries import ensure_countries  # noqa: E402
from marketplace.catalog.models import Category, CategoryText, Product, ProductText  # noqa: E402
from marketplace.core.jobs import redis_client  # noqa: E402
from marketplace.core.page_cache import LocalPageStore  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.vendors.models import Store, StoreStatus, StoreText  # noqa: E402

BROWSER = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
PRODUCTS = 50


def seed() -> list[str]:
    ensure_countries()
    owner = User(email="bench-vendor@example.com", password_hash=hash_password("bench password 1"), role=Role.VENDOR)
    category = Category(slug="crafts", texts=[CategoryText(language="en", name="Crafts")])
    store = Store(slug="bench-store", name="Bench Store", owner=owner, country_code="GH", city="Accra",
                  original_language="en", status=StoreStatus.APPROVED,
                  texts=[StoreText(language="en", tagline="Woven by hand", story="A cooperative.")])
    db.session.add_all([owner, category, store])
    db.session.flush()
    products = [Product(slug=f"product-{n}", store_id=store.id, category_id=category.id, original_language="en",
                        price_amount=1000 + n, currency="USD", stock=100, status="published",
                        texts=[ProductText(language="en", name=f"Basket {n}", description="Sisal, dyed by hand.")])
                for n in range(PRODUCTS)]
    db.session.add_all(products)
    db.session.commit()
    return [product.slug for product in products]


def timed(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url, headers={"User-Agent": BROWSER})
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def compare(apps: dict, slugs: list[str], requests: int, label: str) -> int:
    """Alternate the apps' requests (the first counts nothing); print their figures against it; return how
    many views each counting app was asked to count."""
    clients = {name: app.test_client() for name, app in apps.items()}
    for client in clients.values():  # warm templates and caches up
        for slug in slugs:
            client.get(f"/en/products/{slug}", headers={"User-Agent": BROWSER})
    for name, app in apps.items():
        if name != "without counting":
            _forget(journey_counter(app))
    times: dict[str, list[float]] = {name: [] for name in clients}
    for n in range(requests):
        url = f"/en/products/{slugs[n % len(slugs)]}"
        order = list(clients.items()) if n % 2 == 0 else list(reversed(clients.items()))
        for name, client in order:
            # A new address every 20 requests, as many shoppers would be, so the rate check lets them count.
            client.environ_base["REMOTE_ADDR"] = f"10.0.{n // 5120}.{(n // 20) % 256}"
            times[name].append(timed(client, url))
    base = times["without counting"]
    print(f"{label}: without counting p50 {statistics.median(base):.3f} ms, p95 {p95(base):.3f} ms")
    for name, counted in times.items():
        if name == "without counting":
            continue
        added = statistics.median(counted) - statistics.median(base)
        print(f"  {name}: p50 {statistics.median(counted):.3f} ms, p95 {p95(counted):.3f} ms; "
              f"added {added * 1000:.0f} µs per page (p50), ratio {statistics.median(counted) / statistics.median(base):.3f}")
    return requests


def _forget(counter) -> None:
    """Start from nothing waiting: the warm-up's views are not counted in the check."""
    counter.take()
    getattr(counter, "buffer", counter).pages_by_address.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests of each app per page-cache setting")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="funnel-bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"

    def config(**settings):
        return type("Config", (TestingConfig,), {
            "SQLALCHEMY_DATABASE_URI": _database_url(url), "MEDIA_ROOT": folder, "PRIVATE_UPLOAD_DIR": folder,
            "SEARCH_INDEX_DIR": "memory", "FUNNEL_FLUSH_SECONDS": 10, "FUNNEL_FLUSH_EVENTS": 1000, **settings})

    builder = create_app(config())
    with builder.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        slugs = seed()
        print(f"{db.engine.dialect.name}: {PRODUCTS} products, {args.requests:,} requests per app and setting")
    redis_url = os.environ.get("BENCH_REDIS_URL")
    prefix = f"bench:{os.getpid()}:funnel:"
    expected = 0
    for seconds, label in ((0, "page cache off"), (30, "page cache on")):
        apps = {"without counting": create_app(config(FUNNEL_COUNTING=False, PAGE_CACHE_SECONDS=seconds)),
                "counting in memory": create_app(config(PAGE_CACHE_SECONDS=seconds))}
        if redis_url:
            counting = create_app(config(PAGE_CACHE_SECONDS=seconds, REDIS_URL=redis_url, FUNNEL_COUNTER="redis",
                                         FUNNEL_REDIS_PREFIX=prefix, RQ_QUEUE=f"bench-{os.getpid()}"))
            if seconds:  # pages kept in process as for the others, so only the counting differs
                counting.extensions["page_cache"].store = LocalPageStore(seconds)
            apps["counting in Redis"] = counting
        expected += compare(apps, slugs, args.requests, label) * (len(apps) - 1)
        for name, app in apps.items():
            if name != "without counting":
                journey_counter(app).flush()
    with builder.app_context():
        written = db.session.scalar(select(func.coalesce(func.sum(FunnelCount.count), 0)))
        rows = db.session.scalar(select(func.count()).select_from(FunnelCount))
        print(f"views written: {written:,} of {expected:,} requested, in {rows:,} per-minute rows")
        if redis_url:
            from rq import Queue

            client = redis_client(redis_url)
            Queue(f"bench-{os.getpid()}", connection=client).delete(delete_jobs=True)
            for key in client.scan_iter(prefix + "*"):
                client.delete(key)
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    main()

"""A festival opening through nginx to two instances on PostgreSQL and Redis, with and without the waiting room.

For each mode (`off`: the waiting room off, as in the demo; `on`: on at `--rate` checkouts a minute) it
empties the scratch PostgreSQL database, builds the schema (`flask db upgrade`), a campaign of `--products`
products in two stores and one live festival whose wave opened a minute ago with one deal: `--cap` units
at the festival price, the product's whole stock. Then `--shoppers` signed-in shoppers (session cookies
minted with the instances' secret, no password checks) and the search index (`SEARCH_BACKEND=postgres`,
shared by both instances). Two gunicorn instances (gunicorn.conf.py: 2 workers x 4 threads each, their
own instance folders, one PostgreSQL, one Redis, Redis key prefixes of this run) are started behind
Debian's nginx on 127.0.0.1 exactly as tests/production/test_two_instances.py starts them.

locust (bench/festival_opening_shoppers.py, a process of its own) then lets the shoppers arrive within
`--arrival` seconds; each opens the festival page, searches, adds the deal, opens the checkout (waiting in
the waiting room when sent there) and places the order. Reported per mode: successful checkouts per
minute (orders over the time from the first arrival to the last order), p50/p99 per step, the count of
5xx answers (503s from workers shedding load included: they must be 0), what the shoppers were told, and
from the database afterwards: deal units sold = cap, product stock never negative, orders = units.

Where the CPU went during the shoppers' run (Linux): the app servers (both gunicorn masters and their
workers, those replaced included), the load generator (locust), and the rest of the machine (PostgreSQL,
nginx, Redis and anything else running), each in seconds and per order: what a checkout costs in all.

Prints a Markdown table and writes bench/results/festival-opening-<timestamp>.json. All traffic goes to
127.0.0.1; only servers started here are stopped. THE POSTGRESQL DATABASE IS EMPTIED (every table
dropped) before and after each mode: point `BENCH_DATABASE_URL` only at a scratch database.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_h6 BENCH_REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/festival_opening.py [--shoppers 2000] [--arrival 10] [--cap 1000] [--rate 1000] \\
        [--modes off,on]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

import catalog as bench  # noqa: E402 - the shared paths and steps
from checkout import empty_database, postgres_problem, sqlalchemy_url  # noqa: E402

ADDRESS = {"recipient_name": "Li Wei", "phone": "+86 138 0013 8000", "email": "", "country_code": "CN",
           "region": "Shanghai", "city": "Shanghai", "address_line": "88 Century Avenue, Pudong",
           "postal_code": "200120", "travel_date": "", "travellers": "", "notes": ""}
QUERY = "coffee"


# --- Inside the app (a subprocess with the instances' environment) ---------------------------------------

def prepare_in_app(spec: dict) -> dict:
    """The campaign, the live festival with its deal, the shoppers; their session cookies and the ids."""
    from datetime import timedelta

    from flask import session
    from flask_login import login_user

    from campaigns.festivals.models import Deal, DealStatus, Festival, FestivalText, Wave
    from marketplace import create_app
    from marketplace.accounts.models import Role, User
    from marketplace.accounts.services import hash_password
    from marketplace.catalog.countries import ensure_countries
    from marketplace.catalog.models import Category, CategoryText, Product, ProductStatus, ProductText
    from marketplace.core import clock
    from marketplace.extensions import db
    from marketplace.vendors.models import Store, StoreStatus, StoreText

    app = create_app()
    with app.app_context():
        ensure_countries()
        password = hash_password("bench-password-not-used")
        numbers = iter(range(1, 10**9))

        def user(role: Role) -> User:
            made = User(email=f"opening{next(numbers)}@example.com", password_hash=password, role=role)
            db.session.add(made)
            return made

        category = Category(slug="coffee", texts=[CategoryText(language="en", name="Coffee")])
        stores = [Store(name=f"Opening store {n}", slug=f"opening-store-{n}", owner=user(Role.VENDOR),
                        country_code=code, city=city, original_language="en", status=StoreStatus.APPROVED,
                        texts=[StoreText(language="en", tagline="Roasted to order", story="A family roastery")])
                  for n, (code, city) in enumerate((("ET", "Addis Ababa"), ("KE", "Nairobi")), 1)]
        db.session.add_all([category, *stores])
        products = [Product(slug=f"coffee-{n}", store=stores[n % 2], category=category, original_language="en",
                            price_amount=1500 + n, currency="USD", stock=10**6 if n else spec["cap"],
                            status=ProductStatus.PUBLISHED,
                            texts=[ProductText(language="en", name=f"Highland coffee {n}",
                                               description="Washed arabica coffee from the highlands.")])
                    for n in range(spec["products"])]
        db.session.add_all(products)
        now = clock.now()
        staff = user(Role.STAFF)
        db.session.flush()
        festival = Festival(slug="coffee-opening", time_zone="Africa/Nairobi", created_by_id=staff.id,
                            registration_opens_at=now - timedelta(days=9), registration_closes_at=now - timedelta(days=5),
                            warmup_starts_at=now - timedelta(days=2), waiting_room=spec["waiting_room"],
                            waiting_room_rate=spec["rate"],
                            texts=[FestivalText(language="en", name="Coffee opening", description="The opening.")],
                            waves=[Wave(starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=3))])
        db.session.add(festival)
        db.session.flush()
        deal = products[0]
        db.session.add(Deal(festival_id=festival.id, wave_id=festival.waves[0].id, product_id=deal.id,
                            store_id=deal.store_id, price_amount=900, currency="USD", cap=spec["cap"],
                            status=DealStatus.APPROVED))
        shoppers = [user(Role.SHOPPER) for _ in range(spec["shoppers"])]
        db.session.commit()

        def cookie(shopper: User) -> str:
            with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
                login_user(shopper)
                return app.session_interface.get_signing_serializer(app).dumps(dict(session))

        return {"cookie_name": app.config["SESSION_COOKIE_NAME"], "cookies": [cookie(s) for s in shoppers],
                "festival": festival.slug, "product_id": deal.id}


# --- Outside: database, servers, locust ------------------------------------------------------------------

def outcome(url: str, product_id: int) -> dict:
    """What the database holds after the opening: orders and units of the deal's product, stock, deal sold."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            orders, units = connection.execute(text(
                "SELECT count(DISTINCT order_id), coalesce(sum(quantity), 0) FROM order_lines WHERE product_id = :p"),
                {"p": product_id}).one()
            stock = connection.execute(text("SELECT stock FROM products WHERE id = :p"), {"p": product_id}).scalar()
            sold, cap = connection.execute(text("SELECT sold, cap FROM festival_deals WHERE product_id = :p"),
                                           {"p": product_id}).one()
            negative = connection.execute(text("SELECT count(*) FROM products WHERE stock < 0")).scalar()
    finally:
        engine.dispose()
    return {"orders": orders, "units_sold": int(units), "stock_left": stock, "deal_sold": sold, "cap": cap,
            "products_with_negative_stock": negative}


def _stat(path: str) -> list[int]:
    """The numbers of a /proc stat line after the command name and state: ppid, pgrp, session, tty, tpgid,
    flags, minflt, cminflt, majflt, cmajflt, utime, stime, cutime, cstime, …"""
    with open(path, encoding="ascii") as stat:
        return [int(field) for field in stat.read().rsplit(")", 1)[1].split()[1:]]


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used by process `root` and its children, living or reaped (0.0 where /proc is missing)."""
    hertz = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            fields = _stat(f"/proc/{entry}/stat")
        except (OSError, ValueError):
            continue  # gone meanwhile
        if int(entry) == root:
            total += sum(fields[10:14])  # its own time and its reaped children's (workers replaced)
        elif fields[0] == root:
            total += fields[10] + fields[11]
    return total / hertz


def machine_cpu_seconds() -> float:
    """CPU seconds every core of the machine has been busy since boot (all but idle and I/O wait)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def run_mode(mode: str, args: argparse.Namespace) -> dict:
    """One opening with the waiting room `mode` ("on" or "off"); its figures."""
    from tests.production import servers
    from tests.production.servers import app_environment, gunicorn, nginx

    # Each shopper holds a connection to nginx and nginx one to an instance: the tests' 1,024 are too few.
    servers.NGINX_SITE = servers.NGINX_SITE.replace("worker_connections 1024;", "worker_connections 8192;")

    folder = Path(tempfile.mkdtemp(prefix=f"silkroad-bench-opening-{mode}-"))
    run = uuid.uuid4().hex[:10]
    shared = {"REDIS_URL": args.redis_url, "SECRET_KEY": secrets.token_hex(32), "TRUSTED_PROXIES": "1",
              "RATELIMIT_KEY_PREFIX": f"bench-{run}", "PAGE_CACHE_PREFIX": f"bench-{run}:pages:",
              "WAITING_ROOM_KEY_PREFIX": f"bench-{run}:waiting:", "RQ_QUEUE": f"bench-{run}",
              "MAIL_QUEUE": "inline", "IMAGE_JOBS": "inline", "SEARCH_QUEUE": "inline", "SEARCH_BACKEND": "postgres",
              "WEB_MAX_QUEUE_SECONDS": str(args.max_queue_seconds), "WEB_MAX_QUEUE": str(args.max_queue),
              "WEB_WORKERS": str(args.workers), "WEB_THREADS": str(args.threads), "LOG_FORMAT": "text",
              "MEDIA_ROOT": str(folder / "media"), "PRIVATE_UPLOAD_DIR": str(folder / "private"), "FLASK_APP": "wsgi.py"}
    empty_database(args.database_url)
    env = app_environment(args.database_url, folder / "instance-a", **shared)
    logfile = folder / "prepare.log"
    try:
        bench.run_step([bench.tool("flask"), "db", "upgrade"], env, logfile, 300)
        spec = {"products": args.products, "cap": args.cap, "shoppers": args.shoppers, "rate": args.rate,
                "waiting_room": mode == "on"}
        prepared = subprocess.run([bench.tool("python"), __file__, "_prepare", json.dumps(spec)], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=900, check=False)
        if prepared.returncode != 0:
            raise RuntimeError(f"preparing the data failed:\n{prepared.stderr[-3000:]}")
        data = json.loads(prepared.stdout.strip().splitlines()[-1])
        bench.run_step([bench.tool("flask"), "search", "reindex"], env, logfile, 600)
        with (gunicorn(env, folder / "a.log") as first,
              gunicorn(app_environment(args.database_url, folder / "instance-b", **shared), folder / "b.log") as second,
              nginx([first.url, second.url], folder / "nginx") as proxy):
            spec_file, result_file = folder / "shoppers.json", folder / "result.json"
            spec_file.write_text(json.dumps({**data, "host": proxy.url, "shoppers": args.shoppers,
                                             "arrival_seconds": args.arrival, "limit_seconds": args.limit,
                                             "query": QUERY, "address": ADDRESS}))
            bench.log(f"{mode}: {args.shoppers} shoppers arriving within {args.arrival} s through {proxy.url}")
            servers_before = sum(tree_cpu_seconds(s.process.pid) for s in (first, second))
            machine_before, children_before = machine_cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([bench.tool("python"), str(BENCH_DIR / "festival_opening_shoppers.py"), str(spec_file),
                            str(result_file)], cwd=ROOT, check=True, timeout=args.limit + 120,
                           stdout=(folder / "locust.log").open("wb"), stderr=subprocess.STDOUT)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = {"app_servers": sum(tree_cpu_seconds(s.process.pid) for s in (first, second)) - servers_before,
                   "load_generator": (children.ru_utime + children.ru_stime
                                      - children_before.ru_utime - children_before.ru_stime),
                   "machine": machine_cpu_seconds() - machine_before}
            cpu["rest"] = max(0.0, cpu["machine"] - cpu["app_servers"] - cpu["load_generator"])
            result = json.loads(result_file.read_text())
        held = outcome(args.database_url, data["product_id"])
        orders = result.pop("order_times")
        last = max(orders) if orders else result["started"]
        minutes = max(last - result["started"], 1e-9) / 60
        return {"mode": mode, "rate": args.rate if mode == "on" else None, **result,
                "checkouts_per_minute": round(len(orders) / minutes) if orders else 0,
                "seconds_to_last_order": round(last - result["started"], 1), "database": held,
                "cpu_seconds": {name: round(value, 1) for name, value in cpu.items()},
                "exact": (held["deal_sold"] == held["cap"] == held["units_sold"] == held["orders"]
                          and held["stock_left"] == 0 and held["products_with_negative_stock"] == 0),
                "logs": str(folder)}
    finally:
        empty_database(args.database_url)


def markdown(run: dict) -> str:
    """The run as Markdown tables: outcomes per mode, then p50/p99 per step."""
    st = run["settings"]
    lines = [f"{os.cpu_count()} cores, {platform.platform()}; nginx → 2 instances × {st['workers']} workers × "
             f"{st['threads']} threads on PostgreSQL and Redis (WEB_MAX_QUEUE_SECONDS {st['max_queue_seconds']}, WEB_MAX_QUEUE {st.get('max_queue', 128)}); {st['shoppers']} shoppers arriving within "
             f"{st['arrival']} s for a deal of {st['cap']} units; offline payment (pay on delivery).", "",
             "| waiting room | checkouts/min | to last order | 5xx | connection errors | told | deal sold / cap | "
             "stock left | exact |",
             "|---|---:|---:|---:|---:|---|---|---:|---|"]
    for mode in run["modes"]:
        told = ", ".join(f"{name}: {n}" for name, n in sorted(
            {**mode["outcomes"], "unfinished at the limit": mode["unfinished"]}.items()) if n)
        held = mode["database"]
        label = f"on, {mode['rate']}/min" if mode["mode"] == "on" else "off"
        lines.append(f"| {label} | {mode['checkouts_per_minute']} | {mode['seconds_to_last_order']} s | "
                     f"{mode['five_xx']} | {mode['connection_errors']} | {told} | {held['deal_sold']} / {held['cap']} | {held['stock_left']} | "
                     f"{mode['exact']} |")
    lines += ["", "| waiting room | step | requests | p50 ms | p99 ms |", "|---|---|---:|---:|---:|"]
    for mode in run["modes"]:
        for step, figures in mode["steps"].items():
            lines.append(f"| {mode['mode']} | {step} | {figures['requests']} | {figures['p50_ms']} | "
                         f"{figures['p99_ms']} |")
    lines += ["", "| waiting room | CPU s: app servers | load generator | rest (PostgreSQL, nginx, Redis, other) | "
              "machine busy | CPU ms per order: app / all |", "|---|---:|---:|---:|---:|---:|"]
    for mode in run["modes"]:
        cpu, orders = mode.get("cpu_seconds"), mode["database"]["orders"]
        if cpu and orders:
            lines.append(f"| {mode['mode']} | {cpu['app_servers']} | {cpu['load_generator']} | {cpu['rest']} | "
                         f"{cpu['machine']} | {1000 * cpu['app_servers'] / orders:.0f} / "
                         f"{1000 * cpu['machine'] / orders:.0f} |")
    for mode in run["modes"]:
        if mode["waits"]["shoppers"]:
            lines.append(f"\nWaiting room {mode['mode']}: {mode['waits']['shoppers']} shoppers waited, p50 "
                         f"{mode['waits']['p50_s']:.1f} s, p99 {mode['waits']['p99_s']:.1f} s.")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line's settings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shoppers", type=int, default=2000)
    parser.add_argument("--arrival", type=float, default=10, help="seconds within which every shopper arrives")
    parser.add_argument("--cap", type=int, default=1000, help="units of the deal (its product's whole stock)")
    parser.add_argument("--rate", type=int, default=1000, help="the waiting room's checkouts a minute")
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--modes", default="off,on")
    parser.add_argument("--max-queue-seconds", type=float, default=1,
                        help="WEB_MAX_QUEUE_SECONDS of the instances: how long a page request may queue before a 503")
    parser.add_argument("--max-queue", type=int, default=128,
                        help="WEB_MAX_QUEUE of the instances: how many page requests may wait per worker before a 503")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--limit", type=float, default=600, help="seconds after which the shoppers are stopped")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run each mode and report; `_prepare SPEC` is the data step run inside the app's environment."""
    if (argv or sys.argv[1:])[:1] == ["_prepare"]:
        print(json.dumps(prepare_in_app(json.loads((argv or sys.argv[1:])[1]))))
        return 0
    args = parse_args(argv)
    if not args.database_url or not args.redis_url:
        print("Set BENCH_DATABASE_URL (a scratch PostgreSQL database) and BENCH_REDIS_URL.", file=sys.stderr)
        return 2
    problem = postgres_problem(args.database_url)
    if problem:
        print(f"PostgreSQL cannot be used: {problem}", file=sys.stderr)
        return 2
    modes = [run_mode(mode.strip(), args) for mode in args.modes.split(",") if mode.strip()]
    run = {"when": datetime.now().isoformat(timespec="seconds"), "settings": {
        "shoppers": args.shoppers, "arrival": args.arrival, "cap": args.cap, "rate": args.rate,
        "workers": args.workers, "threads": args.threads, "products": args.products,
        "max_queue_seconds": args.max_queue_seconds, "max_queue": args.max_queue}, "modes": modes}
    results = BENCH_DIR / "results"
    results.mkdir(exist_ok=True)
    (results / f"festival-opening-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(run, indent=1))
    print(markdown(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())

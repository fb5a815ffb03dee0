"""Checkout at the opening rush, over HTTP: 200 buyers at once, on SQLite and on PostgreSQL.

For each database (a SQLite file in a fresh instance folder; PostgreSQL from `BENCH_DATABASE_URL`,
skipped with a message when it is not given or unreachable) it builds the schema
(`flask db upgrade`), one approved store and, per round, two products with their buyers: shoppers
whose carts hold one unit, signed in by a session cookie minted with the instance's secret. gunicorn
then serves the storefront (the settings of `make run`: 2 workers x 4 threads), and:

1. every buyer opens `/en/checkout` (not timed; the form gives the CSRF token, the idempotency key
   and the total shown), then all of them submit it at the same moment, released by a barrier:
   first 200 buyers for 50 units ("scarce": 50 orders, 150 sent back to the cart as sold out), then
   200 buyers for 250 units ("plenty": everyone gets an order). Reported: answers/s and orders/s
   from the first request to the last answer, p50/p99 latency of a submission (connection
   included), and what the database holds afterwards (orders, stock), which must be exact;
2. the cart page `GET /en/cart` of signed-in shoppers (3 lines from 2 stores) is measured beside
   bench/ceiling_app.py serving a page of the same size with the same gunicorn settings,
   alternating for `--rounds` rounds; the median round is reported, with the app/ceiling ratio.

Prints a Markdown table and writes bench/results/checkout-<timestamp>.json. All traffic goes to
127.0.0.1; only servers started here are stopped. THE POSTGRESQL DATABASE IS EMPTIED (every table
dropped) before and after the run: point `BENCH_DATABASE_URL` only at a scratch database.

    .venv/bin/python bench/checkout.py [--rounds 3] [--buyers 200] [--duration 10] [--backends sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog as bench  # noqa: E402 - the shared servers, load-generator pieces and paths

CART_PATH, CEILING_PATH = "/en/cart", "/en/categories/coffee"
CART_LINES = 3
CART_SHOPPERS = 16  # cart pages are requested round-robin over this many signed-in shoppers
ADDRESS = {"recipient_name": "Li Wei", "phone": "+86 138 0013 8000", "email": "", "country_code": "CN",
           "region": "Shanghai", "city": "Shanghai", "address_line": "88 Century Avenue, Pudong",
           "postal_code": "200120", "travel_date": "", "travellers": "", "notes": ""}


# --- Inside the app: the data and the signed-in sessions (run in a subprocess with the instance's env) ---

def prepare_in_app(spec: dict) -> dict:
    """Create the store, products, shoppers and carts of `spec`; their ids and session cookies.

    Runs inside the storefront's configuration (same database, same SECRET_KEY as the servers), so
    the cookies it signs are the ones a log-in would have set, without 1,000 slow password checks.
    """
    sys.path.insert(0, str(bench.ROOT))  # run as bench/checkout.py: the project is one folder up
    from flask import session
    from flask_login import login_user

    from marketplace import create_app
    from marketplace.accounts.models import Role, User
    from marketplace.accounts.services import hash_password
    from marketplace.catalog.countries import ensure_countries
    from marketplace.catalog.models import Category, CategoryText, Product, ProductStatus, ProductText
    from marketplace.extensions import db
    from marketplace.orders.models import Cart, CartItem
    from marketplace.vendors.models import Store, StoreStatus, StoreText

    app = create_app()
    with app.app_context():
        ensure_countries()
        password = hash_password("bench-password-not-used")
        count = iter(range(1, 10**9))

        def user(role: Role) -> User:
            made = User(email=f"bench{next(count)}@example.com", password_hash=password, role=role)
            db.session.add(made)
            return made

        category = Category(slug="coffee", texts=[CategoryText(language="en", name="Coffee")])
        stores = [Store(name=f"Bench store {n}", slug=f"bench-store-{n}", owner=user(Role.VENDOR), country_code=code,
                        city=city, original_language="en", status=StoreStatus.APPROVED,
                        texts=[StoreText(language="en", tagline="Roasted to order", story="A family roastery")])
                  for n, (code, city) in enumerate((("GH", "Accra"), ("KE", "Nairobi")), 1)]
        db.session.add_all([category, *stores])

        def product(name: str, stock: int, store: Store, price: int = 1500) -> Product:
            made = Product(slug=name.lower().replace(" ", "-"), store=store, category=category,
                           original_language="en", price_amount=price, currency="USD", stock=stock,
                           status=ProductStatus.PUBLISHED,
                           texts=[ProductText(language="en", name=name, description=f"About {name}.")])
            db.session.add(made)
            return made

        def shoppers_with_carts(products: list[Product], how_many: int) -> list[User]:
            made = [user(Role.SHOPPER) for _ in range(how_many)]
            db.session.flush()
            db.session.add_all(Cart(user_id=u.id, items=[
                CartItem(product_id=p.id, quantity=1, seen_amount=p.price_amount, seen_currency=p.currency)
                for p in products]) for u in made)
            return made

        races = []
        for number in range(spec["rounds"]):
            for kind, stock in (("scarce", spec["scarce_stock"]), ("plenty", spec["plenty_stock"])):
                goods = product(f"Round {number + 1} {kind} coffee", stock, stores[0])
                db.session.flush()
                buyers = shoppers_with_carts([goods], spec["buyers"])
                races.append({"round": number + 1, "kind": kind, "product_id": goods.id, "stock": stock,
                              "buyers": buyers})
        browsing = [product(f"Cart line {n}", 10**6, stores[n % 2], 800 + n) for n in range(CART_LINES)]
        db.session.flush()
        cart_shoppers = shoppers_with_carts(browsing, CART_SHOPPERS)
        db.session.commit()

        def cookie(shopper: User) -> str:
            with app.test_request_context("/", environ_base={"REMOTE_ADDR": bench.HOST}):
                login_user(shopper)
                return app.session_interface.get_signing_serializer(app).dumps(dict(session))

        for race in races:
            race["cookies"] = [cookie(u) for u in race.pop("buyers")]
        return {"cookie_name": app.config["SESSION_COOKIE_NAME"], "races": races,
                "cart_cookies": [cookie(u) for u in cart_shoppers]}


# --- Databases -------------------------------------------------------------------------------------

def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith(("postgres://", "postgresql://")) else url


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL database cannot be used (None when it can)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means: skip this backend, say why
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()
    return None


def empty_database(url: str) -> None:
    """Drop every table of the (scratch) database, so `flask db upgrade` starts from nothing."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(sqlalchemy_url(url))
    try:
        tables = MetaData()
        tables.reflect(engine)
        tables.drop_all(engine)
    finally:
        engine.dispose()


def race_outcome(url: str, product_id: int) -> dict:
    """Orders holding the product and its stock left, read from the database after a race."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            orders = connection.execute(text(
                "SELECT count(DISTINCT order_id), coalesce(sum(quantity), 0) FROM order_lines WHERE product_id = :p"),
                {"p": product_id}).one()
            stock = connection.execute(text("SELECT stock FROM products WHERE id = :p"), {"p": product_id}).scalar()
    finally:
        engine.dispose()
    return {"orders": orders[0], "units_sold": orders[1], "stock_left": stock}


# --- Servers and clients ----------------------------------------------------------------------------

class Server(bench.Server):
    """catalog.py's gunicorn runner, with threads per worker (gthread, like `make run`)."""

    def __init__(self, module: str, folder: Path, env: dict, workers: int, threads: int, logfile: Path) -> None:
        super().__init__(module, folder, env, workers, logfile)
        self.args[-1:-1] = ["--threads", str(threads)]


class HiddenFields(HTMLParser):
    """The hidden inputs of a page (the checkout form's CSRF token, key and total shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.values[found["name"]] = found.get("value") or ""


@dataclass
class Buyer:
    cookie: str  # "name=value" for the Cookie header
    form: dict[str, str]


def request(port: int, method: str, path: str, cookie: str, body: dict | None = None,
            timeout: float = 120) -> http.client.HTTPResponse:
    """One request on a new connection (what a buyer's click is to a sync server); the response, read."""
    conn = http.client.HTTPConnection(bench.HOST, port, timeout=timeout)
    headers = {"Cookie": cookie}
    data = None
    if body is not None:
        data = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        response.body = response.read()
        return response
    finally:
        conn.close()


def open_checkout(port: int, cookie_name: str, session_cookie: str) -> Buyer:
    """GET the checkout page as the buyer: the form to submit and the session that now holds its CSRF token."""
    cookie = f"{cookie_name}={session_cookie}"
    response = request(port, "GET", "/en/checkout", cookie)
    if response.status != 200:
        raise RuntimeError(f"/en/checkout answered {response.status} to a signed-in buyer")
    for header in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie(header)
        if cookie_name in jar:
            cookie = f"{cookie_name}={jar[cookie_name].value}"
    parser = HiddenFields()
    parser.feed(response.body.decode())
    missing = {"csrf_token", "key", "expected_total"} - parser.values.keys()
    if missing:
        raise RuntimeError(f"the checkout form has no {', '.join(sorted(missing))}")
    return Buyer(cookie, {**ADDRESS, **parser.values})


def open_checkouts(port: int, cookie_name: str, cookies: list[str], concurrency: int = 8) -> list[Buyer]:
    """Every buyer's checkout form, fetched by a few client threads (not part of the measurement)."""
    buyers: list[Buyer | None] = [None] * len(cookies)
    errors: list[BaseException] = []
    positions = iter(range(len(cookies)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                index = next(positions, None)
            if index is None:
                return
            try:
                buyers[index] = open_checkout(port, cookie_name, cookies[index])
            except Exception as exc:  # noqa: BLE001 - re-raised below, in the main thread
                errors.append(exc)
                return

    threads = [threading.Thread(target=work, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    if errors or any(b is None for b in buyers):
        raise RuntimeError(f"opening the checkout pages failed: {errors[:1]}")
    return buyers  # type: ignore[return-value]


def race(server: Server, buyers: list[Buyer]) -> dict:
    """All buyers submit their checkout at once; what each was answered, how fast, how long in all."""
    port = server.port
    barrier = threading.Barrier(len(buyers) + 1)
    answers: list[str] = [""] * len(buyers)
    latencies: list[float] = [0.0] * len(buyers)
    finished: list[float] = [0.0] * len(buyers)

    def submit(index: int, buyer: Buyer) -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            response = request(port, "POST", "/en/checkout", buyer.cookie, buyer.form)
            location = urlsplit(response.headers.get("Location") or "").path
            if response.status == 302 and location.startswith("/en/orders/"):
                answers[index] = "order"
            elif response.status == 302 and location == CART_PATH:
                answers[index] = "sent back to the cart"  # sold out (or prices changed), with a message
            else:
                answers[index] = f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            answers[index] = type(exc).__name__
        finished[index] = time.perf_counter()
        latencies[index] = finished[index] - started

    threads = [threading.Thread(target=submit, args=(i, b), daemon=True) for i, b in enumerate(buyers)]
    for thread in threads:
        thread.start()
    barrier.wait()  # every client thread is at the line; go
    before = bench.cpu_snapshot(server.process.pid)
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = max(finished) - started
    cpu = bench.cpu_use(before, bench.cpu_snapshot(server.process.pid), time.perf_counter() - started)
    ordered = sorted(latencies)
    counts = Counter(answers)
    return {
        "buyers": len(buyers), "answers": dict(counts), "seconds": round(elapsed, 3),
        "answers_per_s": round(len(buyers) / elapsed, 1), "orders_per_s": round(counts["order"] / elapsed, 1),
        "p50_ms": round(1000 * bench.percentile(ordered, 0.50), 1),
        "p99_ms": round(1000 * bench.percentile(ordered, 0.99), 1),
        "max_ms": round(1000 * ordered[-1], 1), "cpu": cpu,
    }


def load_signed_in(server: Server, path: str, cookies: list[str], concurrency: int, seconds: float) -> dict:
    """Like catalog.load, each request carrying a signed-in shopper's cookie (round-robin)."""
    port = server.port
    samples = [bench.Sample() for _ in range(concurrency)]
    deadline = time.perf_counter() + seconds

    def client(offset: int, sample: bench.Sample) -> None:
        conn, i = None, offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(bench.HOST, port, timeout=30)
                    sample.connections += 1
                conn.request("GET", path, headers={"Cookie": cookies[i % len(cookies)]})
                response = conn.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                sample.errors += 1
                sample.exceptions[type(exc).__name__] = sample.exceptions.get(type(exc).__name__, 0) + 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)
                continue
            i += 1
            sample.statuses[response.status] = sample.statuses.get(response.status, 0) + 1
            if response.status != 200:
                sample.errors += 1
                continue
            sample.latencies.append(elapsed)
            sample.body_bytes += len(body)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, args=(i, s), daemon=True) for i, s in enumerate(samples)]
    before = bench.cpu_snapshot(server.process.pid)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - started
    cpu = bench.cpu_use(before, bench.cpu_snapshot(server.process.pid), elapsed)
    latencies = sorted(x for s in samples for x in s.latencies)
    ok = len(latencies)
    return {"requests_ok": ok, "errors": sum(s.errors for s in samples), "seconds": round(elapsed, 3),
            "rps": round(ok / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(1000 * bench.percentile(latencies, 0.50), 2),
            "p99_ms": round(1000 * bench.percentile(latencies, 0.99), 2),
            "mean_body_bytes": round(sum(s.body_bytes for s in samples) / ok) if ok else 0, "cpu": cpu}


# --- One database ---------------------------------------------------------------------------------------

def bench_backend(backend: str, url: str | None, args: argparse.Namespace) -> dict:
    """Prepare `backend`, run the races and the cart page against the ceiling; the figures."""
    instance = Path(tempfile.mkdtemp(prefix=f"silkroad-bench-checkout-{backend}-"))
    bench.log(f"{backend}: instance {instance}")
    env = bench.instance_env(instance)
    if url:
        env["DATABASE_URL"] = url
        empty_database(url)
    if args.redis_url:  # as in production: e-mails (and other jobs) go to a queue of this run's own
        env.update(REDIS_URL=args.redis_url, RQ_QUEUE=f"bench-checkout-{instance.name}",
                   PAGE_CACHE_PREFIX=f"bench:{instance.name}:pages:", REPORT_CACHE_PREFIX=f"bench:{instance.name}:reports:")
    database_url = url or f"sqlite:///{instance / 'silkroad.db'}"
    logfile = instance / "prepare.log"
    result: dict = {"backend": backend, "races": [], "cart_rounds": []}
    try:
        bench.run_step([bench.tool("flask"), "db", "upgrade"], env, logfile, 300)
        spec = {"rounds": args.rounds, "buyers": args.buyers, "scarce_stock": args.scarce_stock,
                "plenty_stock": args.plenty_stock}
        prepared = subprocess.run([bench.tool("python"), __file__, "_prepare", json.dumps(spec)], cwd=bench.ROOT,
                                  env=env, capture_output=True, text=True, timeout=600, check=False)
        if prepared.returncode != 0:
            raise RuntimeError(f"preparing the data failed:\n{prepared.stderr[-3000:]}")
        data = json.loads(prepared.stdout.strip().splitlines()[-1])
        name = data["cookie_name"]
        with Server("wsgi:app", bench.ROOT, env, args.workers, args.threads, instance / "gunicorn-app.log") as app:
            for planned in data["races"]:
                buyers = open_checkouts(app.port, name, planned["cookies"])
                measured = race(app, buyers)
                measured.update(round=planned["round"], kind=planned["kind"], stock=planned["stock"],
                                database=race_outcome(database_url, planned["product_id"]))
                expected = min(planned["stock"], len(buyers))
                held = measured["database"]
                measured["exact"] = (held["orders"] == expected == measured["answers"].get("order", 0)
                                     and held["units_sold"] + held["stock_left"] == planned["stock"])
                result["races"].append(measured)
                bench.log(f"{backend} round {planned['round']} {planned['kind']}: {measured['answers']} in "
                          f"{measured['seconds']} s ({measured['answers_per_s']} answers/s, p50 {measured['p50_ms']} "
                          f"ms, p99 {measured['p99_ms']} ms); database {held}, exact: {measured['exact']}; cpu {measured['cpu']}")
            cart_cookies = [f"{name}={c}" for c in data["cart_cookies"]]
            status, body = bench.get(app.port, CART_PATH)  # a visitor's empty cart: the page answers at all
            probe = request(app.port, "GET", CART_PATH, cart_cookies[0])
            if status != 200 or probe.status != 200:
                raise RuntimeError(f"{CART_PATH} answered {status} / {probe.status}")
            result["cart_bytes"] = len(probe.body)
            shape_file = instance / "ceiling-shape.json"
            shape_file.write_text(json.dumps({"category": {"cards": CART_LINES, "stores": 0, "currencies": 40,
                                                           "bytes": len(probe.body)}}))
            ceiling_env = {**env, "CEILING_SHAPE": str(shape_file)}
            with Server("ceiling_app:app", bench.BENCH_DIR, ceiling_env, args.workers, args.threads,
                        instance / "gunicorn-ceiling.log") as ceiling:
                result["ceiling_bytes"] = len(bench.get(ceiling.port, CEILING_PATH)[1])
                # Alternate the two, round after round, so other load on the machine hits both alike.
                for number in range(args.rounds):
                    measured = {}
                    for label, server, path in (("app", app, CART_PATH), ("ceiling", ceiling, CEILING_PATH)):
                        load_signed_in(server, path, cart_cookies, args.concurrency, args.warmup)
                        measured[label] = load_signed_in(server, path, cart_cookies, args.concurrency, args.duration)
                    measured["share"] = round(measured["app"]["rps"] / measured["ceiling"]["rps"], 3)
                    result["cart_rounds"].append(measured)
                    bench.log(f"{backend} cart round {number + 1}: app {measured['app']['rps']} req/s "
                              f"(p99 {measured['app']['p99_ms']} ms), ceiling {measured['ceiling']['rps']} req/s: "
                              f"{measured['share']:.0%}; cpu app {measured['app']['cpu']}, ceiling {measured['ceiling']['cpu']}")
        return result
    finally:
        if url:
            empty_database(url)
        if args.redis_url:  # the queued e-mails and kept pages of this run
            import redis
            from rq import Queue

            client = redis.Redis.from_url(args.redis_url)
            Queue(f"bench-checkout-{instance.name}", connection=client).delete(delete_jobs=True)
            for key in client.scan_iter(f"bench:{instance.name}:*"):
                client.delete(key)
        if args.keep:
            bench.log(f"kept {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


# --- Report ----------------------------------------------------------------------------------------------

def median_by(rows: list[dict], key) -> dict:  # noqa: ANN001 - a sort key
    return sorted(rows, key=key)[len(rows) // 2]


def markdown(run: dict) -> str:
    st, m = run["settings"], run["machine"]
    lines = [f"{m['cpus']} cores, {m['platform']}; gunicorn {st['workers']} workers x {st['threads']} threads "
             f"(gthread) on 127.0.0.1; median of {st['rounds']} rounds; offline payment (pay on delivery).", "",
             "| database | race | answers | answers/s | orders/s | p50 ms | p99 ms | database after | exact | "
             "app CPU ms per answer | cores: app / other |",
             "|---|---|---|---:|---:|---:|---:|---|---|---:|---|"]
    for backend in run["backends"]:
        if backend.get("skipped"):
            lines.append(f"| {backend['backend']} | skipped: {backend['skipped']} | | | | | | | | | |")
            continue
        for kind in ("scarce", "plenty"):
            rows = [r for r in backend["races"] if r["kind"] == kind]
            r = median_by(rows, lambda x: x["answers_per_s"])
            answers = ", ".join(f"{v} {k}" for k, v in sorted(r["answers"].items()))
            held = r["database"]
            lines.append(f"| {backend['backend']} | {r['buyers']} buyers, {r['stock']} in stock | {answers} | "
                         f"{r['answers_per_s']} | {r['orders_per_s']} | {r['p50_ms']} | {r['p99_ms']} | "
                         f"{held['orders']} orders, {held['stock_left']} left | "
                         f"{'yes' if all(x['exact'] for x in rows) else '**NO**'} ({len(rows)} rounds) | "
                         f"{cpu_ms(r, r['buyers'])} | {cores(r)} |")
    lines += ["", f"Cart page `{CART_PATH}` (signed in, {CART_LINES} lines from 2 stores), {st['concurrency']} "
              f"connections, {st['duration']:g} s per measurement:", "",
              "| database | bytes | app req/s | ceiling req/s | app / ceiling | app p50 / p99 ms | ceiling p50 / p99 ms | "
              "errors | CPU ms per request: app / ceiling | cores: app / other (app run, ceiling run) |",
              "|---|---:|---:|---:|---:|---|---|---|---|---|"]
    for backend in run["backends"]:
        if backend.get("skipped"):
            continue
        r = median_by(backend["cart_rounds"], lambda x: x["share"])
        a, c = r["app"], r["ceiling"]
        shares = ", ".join(f"{x['share']:.0%}" for x in backend["cart_rounds"])
        lines.append(f"| {backend['backend']} | {backend['cart_bytes']:,} | {a['rps']} | {c['rps']} | "
                     f"{r['share']:.0%} ({shares}) | {a['p50_ms']} / {a['p99_ms']} | {c['p50_ms']} / {c['p99_ms']} | "
                     f"{a['errors']} / {c['errors']} | {cpu_ms(a, a['requests_ok'])} / {cpu_ms(c, c['requests_ok'])} | "
                     f"{cores(a)}, {cores(c)} |")
    lines += ["", "\"other\" is CPU used by every other process during the measurement (from /proc): the "
              "PostgreSQL server's work, the load generator's threads, and anything else running on the "
              "machine; when it is high, throughput and latency are low for reasons outside the app, and "
              "the app's CPU per answer (gunicorn master and workers, from /proc) is the steadier figure."]
    return "\n".join(lines)


def cpu_ms(measured: dict, answers: int) -> str:
    """CPU the gunicorn processes spent per answer (ms): steadier than throughput on a shared machine."""
    cpu = measured.get("cpu") or {}
    seconds = measured["seconds"]
    if not cpu or not answers:
        return "n/a"
    return f"{1000 * cpu['server_cores'] * seconds / answers:.1f}"


def cores(measured: dict) -> str:
    cpu = measured.get("cpu") or {}
    if not cpu:
        return "n/a"
    return f"{cpu['server_cores']:.2f} / {cpu['other_cores'] + cpu['client_cores']:.2f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="a scratch PostgreSQL database: it is emptied (default $BENCH_DATABASE_URL; skipped when unset)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""),
                        help="Redis for the servers, as in production: order e-mails are then written by the job "
                             "queue's worker, which this does not run (default $BENCH_REDIS_URL; none when unset)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--scarce-stock", type=int, default=50)
    parser.add_argument("--plenty-stock", type=int, default=250)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8, help="connections for the cart page")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the instance folders")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(args.backends) - {"sqlite", "postgresql"} or args.rounds < 1 or args.buyers < 1:
        parser.error("backends are sqlite and postgresql; rounds and buyers must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    if (argv or sys.argv[1:])[:1] == ["_prepare"]:  # the data step, inside the app's configuration
        print(json.dumps(prepare_in_app(json.loads((argv or sys.argv[1:])[1]))))
        return 0
    args = parse_args(argv)
    run = {"started": datetime.now().isoformat(timespec="seconds"),
           "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
           "settings": {k: v for k, v in vars(args).items() if k != "postgres_url"},
           "commit": bench.git("rev-parse", "--short", "HEAD"),
           "dirty": bool(bench.git("status", "--porcelain", "--untracked-files=no")), "backends": []}
    for backend in args.backends:
        url = None
        if backend == "postgresql":
            url = args.postgres_url
            if not url:
                bench.log("postgresql skipped: set BENCH_DATABASE_URL (or --postgres-url) to a scratch database")
                run["backends"].append({"backend": backend, "skipped": "no scratch database given"})
                continue
            problem = postgres_problem(url)
            if problem:
                bench.log(f"postgresql skipped: {url} cannot be reached ({problem})")
                run["backends"].append({"backend": backend, "skipped": f"unreachable ({problem})"})
                continue
        run["backends"].append(bench_backend(backend, url, args))
    table = markdown(run)
    print(table)
    bench.RESULTS_DIR.mkdir(exist_ok=True)
    out = bench.RESULTS_DIR / f"checkout-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({**run, "markdown": table}, indent=1, ensure_ascii=False))
    bench.log(f"results in {out.relative_to(bench.ROOT)}")
    failed = [r for b in run["backends"] for r in b.get("races", []) if not r["exact"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Where one checkout's time goes: SQL statements and CPU per checkout POST, in one process, one at a time.

bench/checkout.py measures the opening rush over HTTP, where 200 answers queue on a few server threads and
every figure moves with whatever else the machine runs. This measures what each of those answers costs:
it builds a fresh instance (SQLite, or PostgreSQL from `BENCH_DATABASE_URL`; THAT DATABASE IS EMPTIED),
prepares the same buyers and carts as bench/checkout.py, opens every buyer's checkout form, then submits
them one after another through the app's WSGI interface (no server, no network) and reports, per race
("scarce": a quarter of the buyers get the stock; "plenty": everyone does), the statements per checkout
(by kind), the process CPU time per checkout and per opening of the checkout page before it (steadier than
wall time on a shared machine) and, with `--profile`, the functions of the project that took the most of
the checkouts' time (cProfile, cumulative).

    .venv/bin/python bench/checkout_profile.py [--buyers 60] [--backend sqlite|postgresql] [--redis-url URL] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog as bench  # noqa: E402 - the shared paths and helpers
import checkout as rush  # noqa: E402 - the data step, the form parser and the scratch-database helpers


def prepare(backend: str, url: str, buyers: int, redis_url: str = "") -> tuple[Path, dict]:
    """A new instance with its schema and the buyers' data; its folder and what bench/checkout.py prepared."""
    instance = Path(tempfile.mkdtemp(prefix=f"silkroad-bench-checkout-profile-{backend}-"))
    env = bench.instance_env(instance)
    if redis_url:  # as in production: e-mails go to a queue of this run's own (emptied afterwards)
        env.update(REDIS_URL=redis_url, RQ_QUEUE=f"bench-checkout-{instance.name}",
                   PAGE_CACHE_PREFIX=f"bench:{instance.name}:pages:", REPORT_CACHE_PREFIX=f"bench:{instance.name}:reports:")
    if backend == "postgresql":
        env["DATABASE_URL"] = url
        rush.empty_database(url)
    bench.run_step([bench.tool("flask"), "db", "upgrade"], env, instance / "prepare.log", 300)
    spec = {"rounds": 1, "buyers": buyers, "scarce_stock": buyers // 4, "plenty_stock": buyers * 2}
    prepared = subprocess.run([bench.tool("python"), str(bench.BENCH_DIR / "checkout.py"), "_prepare", json.dumps(spec)],
                              cwd=bench.ROOT, env=env, capture_output=True, text=True, timeout=600, check=True)
    os.environ.update(env)
    return instance, json.loads(prepared.stdout)


def measure(races: list[dict], cookie_name: str, profile: bool, top: int = 25,
            show_statements: bool = False) -> list[dict]:
    """Submit every race's checkouts one by one through WSGI; statements and CPU per checkout."""
    sys.path.insert(0, str(bench.ROOT))
    from sqlalchemy import event

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app()
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda _c, _cu, statement, *_a: statements.append(statement))
    results = []
    for race in races:
        forms = []
        statements.clear()
        page_cpu = time.process_time()
        for cookie in race["cookies"]:
            client = app.test_client()
            client.set_cookie(cookie_name, cookie, domain="localhost")
            page = client.get("/en/checkout")
            if page.status_code != 200:
                raise RuntimeError(f"/en/checkout answered {page.status_code}")
            fields = rush.HiddenFields()
            fields.feed(page.get_data(as_text=True))
            forms.append((client, {**rush.ADDRESS, **fields.values}))
        page_cpu = time.process_time() - page_cpu  # the form parsing included: a small part
        page_statements = len(statements)
        statements.clear()
        profiler = cProfile.Profile() if profile else None
        answers: Counter = Counter()
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        last_started = 0
        for client, form in forms:
            last_started = len(statements)
            response = client.post("/en/checkout", data=form)
            location = response.headers.get("Location", "")
            answers["order" if "/orders/" in location else f"HTTP {response.status_code}"] += 1
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        n = len(forms)
        kinds = Counter(" ".join(s.split()[:3]) if not s.startswith("SELECT") else "SELECT" for s in statements)
        result = {"race": race["kind"], "buyers": n, "answers": dict(answers),
                  "statements_per_checkout": round(len(statements) / n, 1),
                  "by_kind": {k: round(v / n, 2) for k, v in kinds.most_common()},
                  "cpu_ms_per_checkout": round(1000 * cpu / n, 1), "wall_ms_per_checkout": round(1000 * wall / n, 1),
                  "checkout_page": {"cpu_ms": round(1000 * page_cpu / n, 1),
                                    "statements": round(page_statements / n, 1)}}
        if show_statements:
            result["last_checkout_statements"] = [" ".join(s.split())[:160] for s in statements[last_started:]]
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(r"marketplace|campaigns", top)
            result["profile"] = out.getvalue()
        results.append(result)
    from campaigns.reporting.funnel import journey_counter

    journey_counter(app).flush()  # now, not at exit: by then the scratch database is emptied
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""),
                        help="queue e-mails and keep pages in this Redis, as production does (its keys are removed after)")
    parser.add_argument("--buyers", type=int, default=60)
    parser.add_argument("--profile", action="store_true", help="print the project's costliest functions too")
    parser.add_argument("--statements", action="store_true", help="list the statements of each race's last checkout")
    parser.add_argument("--top", type=int, default=25, help="how many functions the profile lists")
    args = parser.parse_args(argv)
    if args.backend == "postgresql" and not args.postgres_url:
        parser.error("PostgreSQL needs BENCH_DATABASE_URL (or --postgres-url): a scratch database, emptied")
    instance, prepared = prepare(args.backend, args.postgres_url, args.buyers, args.redis_url)
    try:
        results = measure(prepared["races"], prepared["cookie_name"], args.profile, args.top, args.statements)
    finally:
        if args.backend == "postgresql":
            rush.empty_database(args.postgres_url)
        if args.redis_url:
            import redis
            from rq import Queue

            client = redis.Redis.from_url(args.redis_url)
            Queue(f"bench-checkout-{instance.name}", connection=client).delete(delete_jobs=True)
            for key in client.scan_iter(f"bench:{instance.name}:*"):
                client.delete(key)
        subprocess.run(["rm", "-rf", str(instance)], check=False)
    for result in results:
        profile = result.pop("profile", "")
        listed = result.pop("last_checkout_statements", [])
        print(json.dumps({"backend": args.backend, "commit": bench.git("rev-parse", "--short", "HEAD"), **result}))
        for number, statement in enumerate(listed, start=1):
            print(f"{number:3d}  {statement}")
        if profile:
            print(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())

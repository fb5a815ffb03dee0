"""Festival landing page at the opening rush: the storefront against a bare-Flask ceiling, same run.

A fresh instance folder gets the schema (`flask db upgrade`), the demo seed, and a festival whose
wave opened seconds ago with `--deals` approved deals (200) on products of many stores. gunicorn
then serves the storefront and, with the same workers, bench/ceiling_app.py shaped like the
festival page (as many product cards, padded to as many bytes); bench/catalog.py's load generator
measures requests/s and latency of both, alternating for `--rounds` rounds (the median round is
reported). Festival pages are never page-cached, so every request
renders 200 deals priced by the one price function. Prints a Markdown table and writes
bench/results/festival-<timestamp>.json. All traffic goes to 127.0.0.1; only servers started here
are stopped.

    .venv/bin/python bench/festival.py [--deals 200] [--duration 10] [--rounds 3] [--concurrency 8] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog as bench  # noqa: E402 - the shared servers and load generator

SLUG = "opening-rush"
CREATE_FESTIVAL = """
import sys
from datetime import timedelta
from sqlalchemy import select
from campaigns.demo.festivals import DemoFestival, create_demo_festival
from campaigns.festivals.models import Deal
from marketplace import create_app
from marketplace.core import clock
from marketplace.extensions import db

app = create_app()
with app.app_context():
    used = set(db.session.scalars(select(Deal.product_id)))
    demo = DemoFestival("{slug}", "Opening rush", "Africa/Nairobi", {{"en": "Opening rush", "zh": "开幕抢购"}},
                        {{"en": "Every deal opened a moment ago."}},
                        ((-timedelta(seconds=10), timedelta(hours=2)),), {deals})
    from campaigns.demo import festivals as demo_festivals
    original = demo_festivals.deal_products
    def many_per_store(count, exclude):
        chosen = original(count, exclude)
        if len(chosen) < count:  # more than one product per store to reach the count
            from marketplace.catalog.models import Product, ProductStatus
            taken = exclude | {{p.id for p in chosen}}
            extra = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED,
                                       Product.stock > 0, Product.price_amount > 1, Product.id.not_in(taken))
                                       .order_by(Product.id).limit(count - len(chosen))).all()
            chosen += list(extra)
        return chosen
    demo_festivals.deal_products = many_per_store
    festival = create_demo_festival(demo, clock.now(), used)
    print(len(festival.waves[0].deals), file=sys.stderr)
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=200)
    parser.add_argument("--products", type=int, default=1000, help="demo catalogue size")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="alternating storefront/ceiling measurements")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def prepare(instance: Path, args: argparse.Namespace) -> None:
    env = bench.instance_env(instance)
    logfile = instance / "prepare.log"
    bench.run_step([bench.tool("flask"), "db", "upgrade"], env, logfile, 300)
    bench.run_step([bench.tool("flask"), "seed-demo", "--stores", "100", "--products", str(args.products)],
                   env, logfile, 1800)
    script = CREATE_FESTIVAL.format(slug=SLUG, deals=args.deals)
    bench.run_step([bench.tool("python"), "-c", script], env, logfile, 300)


def run(args: argparse.Namespace) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="silkroad-bench-festival-"))
    bench.log(f"instance {instance}")
    try:
        prepare(instance, args)
        env = bench.instance_env(instance)
        path, ceiling_path = f"/en/festivals/{SLUG}", "/en/categories/coffee"
        result: dict = {"path": path, "rounds": []}
        with bench.Server("wsgi:app", bench.ROOT, env, args.workers, instance / "gunicorn-app.log") as app:
            status, body = bench.get(app.port, path, timeout=60)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            html = body.decode()
            result["deals_on_page"] = html.count('class="card deal')
            result["festival_prices_on_page"] = html.count('class="festival-price"')
            result["bytes"] = len(body)
            shape = {"category": {"cards": result["deals_on_page"], "stores": 0, "currencies": 40,
                                  "bytes": result["bytes"]}}
            shape_file = instance / "ceiling-shape.json"
            shape_file.write_text(json.dumps(shape))
            ceiling_env = {**env, "CEILING_SHAPE": str(shape_file)}
            with bench.Server("ceiling_app:app", bench.BENCH_DIR, ceiling_env, args.workers,
                              instance / "gunicorn-ceiling.log") as ceiling:
                result["ceiling_bytes"] = len(bench.get(ceiling.port, ceiling_path)[1])
                # Alternate the two, round after round, so other load on the machine hits both alike.
                for number in range(args.rounds):
                    measured = {}
                    for name, port, target in (("app", app.port, path), ("ceiling", ceiling.port, ceiling_path)):
                        bench.load(port, [target], args.concurrency, args.warmup)
                        measured[name] = bench.load(port, [target], args.concurrency, args.duration)
                    measured["share"] = round(measured["app"]["rps"] / measured["ceiling"]["rps"], 3)
                    result["rounds"].append(measured)
                    bench.log(f"round {number + 1}: storefront {measured['app']['rps']} req/s "
                              f"(p99 {measured['app']['p99_ms']} ms), ceiling {measured['ceiling']['rps']} req/s "
                              f"(p99 {measured['ceiling']['p99_ms']} ms): {measured['share']:.0%}")
        middle = sorted(result["rounds"], key=lambda r: r["share"])[len(result["rounds"]) // 2]
        result["app"], result["ceiling"] = middle["app"], middle["ceiling"]  # the median round
        return result
    finally:
        if args.keep:
            bench.log(f"kept {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


def markdown(result: dict, args: argparse.Namespace) -> str:
    app, ceiling = result["app"], result["ceiling"]
    share = app["rps"] / ceiling["rps"] if ceiling["rps"] else float("nan")
    shares = ", ".join(f"{r['share']:.0%}" for r in result["rounds"])
    return "\n".join([
        f"Festival landing page, {result['deals_on_page']} live deals, {result['bytes']:,} bytes; "
        f"{args.workers} sync gunicorn workers, {args.concurrency} connections, {args.duration:.0f} s",
        "",
        "| server | req/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|",
        f"| storefront | {app['rps']} | {app['p50_ms']} | {app['p99_ms']} | {app['errors']} |",
        f"| bare-Flask ceiling | {ceiling['rps']} | {ceiling['p50_ms']} | {ceiling['p99_ms']} | {ceiling['errors']} |",
        "",
        f"storefront / ceiling: {share:.0%} in the median of {len(result['rounds'])} alternating rounds "
        f"({shares}); target at least 50%",
    ])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    table = markdown(result, args)
    print(table)
    bench.RESULTS_DIR.mkdir(exist_ok=True)
    out = bench.RESULTS_DIR / f"festival-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"started": datetime.now().isoformat(timespec="seconds"),
                               "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                               "settings": vars(args), **result, "markdown": table}, indent=1))
    bench.log(f"results in {out.relative_to(bench.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

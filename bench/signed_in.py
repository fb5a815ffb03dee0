"""Signed-in shoppers' pages: this code, a baseline commit's code and a bare-Flask ceiling, in one run.

For each catalogue size N: a fresh instance folder seeded like bench/catalog.py (`flask seed-demo`,
then `flask search reindex`), then shoppers created inside the app, each with two cart lines and a
session cookie signed with the instance's key (what a log-in sets). Every client connection is one of
those shoppers. Measured pages: product pages (16, in turn), the largest category, the festival
index, the live festival's page and a search-results page. Servers take turns on the same database
with the same gunicorn settings: the working tree ("this"), the same with `PAGE_CACHE_SECONDS=0` ("no
page cache": the full render every request pays; skipped with `--no-uncached`), the `--baseline`
commit's code exported with `git archive` ("baseline"; skipped with `--baseline ''`), and
bench/ceiling_app.py serving pages of the same size and card count from a template compiled once.
Prints a Markdown table and writes bench/results/signed-in-<timestamp>.json.

    .venv/bin/python bench/signed_in.py [--sizes 1000,100000] [--duration 8] [--baseline main]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog as bench  # noqa: E402 - the shared servers, load generator, seeding and paths

PAGES = ("product", "category", "festival_index", "festival", "search")
SHOPPERS = 8
SEARCH_WORD = "coffee"


def prepare_in_app(count: int) -> dict:
    """Create `count` shoppers with two cart lines each; their session cookies and the pages' paths.

    Runs inside the storefront's configuration (same database and SECRET_KEY as the servers), so the
    cookies it signs are the ones a log-in would have set."""
    sys.path.insert(0, str(bench.ROOT))
    from flask import session
    from flask_login import login_user
    from sqlalchemy import select

    from campaigns.festivals.services import festivals_by_status
    from marketplace import create_app
    from marketplace.accounts.models import Role, User
    from marketplace.accounts.services import hash_password
    from marketplace.catalog.models import Product, ProductStatus
    from marketplace.core import clock
    from marketplace.extensions import db
    from marketplace.orders.models import Cart, CartItem

    app = create_app()
    with app.app_context():
        password = hash_password("bench-password-not-used")
        goods = db.session.scalars(select(Product).where(Product.status == ProductStatus.PUBLISHED)
                                   .order_by(Product.id).limit(2)).all()
        run = datetime.now().strftime("%Y%m%d%H%M%S")  # a reused instance gets new shoppers each run
        shoppers = [User(email=f"signed-in-bench-{run}-{n}@example.com", password_hash=password, role=Role.SHOPPER,
                         display_name=f"Bench shopper {n}") for n in range(count)]
        db.session.add_all(shoppers)
        db.session.flush()
        db.session.add_all(Cart(user_id=u.id, items=[
            CartItem(product_id=p.id, quantity=1, seen_amount=p.price_amount, seen_currency=p.currency)
            for p in goods]) for u in shoppers)
        db.session.commit()
        live = festivals_by_status(clock.now())["live"]
        cookies = []
        for shopper in shoppers:
            with app.test_request_context("/", environ_base={"REMOTE_ADDR": bench.HOST}):
                login_user(shopper)
                cookies.append(app.session_interface.get_signing_serializer(app).dumps(dict(session)))
        return {"cookie_name": app.config["SESSION_COOKIE_NAME"], "cookies": cookies,
                "festival": live[0].slug if live else None}


def baseline_tree(ref: str, folder: Path) -> Path:
    """The code of commit `ref` exported into `folder` (translations compiled), to serve as the baseline."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=bench.ROOT, capture_output=True, timeout=120, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, timeout=120, check=True)
    subprocess.run([bench.tool("pybabel"), "compile", "-d", "translations"], cwd=folder, timeout=300,
                   check=True, capture_output=True)
    return folder


def page_shapes(port: int, targets: dict[str, list[str]], headers: dict[str, str]) -> dict:
    """Each page's size and card count as the signed-in shopper gets it; raises on a non-200."""
    shapes = {}
    for kind in PAGES:
        status, body = get(port, targets[kind][0], headers)
        if status != 200:
            raise RuntimeError(f"{targets[kind][0]} answered {status}")
        html = body.decode("utf-8", errors="replace")
        if "Log out" not in html:
            raise RuntimeError(f"{targets[kind][0]} was not served to a signed-in shopper")
        shapes[kind] = {"path": targets[kind][0].split("?", 1)[0], "bytes": len(body),
                        "cards": len(re.findall(r'<li class="card[ "]', html))}
    return shapes


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection(bench.HOST, port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def measure(server: bench.Server, targets: dict, headers: list[dict] | None, args: argparse.Namespace) -> dict:
    results = {}
    for kind in PAGES:
        bench.load(server.port, targets[kind], args.concurrency, args.warmup, headers)
        before = bench.cpu_snapshot(server.process.pid)
        r = results[kind] = bench.load(server.port, targets[kind], args.concurrency, args.duration, headers)
        r["cpu"] = bench.cpu_use(before, bench.cpu_snapshot(server.process.pid), r["seconds"])
        other = f"  (other processes {r['cpu']['other_cores']:.2f} cores)" if r["cpu"] else ""
        bench.log(f"  {kind:<15} {r['rps']:>8.1f} req/s  p50 {r['p50_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms  "
                  f"errors {r['errors']}{other}")
    return results


def bench_size(size: int, baseline: Path | None, args: argparse.Namespace) -> dict:
    reused = args.instance is not None
    instance = args.instance or Path(tempfile.mkdtemp(prefix=f"silkroad-signed-in-{size}-"))
    bench.log(f"N={size:,}: instance {instance}" + (" (seeded before, reused)" if reused else ""))
    try:
        result: dict = {"products_requested": size, "reused_instance": reused}
        env = bench.instance_env(instance)
        if not reused:
            result["prepare"] = bench.prepare_instance(size, instance, args.seed_timeout)
            result["reindex_seconds"] = round(bench.run_step([bench.tool("flask"), "search", "reindex"], env,
                                                             instance / "prepare.log", args.seed_timeout), 2)
        made = subprocess.run([bench.tool("python"), __file__, "--prepare-shoppers", str(SHOPPERS)], cwd=bench.ROOT,
                              env=env, capture_output=True, text=True, timeout=300, check=True)
        people = json.loads(made.stdout.strip().splitlines()[-1])
        if not people["festival"]:
            raise RuntimeError("the demo seed has no live festival")
        headers = [{"Cookie": f"{people['cookie_name']}={cookie}"} for cookie in people["cookies"]]
        catalog_targets = bench.pick_targets(instance / "silkroad.db")
        targets = {"product": catalog_targets["product"], "category": catalog_targets["category"],
                   "festival_index": ["/en/festivals/"], "festival": [f"/en/festivals/{people['festival']}"],
                   "search": [f"/en/search?q={SEARCH_WORD}"]}
        result["targets"] = targets
        servers = [("this", bench.ROOT, env)]
        if not args.no_uncached:  # every request rendered in full: what search misses, carts and cache misses pay
            servers.append(("this_uncached", bench.ROOT, {**env, "PAGE_CACHE_SECONDS": "0"}))
        if baseline:
            servers.append(("baseline", baseline, env))
        for name, folder, server_env in servers:
            with bench.Server("wsgi:app", folder, server_env, args.workers,
                              instance / f"gunicorn-{name}.log") as server:
                result.setdefault("shapes", {})[name] = page_shapes(server.port, targets, headers[0])
                bench.log(f"{name} on port {server.port}, {args.workers} workers, signed-in shoppers")
                result[name] = measure(server, targets, headers, args)
        shape = {"product_slugs": [p.rsplit("/", 1)[1] for p in targets["product"]],
                 "product": {**result["shapes"]["this"]["product"], "stores": 0},
                 "category": {**result["shapes"]["this"]["category"], "stores": 0},
                 "extra": {k: result["shapes"]["this"][k] for k in ("festival_index", "festival", "search")}}
        shape_file = instance / "ceiling-shape.json"
        shape_file.write_text(json.dumps(shape, indent=1))
        with bench.Server("ceiling_app:app", bench.BENCH_DIR, {**env, "CEILING_SHAPE": str(shape_file)},
                          args.workers, instance / "gunicorn-ceiling.log") as server:
            bench.log(f"ceiling on port {server.port}, {args.workers} workers")
            result["ceiling"] = measure(server, targets, None, args)
        return result
    finally:
        if args.keep or reused:
            bench.log(f"kept {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


def cpu_per_request(measured: dict) -> str:
    """Server CPU milliseconds per answered request: unlike req/s, it holds when other work shares the machine."""
    cores = measured.get("cpu", {}).get("server_cores")
    if cores is None or not measured["requests_ok"]:
        return "-"
    return f"{1000 * cores * measured['seconds'] / measured['requests_ok']:.1f}"


def markdown(run: dict) -> str:
    m, st = run["machine"], run["settings"]
    lines = [f"Machine: {m['cpus']} cores, Python {m['python']}; gunicorn sync, {st['workers']} workers; "
             f"{st['concurrency']} signed-in shoppers' connections, {st['duration']:g} s per page after "
             f"{st['warmup']:g} s warm-up; this = commit {run['commit']}{' + local changes' if run['dirty'] else ''}, "
             f"baseline = {st['baseline'] or 'none'}."]
    for r in run["sizes"]:
        has_base, has_full = "baseline" in r, "this_uncached" in r
        lines += ["", f"### {r['products_requested']:,} products", ""]
        head = ["Page", "Bytes", "This req/s"] + (["This, no page cache"] if has_full else []) + \
            (["Baseline req/s"] if has_base else []) + ["Ceiling req/s", "This/ceiling"] + \
            (["No cache/ceiling"] if has_full else []) + (["Baseline/ceiling", "This/baseline"] if has_base else []) + \
            ["This p50 / p99 ms"] + (["Baseline p50 / p99 ms"] if has_base else []) + \
            ["Server CPU ms per request (" + " / ".join(
                name for name, shown in (("this", True), ("no cache", has_full), ("baseline", has_base),
                                         ("ceiling", True)) if shown) + ")", "Errors"]
        lines += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
        for kind in PAGES:
            t, c = r["this"][kind], r["ceiling"][kind]
            b = r["baseline"][kind] if has_base else None
            f = r["this_uncached"][kind] if has_full else None
            more = len(r["targets"][kind]) - 1
            cells = [f"{kind} `{r['targets'][kind][0]}`" + (f" (+{more})" if more else ""),
                     f"{r['shapes']['this'][kind]['bytes']:,}", f"{t['rps']:.1f}"]
            cells += [f"{f['rps']:.1f}"] if f else []
            cells += [f"{b['rps']:.1f}"] if b else []
            cells += [f"{c['rps']:.1f}", bench.ratio(t, c)] + ([bench.ratio(f, c)] if f else [])
            cells += [bench.ratio(b, c), f"{t['rps'] / b['rps']:.1f}×" if b["rps"] else "-"] if b else []
            cells += [f"{t['p50_ms']:.1f} / {t['p99_ms']:.1f}"]
            cells += [f"{b['p50_ms']:.1f} / {b['p99_ms']:.1f}"] if b else []
            cells += [" / ".join(cpu_per_request(x) for x in (t, f, b, c) if x)]
            cells += [" / ".join(str(x["errors"]) for x in (t, f, b, c) if x)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="catalogue sizes (products), comma-separated")
    parser.add_argument("--duration", type=float, default=8, help="measured seconds per page")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds per page before that")
    parser.add_argument("--concurrency", type=int, default=8, help="client connections (one shopper each)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (sync)")
    parser.add_argument("--baseline", default="main", help="commit whose code is measured beside this one ('' for none)")
    parser.add_argument("--no-uncached", action="store_true", help="skip this code with PAGE_CACHE_SECONDS=0")
    parser.add_argument("--seed-timeout", type=float, default=1800, help="seconds allowed for one seeding")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--instance", type=Path, help="an instance folder already seeded (flask seed-demo and "
                        "search reindex) with the one size given, used in place and kept")
    parser.add_argument("--prepare-shoppers", type=int, help=argparse.SUPPRESS)  # run inside the instance
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if not args.sizes or min(args.sizes) < 1 or args.concurrency < 1 or args.duration <= 0:
        parser.error("sizes, concurrency and duration must be positive")
    if args.instance is not None and (len(args.sizes) != 1 or not (args.instance / "silkroad.db").exists()):
        parser.error("--instance takes a seeded instance folder and one size")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.prepare_shoppers:
        print(json.dumps(prepare_in_app(args.prepare_shoppers)))
        return 0
    bench.wait_for_data(600, 30)
    work = Path(tempfile.mkdtemp(prefix="silkroad-signed-in-code-"))
    try:
        baseline = baseline_tree(args.baseline, work / "baseline") if args.baseline else None
        run = {"started": datetime.now().isoformat(timespec="seconds"),
               "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
               "settings": {"sizes": args.sizes, "duration": args.duration, "warmup": args.warmup,
                            "concurrency": args.concurrency, "workers": args.workers, "baseline": args.baseline},
               "commit": bench.git("rev-parse", "--short", "HEAD"),
               "dirty": bool(bench.git("status", "--porcelain", "--untracked-files=no")), "sizes": []}
        if args.baseline:
            run["baseline_commit"] = bench.git("rev-parse", "--short", args.baseline)
        for size in args.sizes:
            run["sizes"].append(bench_size(size, baseline, args))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = markdown(run)
    print(table)
    bench.RESULTS_DIR.mkdir(exist_ok=True)
    out = bench.RESULTS_DIR / f"signed-in-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({**run, "markdown": table}, indent=1, ensure_ascii=False))
    bench.log(f"results in {out.relative_to(bench.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

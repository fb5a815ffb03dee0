"""Catalogue page throughput: the storefront against a bare Flask + Jinja "ceiling", per catalogue size.

For each size N: a fresh instance folder, the schema (`flask db upgrade`, or `db.create_all()` when
there is no migration), `flask seed-demo --products N` (timed), then gunicorn serving the storefront
and, on the same settings, bench/ceiling_app.py; a standard-library load generator measures
requests/s and latency for the home page, a pavilion, the largest category and product pages.
Prints a Markdown table and writes bench/results/catalog-<timestamp>.json. All traffic goes to
127.0.0.1; every wait is bounded; only the servers this script starts are stopped.

    .venv/bin/python bench/catalog.py [--sizes 1000,100000] [--duration 10] [--concurrency 8]
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
DATA_DIR = ROOT / "campaigns" / "demo" / "data"
DATA_FILES = ("categories.json", "countries.json", "store_names.json", "product_types.json")
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
PAGES = ("home", "pavilion", "category", "product")
PRODUCT_SLUGS = 16  # product pages are requested round-robin over this many real products


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tool(name: str) -> str:
    """The path of a console script of the project's virtualenv (else of this interpreter's)."""
    for folder in (VENV_BIN, Path(sys.executable).parent):
        if (folder / name).exists():
            return str(folder / name)
    raise SystemExit(f"{name} not found in {VENV_BIN}")


# --- Preparing an instance --------------------------------------------------------------------

def wait_for_data(timeout: float, poll: float) -> None:
    """Wait until every seed data file exists and parses as JSON; SystemExit after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        missing = []
        for name in DATA_FILES:
            try:
                json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                missing.append(name)
        if not missing:
            return
        if time.monotonic() + poll > deadline:
            raise SystemExit(f"seed data still missing or incomplete after {timeout:.0f}s: {', '.join(missing)}")
        log(f"waiting for {', '.join(missing)} in {DATA_DIR.relative_to(ROOT)} (polling every {poll:.0f}s)")
        time.sleep(poll)


def instance_env(instance: Path) -> dict[str, str]:
    """The environment of every command run against `instance` (SQLite under it, nothing external)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT")}
    env.update(SILKROAD_INSTANCE=str(instance), SILKROAD_ENV="development", FLASK_APP="wsgi.py",
               PYTHONUNBUFFERED="1")
    return env


def run_step(args: list[str], env: dict, logfile: Path, timeout: float) -> float:
    """Run a command in the project folder, output to `logfile`; returns seconds taken."""
    started = time.perf_counter()
    with open(logfile, "ab") as out:
        out.write(f"$ {' '.join(args)}\n".encode())
        out.flush()
        try:
            result = subprocess.run(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:  # subprocess.run kills the child it started
            raise RuntimeError(f"{args[1:3]} timed out after {timeout:.0f}s; see {logfile}") from exc
    if result.returncode != 0:
        tail = logfile.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(args[1:3])} failed ({result.returncode}); log tail:\n{tail}")
    return time.perf_counter() - started


def has_migration() -> bool:
    return any((ROOT / "migrations" / "versions").glob("*.py"))


CREATE_ALL = (
    "from marketplace import create_app\n"
    "from marketplace.extensions import db\n"
    "app = create_app()\n"
    "with app.app_context():\n"
    "    db.create_all()\n"
)


def prepare_instance(size: int, instance: Path, seed_timeout: float) -> dict:
    """Create the schema and seed `size` products into `instance`; returns timings and counts."""
    env = instance_env(instance)
    logfile = instance / "prepare.log"
    if has_migration():
        schema_method = "flask db upgrade"
        schema_seconds = run_step([tool("flask"), "db", "upgrade"], env, logfile, 300)
    else:
        schema_method = "db.create_all()"
        schema_seconds = run_step([tool("python"), "-c", CREATE_ALL], env, logfile, 300)
    log(f"schema by {schema_method} in {schema_seconds:.1f}s; seeding {size:,} products")
    seed_seconds = run_step([tool("flask"), "seed-demo", "--stores", "100", "--products", str(size)],
                            env, logfile, seed_timeout)
    database = instance / "silkroad.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                  for table in ("stores", "products", "product_texts", "product_images")}
    log(f"seeded in {seed_seconds:.1f}s: {counts}")
    return {"schema_method": schema_method, "schema_seconds": round(schema_seconds, 2),
            "seed_seconds": round(seed_seconds, 2), "counts": counts,
            "database_bytes": database.stat().st_size}


def pick_targets(database: Path) -> dict[str, list[str]]:
    """URL paths per page kind, from the seeded database: the pavilion and the category with the
    most visible products, and product slugs spread evenly over the catalogue."""
    visible = ("FROM products p JOIN stores s ON s.id = p.store_id "
               "WHERE p.status = 'published' AND s.status = 'approved'")
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        country = conn.execute(
            f"SELECT s.country_code, count(*) AS n {visible} GROUP BY s.country_code ORDER BY n DESC, 1 LIMIT 1"  # noqa: S608
        ).fetchone()[0]
        category = conn.execute(
            "SELECT c.slug, count(*) AS n FROM products p JOIN stores s ON s.id = p.store_id "
            "JOIN categories c ON c.id = p.category_id "
            "WHERE p.status = 'published' AND s.status = 'approved' GROUP BY c.slug ORDER BY n DESC, 1 LIMIT 1"
        ).fetchone()[0]
        ids = [row[0] for row in conn.execute(f"SELECT p.id {visible} ORDER BY p.id")]  # noqa: S608
        step = max(1, len(ids) // PRODUCT_SLUGS)
        chosen = ids[::step][:PRODUCT_SLUGS]
        marks = ",".join("?" * len(chosen))
        slugs = [row[0] for row in conn.execute(f"SELECT slug FROM products WHERE id IN ({marks}) ORDER BY id", chosen)]  # noqa: S608
    return {
        "home": ["/en/"],
        "pavilion": [f"/en/pavilions/{country}"],
        "category": [f"/en/categories/{category}"],
        "product": [f"/en/products/{slug}" for slug in slugs],
    }


# --- Serving ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """gunicorn serving `module` from `folder` on a free port of 127.0.0.1; a context manager that
    always stops the master it started (TERM, then KILL of its own process group)."""

    def __init__(self, module: str, folder: Path, env: dict, workers: int, logfile: Path) -> None:
        self.port = free_port()
        self.args = [tool("gunicorn"), "--no-control-socket", "--bind", f"{HOST}:{self.port}",
                     "--workers", str(workers), module]
        self.folder, self.env, self.logfile = folder, env, logfile
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.log = open(self.logfile, "ab")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(self.args, cwd=self.folder, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.wait_healthy(60)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.logfile}")
            try:
                if get(self.port, "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer within {timeout:.0f}s; see {self.logfile}")

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group this Popen created for it
                process.wait(timeout=10)
        self.log.close()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- Load generation ------------------------------------------------------------------------------

@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    exceptions: dict[str, int] = field(default_factory=dict)
    connections: int = 0
    body_bytes: int = 0


def worker(port: int, paths: list[str], offset: int, deadline: float, sample: Sample,
           headers: dict[str, str] | None = None) -> None:
    """One client: a keep-alive connection (reopened when the server closes it) until `deadline`,
    sending `headers` (a signed-in session's cookie) with every request."""
    conn = None
    i = offset
    while True:
        if time.perf_counter() >= deadline:
            break
        path = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                sample.connections += 1
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            sample.errors += 1
            name = type(exc).__name__
            sample.exceptions[name] = sample.exceptions.get(name, 0) + 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)
            continue
        sample.statuses[response.status] = sample.statuses.get(response.status, 0) + 1
        if response.status != 200:
            sample.errors += 1
            continue
        sample.latencies.append(elapsed)
        sample.body_bytes += len(body)
    if conn is not None:
        conn.close()


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def load(port: int, paths: list[str], concurrency: int, seconds: float,
         headers: list[dict[str, str]] | None = None) -> dict:
    """`concurrency` clients requesting `paths` for `seconds`; throughput and latency of the 200s.
    With `headers`, client i sends headers[i % len(headers)] (each its own signed-in shopper)."""
    samples = [Sample() for _ in range(concurrency)]
    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=worker, args=(port, paths, i, deadline, s,
                                                     headers[i % len(headers)] if headers else None), daemon=True)
               for i, s in enumerate(samples)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)  # a request in flight at the deadline may still finish
    elapsed = time.perf_counter() - started
    latencies = sorted(x for s in samples for x in s.latencies)
    statuses: dict[str, int] = {}
    exceptions: dict[str, int] = {}
    for s in samples:
        for key, value in s.statuses.items():
            statuses[str(key)] = statuses.get(str(key), 0) + value
        for key, value in s.exceptions.items():
            exceptions[key] = exceptions.get(key, 0) + value
    ok = len(latencies)
    return {
        "requests_ok": ok,
        "errors": sum(s.errors for s in samples),
        "statuses": statuses,
        "exceptions": exceptions,
        "connections": sum(s.connections for s in samples),
        "seconds": round(elapsed, 3),
        "rps": round(ok / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(1000 * percentile(latencies, 0.50), 2),
        "p99_ms": round(1000 * percentile(latencies, 0.99), 2),
        "mean_ms": round(1000 * sum(latencies) / ok, 2) if ok else float("nan"),
        "mean_body_bytes": round(sum(s.body_bytes for s in samples) / ok) if ok else 0,
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def busy_cpu_seconds() -> float | None:
    """CPU seconds spent by the whole machine (all cores, not idle or iowait) since boot; None off Linux."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal …: guests are already counted in user.
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its children (the gunicorn master and its workers)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            with open(f"/proc/{current}/task/{current}/children") as handle:
                pending += [int(child) for child in handle.read().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def cpu_snapshot(server_pid: int) -> tuple[float, float, float] | None:
    busy = busy_cpu_seconds()
    if busy is None:
        return None
    own = os.times()
    return busy, own.user + own.system, process_tree_cpu_seconds(server_pid)


def cpu_use(before: tuple | None, after: tuple | None, seconds: float) -> dict:
    """Server, client and foreign CPU during a measurement, in cores; foreign work means noise."""
    if before is None or after is None or seconds <= 0:
        return {}
    busy, client, server = (b - a for a, b in zip(before, after, strict=True))
    return {"server_cores": round(server / seconds, 2), "client_cores": round(client / seconds, 2),
            "other_cores": round(max(0.0, busy - client - server) / seconds, 2)}


def measure(server: Server, targets: dict[str, list[str]], args: argparse.Namespace) -> dict[str, dict]:
    results = {}
    for kind in PAGES:
        load(server.port, targets[kind], args.concurrency, args.warmup)
        before = cpu_snapshot(server.process.pid)
        r = results[kind] = load(server.port, targets[kind], args.concurrency, args.duration)
        r["cpu"] = cpu_use(before, cpu_snapshot(server.process.pid), r["seconds"])
        other = f"  (other processes {r['cpu']['other_cores']:.2f} cores)" if r["cpu"] else ""
        log(f"  {kind:<9} {r['rps']:>8.1f} req/s  p50 {r['p50_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms  "
            f"errors {r['errors']}{other}")
    return results


def page_shapes(port: int, targets: dict[str, list[str]]) -> tuple[dict, dict]:
    """Each page's size and what the ceiling needs to copy its structure; raises on a non-200."""
    shapes: dict = {"product_slugs": [p.rsplit("/", 1)[1] for p in targets["product"]]}
    sizes = {}
    for kind in PAGES:
        status, body = get(port, targets[kind][0], timeout=60)
        if status != 200:
            raise RuntimeError(f"{targets[kind][0]} answered {status}")
        html = body.decode("utf-8", errors="replace")
        shapes[kind] = {
            "cards": html.count('<li class="card">'),
            "stores": len(re.findall(r'<li>\s*<a href="/en/stores/', html)),
            "categories": len(re.findall(r'<li><a href="/en/categories/[^"]', html)),
            "currencies": max(0, html.count("<option value=") - 1),
            "bytes": len(body),
        }
        sizes[kind] = {"bytes": len(body), "gzip_bytes": len(gzip.compress(body, 6)),
                       "cards": shapes[kind]["cards"]}
    return shapes, sizes


# --- One size, the whole run, and the report --------------------------------------------------------

def bench_size(size: int, args: argparse.Namespace) -> dict:
    instance = Path(tempfile.mkdtemp(prefix=f"silkroad-bench-{size}-"))
    log(f"N={size:,}: instance {instance}")
    try:
        result: dict = {"products_requested": size, "instance": str(instance)}
        result["prepare"] = prepare_instance(size, instance, args.seed_timeout)
        targets = pick_targets(instance / "silkroad.db")
        result["targets"] = targets
        env = instance_env(instance)
        with Server("wsgi:app", ROOT, env, args.workers, instance / "gunicorn-app.log") as server:
            shapes, sizes = page_shapes(server.port, targets)
            log(f"storefront on port {server.port}, {args.workers} workers, page cache as configured "
                f"(PAGE_CACHE_SECONDS={env.get('PAGE_CACHE_SECONDS', 'default')})")
            result["app"] = measure(server, targets, args)
        result["page_sizes"] = sizes
        if not args.no_uncached:
            # Every request rendered from the database: what the page cache hides (and what a
            # logged-in shopper, or the first visitor after a catalogue change, gets).
            uncached_env = {**env, "PAGE_CACHE_SECONDS": "0"}
            with Server("wsgi:app", ROOT, uncached_env, args.workers,
                        instance / "gunicorn-app-uncached.log") as server:
                log(f"storefront on port {server.port}, {args.workers} workers, PAGE_CACHE_SECONDS=0")
                result["app_uncached"] = measure(server, targets, args)
        shape_file = instance / "ceiling-shape.json"
        shape_file.write_text(json.dumps(shapes, indent=1))
        ceiling_env = {**env, "CEILING_SHAPE": str(shape_file)}
        with Server("ceiling_app:app", BENCH_DIR, ceiling_env, args.workers,
                    instance / "gunicorn-ceiling.log") as server:
            _, ceiling_sizes = page_shapes(server.port, targets)
            log(f"ceiling on port {server.port}, {args.workers} workers")
            result["ceiling"] = measure(server, targets, args)
        result["ceiling_page_sizes"] = ceiling_sizes
        return result
    finally:
        if args.keep:
            log(f"kept {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


def ratio(app: dict, ceiling: dict) -> str:
    value = app["rps"] / ceiling["rps"] if ceiling["rps"] else float("nan")
    return f"{value:.2f}" + (" **<0.5**" if value < 0.5 else "")


def markdown(run: dict) -> str:
    m, st = run["machine"], run["settings"]
    lines = [f"Machine: {m['cpus']} cores, {m['platform']}, Python {m['python']}, gunicorn {m['gunicorn']} "
             f"(sync, {st['workers']} workers); {st['concurrency']} client connections, {st['duration']:g} s "
             f"per page after {st['warmup']:g} s warm-up; commit {run['commit']}{' + local changes' if run['dirty'] else ''}."]
    for r in run["sizes"]:
        p = r["prepare"]
        uncached = "app_uncached" in r
        lines += ["", f"### {r['products_requested']:,} products "
                  f"(seed {p['seed_seconds']:.1f} s, schema {p['schema_seconds']:.1f} s by {p['schema_method']}, "
                  f"database {p['database_bytes'] / 2**20:.1f} MiB)", ""]
        other = [x[k]["cpu"].get("other_cores", 0) for x in (r["app"], r.get("app_uncached", {}), r["ceiling"])
                 for k in x if x[k].get("cpu")]
        client = [x[k]["cpu"].get("client_cores", 0) for x in (r["app"], r["ceiling"]) for k in x if x[k].get("cpu")]
        if other:
            lines += [f"Other processes on the machine used up to {max(other):.2f} cores during a measurement "
                      f"(mean {sum(other) / len(other):.2f}); the load generator up to {max(client):.2f}.", ""]
        head = ["Page", "Bytes (gzip)", "App req/s"] + (["App, no page cache"] if uncached else []) + \
            ["Ceiling req/s", "App/ceiling"] + (["No cache/ceiling"] if uncached else []) + \
            ["App p50 / p99 ms"] + (["No cache p50 / p99"] if uncached else []) + ["Ceiling p50 / p99", "Errors (app /" + (" no cache /" if uncached else "") + " ceiling)"]
        lines += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
        for kind in PAGES:
            a, c, size = r["app"][kind], r["ceiling"][kind], r["page_sizes"][kind]
            u = r["app_uncached"][kind] if uncached else None
            more = len(r["targets"][kind]) - 1
            cells = [f"{kind} `{r['targets'][kind][0]}`" + (f" (+{more})" if more else ""),
                     f"{size['bytes']:,} ({size['gzip_bytes']:,})", f"{a['rps']:.1f}"]
            cells += [f"{u['rps']:.1f}"] if u else []
            cells += [f"{c['rps']:.1f}", ratio(a, c)] + ([ratio(u, c)] if u else [])
            cells += [f"{a['p50_ms']:.1f} / {a['p99_ms']:.1f}"]
            cells += [f"{u['p50_ms']:.1f} / {u['p99_ms']:.1f}"] if u else []
            cells += [f"{c['p50_ms']:.1f} / {c['p99_ms']:.1f}",
                      " / ".join(str(x["errors"]) for x in (a, u, c) if x)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30,
                          check=False).stdout.strip()


def gunicorn_version() -> str:
    out = subprocess.run([tool("gunicorn"), "--version"], capture_output=True, text=True, timeout=30, check=False)
    return (out.stdout or out.stderr).strip().split()[-1].strip("()") if out.returncode == 0 else "?"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="catalogue sizes (products), comma-separated")
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per page")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds per page before that")
    parser.add_argument("--concurrency", type=int, default=8, help="client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (sync)")
    parser.add_argument("--seed-timeout", type=float, default=1800, help="seconds allowed for one seeding")
    parser.add_argument("--data-timeout", type=float, default=1200, help="seconds to wait for the seed data")
    parser.add_argument("--data-poll", type=float, default=30, help="seconds between checks for the seed data")
    parser.add_argument("--no-uncached", action="store_true",
                        help="skip the second storefront run with PAGE_CACHE_SECONDS=0")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folders")
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if not args.sizes or min(args.sizes) < 1 or args.concurrency < 1 or args.duration <= 0:
        parser.error("sizes, concurrency and duration must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wait_for_data(args.data_timeout, args.data_poll)
    run = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "gunicorn": gunicorn_version()},
        "settings": {"sizes": args.sizes, "duration": args.duration, "warmup": args.warmup,
                     "concurrency": args.concurrency, "workers": args.workers, "worker_class": "sync"},
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "sizes": [],
    }
    for size in args.sizes:
        run["sizes"].append(bench_size(size, args))
    table = markdown(run)
    print(table)
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"catalog-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({**run, "markdown": table}, indent=1, ensure_ascii=False))
    log(f"results in {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

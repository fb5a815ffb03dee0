"""A lecture's registration burst over HTTP: 1,100 people register at once, on SQLite and on PostgreSQL.

The size is that of a real China–Africa e-commerce seminar. For each database (a SQLite file in a fresh
instance folder; PostgreSQL from `BENCH_DATABASE_URL`, skipped with a message when it is not given) it
builds the schema (`flask db upgrade`), seeds a small demo (`flask seed-demo`, for the lecture list),
then creates one lecture with `--capacity` seats (1,000) and `--people` shoppers (1,100), signed in by
session cookies minted with the instance's secret. gunicorn serves the storefront exactly as `make run`
does (`gunicorn.conf.py`: 2 workers x 4 threads that shed load with 503 + Retry-After), and:

1. every person opens the lecture page (not timed; it gives the form's CSRF token), then all of them
   press "Register" at the same moment, released by a barrier. A person answered 503 waits the
   Retry-After (plus up to a second of jitter) and presses again, as the busy page asks, up to
   `--retries` times. Reported: registrations/s from the first press to the last final answer, p50/p99
   of a person's wait for the final answer (retries included) and of single requests, how many first
   presses were shed, and what the database holds afterwards, which must be exact: registered + waiting
   = people, registered = capacity = the lecture's seats taken, arrival positions 1..people, each
   person once;
2. the lecture list `/en/lectures/` as an anonymous visitor (cached like the catalogue) is measured
   beside bench/ceiling_app.py serving a page of the same size with the same workers and threads,
   alternating for `--rounds` rounds; the median round is reported with the ratio.

Prints a Markdown table and writes bench/results/lectures-<timestamp>.json. All traffic goes to
127.0.0.1; only servers started here are stopped. THE POSTGRESQL DATABASE IS EMPTIED (every table
dropped) before and after the run: point `BENCH_DATABASE_URL` only at a scratch database.

    .venv/bin/python bench/lectures.py [--people 1100] [--capacity 1000] [--rounds 3] [--backends sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog as bench  # noqa: E402 - the shared servers, load generator and paths
import checkout  # noqa: E402 - database helpers, form parsing and signed-in requests

LIST_PATH, CEILING_PATH = "/en/lectures/", "/en/categories/coffee"


# --- Inside the app: the lecture and the signed-in people (run in a subprocess with the instance's env) ---

def prepare_in_app(spec: dict) -> dict:
    """Create the burst's lecture and its people; the lecture id and each person's session cookie.

    Runs inside the storefront's configuration (same database, same SECRET_KEY as the servers), so the
    cookies it signs are the ones a log-in would have set, without 1,100 slow password checks.
    """
    sys.path.insert(0, str(bench.ROOT))  # run as bench/lectures.py: the project is one folder up
    from datetime import timedelta

    from flask import session
    from flask_login import login_user

    from campaigns.lectures.models import Audience, Lecture, LectureText
    from marketplace import create_app
    from marketplace.accounts.models import Role, User
    from marketplace.accounts.services import hash_password
    from marketplace.core import clock
    from marketplace.extensions import db

    app = create_app()
    with app.app_context():
        password = hash_password("bench-password-not-used")
        lecture = Lecture(starts_at=clock.now() + timedelta(days=7), time_zone="Africa/Nairobi",
                          duration_minutes=90, capacity=spec["capacity"], seats_taken=0, audience=Audience.EVERYONE,
                          join_url="https://meet.example.org/silk-road-seminar", original_language="en",
                          spoken_language="en", interpretation_languages="zh,fr",
                          texts=[LectureText(language="en", title="China–Africa e-commerce seminar",
                                             abstract="Selling to Chinese shoppers: the whole chain, in one afternoon.")])
        people = [User(email=f"seminar{n}@example.com", password_hash=password, role=Role.SHOPPER)
                  for n in range(1, spec["people"] + 1)]
        db.session.add(lecture)
        db.session.add_all(people)
        db.session.commit()

        def cookie(person: User) -> str:
            with app.test_request_context("/", environ_base={"REMOTE_ADDR": bench.HOST}):
                login_user(person)
                return app.session_interface.get_signing_serializer(app).dumps(dict(session))

        return {"cookie_name": app.config["SESSION_COOKIE_NAME"], "lecture_id": lecture.id,
                "cookies": [cookie(p) for p in people]}


# --- The burst ------------------------------------------------------------------------------------------

def open_lecture(port: int, cookie_name: str, session_cookie: str, path: str) -> checkout.Buyer:
    """GET the lecture page as the person: the register form and the session holding its CSRF token."""
    cookie = f"{cookie_name}={session_cookie}"
    for attempt in range(20):
        response = checkout.request(port, "GET", path, cookie)
        if response.status == 503:  # shed while the pages are being fetched: wait as asked
            time.sleep(float(response.headers.get("Retry-After") or 1) * (1 + attempt / 10))
            continue
        break
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status} to a signed-in person")
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith(cookie_name + "="):
            cookie = header.split(";", 1)[0]
    parser = checkout.HiddenFields()
    parser.feed(response.body.decode())
    if "csrf_token" not in parser.values:
        raise RuntimeError("the lecture page has no register form")
    return checkout.Buyer(cookie, {"csrf_token": parser.values["csrf_token"]})


def open_lectures(port: int, cookie_name: str, cookies: list[str], path: str, concurrency: int = 8) -> list:
    people: list = [None] * len(cookies)
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
                people[index] = open_lecture(port, cookie_name, cookies[index], path)
            except Exception as exc:  # noqa: BLE001 - re-raised below, in the main thread
                errors.append(exc)
                return

    threads = [threading.Thread(target=work, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    if errors or any(p is None for p in people):
        raise RuntimeError(f"opening the lecture pages failed: {errors[:1]}")
    return people


def burst(server: checkout.Server, people: list, lecture_id: int, retries: int) -> dict:
    """Everyone presses "Register" at once; a shed press is repeated after Retry-After, as a person would."""
    port, path = server.port, f"/en/lectures/{lecture_id}/register"
    page = f"/en/lectures/{lecture_id}"
    barrier = threading.Barrier(len(people) + 1)
    answers: list[str] = [""] * len(people)
    waits: list[float] = [0.0] * len(people)
    finished: list[float] = [0.0] * len(people)
    requests: list[float] = []
    shed_first = [False] * len(people)
    presses = [0] * len(people)
    lock = threading.Lock()

    def press(index: int, person: checkout.Buyer) -> None:
        jitter = random.Random(index)  # noqa: S311 - spreading retries, not security
        barrier.wait()
        started = time.perf_counter()
        for attempt in range(retries + 1):
            presses[index] += 1
            sent = time.perf_counter()
            try:
                response = checkout.request(port, "POST", path, person.cookie, person.form, timeout=120)
            except (OSError, http.client.HTTPException) as exc:
                answers[index] = type(exc).__name__
                break
            with lock:
                requests.append(time.perf_counter() - sent)
            if response.status == 503 and attempt < retries:
                shed_first[index] = shed_first[index] or attempt == 0
                time.sleep(float(response.headers.get("Retry-After") or 1) + jitter.random())
                continue
            location = urlsplit(response.headers.get("Location") or "").path
            answers[index] = "answered" if response.status == 302 and location == page else f"HTTP {response.status}"
            break
        finished[index] = time.perf_counter()
        waits[index] = finished[index] - started

    threads = [threading.Thread(target=press, args=(i, p), daemon=True) for i, p in enumerate(people)]
    for thread in threads:
        thread.start()
    barrier.wait()
    before = bench.cpu_snapshot(server.process.pid)
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=900)
    elapsed = max(finished) - started
    cpu = bench.cpu_use(before, bench.cpu_snapshot(server.process.pid), time.perf_counter() - started)
    ordered, single = sorted(waits), sorted(requests)
    counts = Counter(answers)
    return {
        "people": len(people), "answers": dict(counts), "seconds": round(elapsed, 3),
        "registrations_per_s": round(counts["answered"] / elapsed, 1),
        "shed_first_press": sum(shed_first), "presses": sum(presses),
        "wait_p50_ms": round(1000 * bench.percentile(ordered, 0.50), 1),
        "wait_p99_ms": round(1000 * bench.percentile(ordered, 0.99), 1),
        "request_p50_ms": round(1000 * bench.percentile(single, 0.50), 1),
        "request_p99_ms": round(1000 * bench.percentile(single, 0.99), 1),
        "cpu": cpu,
    }


def burst_outcome(url: str, lecture_id: int, people: int, capacity: int) -> dict:
    """What the database holds after the burst, and whether it is exactly right."""
    from sqlalchemy import create_engine, text

    engine = create_engine(checkout.sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            by_status = dict(connection.execute(text(
                "SELECT status, count(*) FROM lecture_registrations WHERE lecture_id = :l GROUP BY status"),
                {"l": lecture_id}).all())
            positions = connection.execute(text(
                "SELECT count(DISTINCT position), min(position), max(position), count(DISTINCT user_id), count(*) "
                "FROM lecture_registrations WHERE lecture_id = :l"), {"l": lecture_id}).one()
            seats_taken = connection.execute(text("SELECT seats_taken FROM lectures WHERE id = :l"),
                                             {"l": lecture_id}).scalar()
    finally:
        engine.dispose()
    registered, waiting = by_status.get("registered", 0), by_status.get("waiting", 0)
    exact = (registered == min(capacity, people) == seats_taken and registered + waiting == people
             and tuple(positions) == (people, 1, people, people, people))
    return {"by_status": by_status, "seats_taken": seats_taken, "positions": list(positions), "exact": exact}


# --- One database ---------------------------------------------------------------------------------------

class ConfiguredServer(checkout.Server):
    """gunicorn with the project's gunicorn.conf.py (what `make run` serves with)."""

    def __init__(self, module: str, folder: Path, env: dict, logfile: Path) -> None:
        super().__init__(module, folder, env, 2, 4, logfile)
        self.args[1:1] = ["--config", str(bench.ROOT / "gunicorn.conf.py")]


def bench_backend(backend: str, url: str | None, args: argparse.Namespace) -> dict:
    """Prepare `backend`, run the burst and the list page against the ceiling; the figures."""
    instance = Path(tempfile.mkdtemp(prefix=f"silkroad-bench-lectures-{backend}-"))
    bench.log(f"{backend}: instance {instance}")
    env = bench.instance_env(instance)
    if url:
        env["DATABASE_URL"] = url
        checkout.empty_database(url)
    database_url = url or f"sqlite:///{instance / 'silkroad.db'}"
    logfile = instance / "prepare.log"
    result: dict = {"backend": backend, "list_rounds": []}
    try:
        bench.run_step([bench.tool("flask"), "db", "upgrade"], env, logfile, 300)
        bench.run_step([bench.tool("flask"), "seed-demo", "--stores", "20", "--products", "100"], env, logfile, 900)
        spec = {"people": args.people, "capacity": args.capacity}
        prepared = subprocess.run([bench.tool("python"), __file__, "_prepare", json.dumps(spec)], cwd=bench.ROOT,
                                  env=env, capture_output=True, text=True, timeout=900, check=False)
        if prepared.returncode != 0:
            raise RuntimeError(f"preparing the data failed:\n{prepared.stderr[-3000:]}")
        data = json.loads(prepared.stdout.strip().splitlines()[-1])
        name, lecture_id = data["cookie_name"], data["lecture_id"]
        with ConfiguredServer("wsgi:app", bench.ROOT, env, instance / "gunicorn-app.log") as app:
            people = open_lectures(app.port, name, data["cookies"], f"/en/lectures/{lecture_id}")
            measured = burst(app, people, lecture_id, args.retries)
            measured["database"] = burst_outcome(database_url, lecture_id, args.people, args.capacity)
            result["burst"] = measured
            bench.log(f"{backend} burst: {measured['answers']} in {measured['seconds']} s "
                      f"({measured['registrations_per_s']}/s, wait p99 {measured['wait_p99_ms']} ms, "
                      f"{measured['shed_first_press']} first presses shed); database {measured['database']}")
            status, body = bench.get(app.port, LIST_PATH)
            if status != 200:
                raise RuntimeError(f"{LIST_PATH} answered {status}")
            result["list_bytes"] = len(body)
            shape_file = instance / "ceiling-shape.json"
            shape_file.write_text(json.dumps({"category": {"cards": body.decode().count("<article"), "stores": 0,
                                                           "currencies": 40, "bytes": len(body)}}))
            ceiling_env = {**env, "CEILING_SHAPE": str(shape_file)}
            # The same workers and threads; gthread itself, since the shedding worker renders the
            # storefront's busy page (at 8 connections nothing is shed anyway).
            with checkout.Server("ceiling_app:app", bench.BENCH_DIR, ceiling_env, 2, 4,
                                 instance / "gunicorn-ceiling.log") as ceiling:
                for number in range(args.rounds):
                    measured = {}
                    for label, server, path in (("app", app, LIST_PATH), ("ceiling", ceiling, CEILING_PATH)):
                        bench.load(server.port, [path], args.concurrency, args.warmup)
                        measured[label] = bench.load(server.port, [path], args.concurrency, args.duration)
                    measured["share"] = round(measured["app"]["rps"] / measured["ceiling"]["rps"], 3)
                    result["list_rounds"].append(measured)
                    bench.log(f"{backend} list round {number + 1}: app {measured['app']['rps']} req/s "
                              f"(p99 {measured['app']['p99_ms']} ms), ceiling {measured['ceiling']['rps']} req/s: "
                              f"{measured['share']:.0%}")
        return result
    finally:
        if url:
            checkout.empty_database(url)
        if args.keep:
            bench.log(f"kept {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


# --- Report ----------------------------------------------------------------------------------------------

def markdown(run: dict, args: argparse.Namespace) -> str:
    lines = [f"Registration burst: {args.people:,} people press Register at once for {args.capacity:,} seats "
             "(gunicorn.conf.py: 2 workers x 4 threads, shedding with 503 + Retry-After; shed presses retried)", "",
             "| database | registrations/s | wait p50 / p99 ms | request p50 / p99 ms | first presses shed | "
             "registered + waiting | seats taken | exact |",
             "|---|---|---|---|---|---|---|---|"]
    for backend in run["backends"]:
        b = backend["burst"]
        held = b["database"]["by_status"]
        lines.append(f"| {backend['backend']} | {b['registrations_per_s']} | {b['wait_p50_ms']:,} / {b['wait_p99_ms']:,} "
                     f"| {b['request_p50_ms']:,} / {b['request_p99_ms']:,} | {b['shed_first_press']} "
                     f"| {held.get('registered', 0)} + {held.get('waiting', 0)} | {b['database']['seats_taken']} "
                     f"| {'yes' if b['database']['exact'] else 'NO'} |")
    lines += ["", f"Lecture list `{LIST_PATH}` (anonymous, cached) beside the bare-Flask ceiling, "
              f"{args.concurrency} connections, {args.duration:.0f} s, median of {args.rounds} rounds", "",
              "| database | list req/s | p99 ms | ceiling req/s | list / ceiling |", "|---|---|---|---|---|"]
    for backend in run["backends"]:
        middle = sorted(backend["list_rounds"], key=lambda r: r["share"])[len(backend["list_rounds"]) // 2]
        lines.append(f"| {backend['backend']} | {middle['app']['rps']} | {middle['app']['p99_ms']} "
                     f"| {middle['ceiling']['rps']} | {middle['share']:.0%} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1100)
    parser.add_argument("--capacity", type=int, default=1000)
    parser.add_argument("--retries", type=int, default=30, help="presses after a 503 before giving up")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="a scratch PostgreSQL database: it is emptied (default $BENCH_DATABASE_URL; skipped when unset)")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "_prepare":
        print(json.dumps(prepare_in_app(json.loads(sys.argv[2]))))
        return 0
    args = parse_args(argv)
    run: dict = {"backends": []}
    for backend in args.backends.split(","):
        url = None
        if backend == "postgresql":
            problem = "BENCH_DATABASE_URL is not set" if not args.postgres_url else checkout.postgres_problem(args.postgres_url)
            if problem:
                bench.log(f"postgresql skipped: {problem}")
                continue
            url = args.postgres_url
        run["backends"].append(bench_backend(backend, url, args))
    table = markdown(run, args)
    print(table)
    bench.RESULTS_DIR.mkdir(exist_ok=True)
    out = bench.RESULTS_DIR / f"lectures-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"started": datetime.now().isoformat(timespec="seconds"),
                               "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                               "settings": vars(args), **run, "markdown": table}, indent=1))
    bench.log(f"results in {out.relative_to(bench.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

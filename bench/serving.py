"""What the JSON access line and request id cost per request: the same gunicorn (gunicorn.conf.py, 2 workers)
serving the same pages with LOG_FORMAT=json and LOG_FORMAT=text, alternately, in one run.

    .venv/bin/python bench/serving.py                      # 2 rounds, 8 s per page and mode
    .venv/bin/python bench/serving.py --rounds 1 --duration 4

Pages: /healthz (the smallest answer, where a fixed cost per request shows most) and the home page (an
anonymous page from the page cache). An empty demo database (migrated, not seeded) under a temporary
instance folder; the log goes to a file, as it would to journald. Prints req/s per mode and json/text.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from catalog import ROOT, Server, instance_env, load, run_step, tool

PAGES = ["/healthz", "/en/"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    results: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as folder:
        instance = Path(folder) / "instance"
        env = instance_env(instance)
        run_step([tool("flask"), "db", "upgrade"], env, Path(folder) / "setup.log", 300)
        for round_number in range(args.rounds):
            for mode in ("text", "json") if round_number % 2 == 0 else ("json", "text"):
                logfile = Path(folder) / f"gunicorn-{mode}-{round_number}.log"
                with Server("wsgi:app", ROOT, {**env, "LOG_FORMAT": mode}, 2, logfile) as server:
                    for page in PAGES:
                        load(server.port, [page], args.concurrency, 1)  # warm-up
                        measured = load(server.port, [page], args.concurrency, args.duration)
                        results.setdefault((page, mode), []).append(measured["rps"])
                        print(f"round {round_number + 1} {mode:4} {page:9} {measured['rps']:8.1f} req/s "
                              f"p50 {measured['p50_ms']} ms, errors {measured['errors']}", flush=True)
    print("\n| page | text req/s | json req/s | json / text |\n|---|---:|---:|---:|")
    for page in PAGES:
        text, json_ = statistics.median(results[(page, "text")]), statistics.median(results[(page, "json")])
        print(f"| `{page}` | {text:.1f} | {json_:.1f} | {json_ / text:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Overload the storefront served like `make run` and count crashed gunicorn workers.

Seeds the demo (100 stores, `--products` products) into a temporary instance folder with SQLite,
serves it with the virtualenv's gunicorn on a free port of 127.0.0.1 (gunicorn.conf.py when the
project has one, else the flags `make run` used: gthread, 2 workers x 4 threads), then `--clients`
threads, each with its own keep-alive connection and a `--timeout` second client timeout, request
uncached home pages (`/en/?u=<n>`, a new n each time) for `--duration` seconds. Reports the workers
gunicorn saw die (SIGSEGV or another signal, or exiting), the answers by status, client timeouts and
connection errors, and the latency of the 200s and of the 503s. Only the server it starts is stopped.

    .venv/bin/python bench/load_crash.py [--venv .venv] [--clients 300] [--duration 20] [--timeout 3]
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SIGNALLED = re.compile(r"Worker \(pid:(\d+)\) was sent (SIG\w+)")
EXITED = re.compile(r"Worker \(pid:(\d+)\) exited with code (\d+)")
BOOTED = re.compile(r"Booting worker with pid: (\d+)")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def instance_env(instance: Path, venv: Path, faulthandler: bool) -> dict[str, str]:
    """The environment for commands against `instance`: SQLite under it, nothing external."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "PYTHONFAULTHANDLER", "VIRTUAL_ENV")}
    env.update(SILKROAD_INSTANCE=str(instance), SILKROAD_ENV="development", FLASK_APP="wsgi.py",
               PYTHONUNBUFFERED="1", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    if faulthandler:
        env["PYTHONFAULTHANDLER"] = "1"
    return env


def seed(instance: Path, venv: Path, products: int) -> None:
    """Migrate and seed the demo into `instance` with the virtualenv's flask; raises on failure."""
    env = instance_env(instance, venv, False)
    with open(instance / "prepare.log", "ab") as out:
        for args in (["db", "upgrade"], ["seed-demo", "--stores", "100", "--products", str(products)]):
            started = time.perf_counter()
            result = subprocess.run([str(venv / "bin" / "flask"), *args], cwd=ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT, timeout=900, check=False)
            if result.returncode:
                raise SystemExit(f"flask {' '.join(args)} failed; see {instance / 'prepare.log'}")
            log(f"flask {args[0]} in {time.perf_counter() - started:.1f}s")


def server_args(venv: Path, port: int, args: argparse.Namespace) -> list[str]:
    """gunicorn's command line, as `make run` starts it (the project's gunicorn.conf.py when present)."""
    command = [str(venv / "bin" / "gunicorn"), "--no-control-socket", "--bind", f"{HOST}:{port}"]
    if (ROOT / "gunicorn.conf.py").exists() and not args.no_config:
        command += ["--config", str(ROOT / "gunicorn.conf.py")]
    else:
        command += ["--config", "/dev/null", "--workers", "2", "--threads", "4"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    return [*command, "wsgi:app"]


def wait_healthy(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"/healthz did not answer within {timeout:.0f}s")


class Tally:
    """Counts shared by the client threads (each update under one lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[str, int] = {}
        self.latency: dict[str, list[float]] = {}
        self.retry_after: dict[str, int] = {}

    def add(self, outcome: str, seconds: float, retry_after: str | None = None) -> None:
        with self.lock:
            self.statuses[outcome] = self.statuses.get(outcome, 0) + 1
            self.latency.setdefault(outcome, []).append(seconds)
            if retry_after is not None:
                self.retry_after[outcome] = self.retry_after.get(outcome, 0) + 1


def client(port: int, path: str, counter: itertools.count, deadline: float, timeout: float, tally: Tally) -> None:
    """One shopper: a keep-alive connection, reopened after an error, until `deadline`."""
    conn = None
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            conn.request("GET", path.format(n=next(counter)))
            response = conn.getresponse()
            response.read()
            tally.add(str(response.status), time.perf_counter() - started, response.getheader("Retry-After"))
            if response.will_close:
                conn.close()
                conn = None
        except TimeoutError:
            tally.add("client timeout", time.perf_counter() - started)
            conn.close()
            conn = None
        except (OSError, http.client.HTTPException) as exc:
            tally.add(type(exc).__name__, time.perf_counter() - started)
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.05)
    if conn is not None:
        conn.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def crashes(server_log: str) -> dict:
    """Workers gunicorn reported killed by a signal or exiting, from its log."""
    signalled = SIGNALLED.findall(server_log)
    exited = [(pid, code) for pid, code in EXITED.findall(server_log) if code != "0"]
    by_signal: dict[str, int] = {}
    for _pid, name in signalled:
        by_signal[name] = by_signal.get(name, 0) + 1
    return {"workers_booted": len(BOOTED.findall(server_log)), "killed_by_signal": by_signal,
            "exited_nonzero": len(exited), "fatal_python_error": server_log.count("Fatal Python error")}


def run(args: argparse.Namespace) -> dict:
    venv = (ROOT / args.venv).resolve() if not Path(args.venv).is_absolute() else Path(args.venv)
    python = subprocess.run([str(venv / "bin" / "python"), "-c", "import sys; print(sys.version.split()[0])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    instance = Path(args.instance) if args.instance else Path(tempfile.mkdtemp(prefix="silkroad-load-"))
    log(f"Python {python} from {venv}; instance {instance}")
    server_log = instance / "gunicorn.log"
    try:
        if not (instance / "silkroad.db").exists():
            seed(instance, venv, args.products)
        port = free_port()
        command = server_args(venv, port, args)
        log(" ".join(command))
        with open(server_log, "wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=instance_env(instance, venv, args.faulthandler),
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_healthy(port, process, 60)
            tally = Tally()
            counter = itertools.count()
            deadline = time.perf_counter() + args.duration
            threads = [threading.Thread(target=client, daemon=True,
                                        args=(port, args.path, counter, deadline, args.timeout, tally))
                       for _ in range(args.clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.duration + args.timeout + 30)
            elapsed = time.perf_counter() - started
            time.sleep(1)  # let the master log the last deaths
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)  # the group this Popen created
                    process.wait(timeout=10)
        text = server_log.read_text(errors="replace")
        answered = sum(n for k, n in tally.statuses.items() if k.isdigit())
        return {
            "python": python, "command": " ".join(command), "clients": args.clients,
            "duration_s": args.duration, "client_timeout_s": args.timeout, "path": args.path,
            "elapsed_s": round(elapsed, 1), "crashes": crashes(text),
            "outcomes": dict(sorted(tally.statuses.items())),
            "with_retry_after": tally.retry_after,
            "answers_per_s": round(answered / elapsed, 1),
            "latency_ms": {k: {"p50": round(1000 * percentile(v, 0.5), 1), "p99": round(1000 * percentile(v, 0.99), 1)}
                           for k, v in sorted(tally.latency.items())},
        }
    finally:
        if args.keep or args.instance:
            log(f"kept {instance} (server log: {server_log})")
        else:
            shutil.rmtree(instance, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", default=".venv", help="virtualenv whose Python and gunicorn serve (.venv)")
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (20)")
    parser.add_argument("--timeout", type=float, default=3.0, help="client timeout in seconds (3)")
    parser.add_argument("--path", default="/en/?u={n}", help="request path; {n} is a new number each time")
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=0, help="override the worker count")
    parser.add_argument("--threads", type=int, default=0, help="override the threads per worker")
    parser.add_argument("--no-config", action="store_true", help="ignore gunicorn.conf.py (the old `make run` flags)")
    parser.add_argument("--faulthandler", action="store_true", help="PYTHONFAULTHANDLER=1: tracebacks of crashes in the log")
    parser.add_argument("--instance", help="a folder seeded by an earlier --keep run (kept afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder and the server log")
    args = parser.parse_args()
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()

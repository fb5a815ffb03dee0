"""Readiness: whether this instance can serve shoppers now, for a load balancer deciding where to send them.

`/healthz` says only that the process answers (liveness: restart it when it does not). `/readyz` asks each
dependency the instance needs — the database, Redis when `REDIS_URL` is set, the search backend — at the
same time, each for at most `READINESS_TIMEOUT` seconds, and names the ones that failed. A check runs in
a thread of its own, so a dependency that hangs costs the probe its timeout and never a worker's thread
for longer; the answer names only the kind of failure (never an address or a password from an error text).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import text

Check = Callable[[], object]  # raises when the dependency cannot serve


@dataclass
class Outcome:
    ok: bool = False
    milliseconds: float | None = None
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        answer: dict[str, object] = {"ok": self.ok}
        if self.milliseconds is not None:
            answer["ms"] = self.milliseconds
        if self.error:
            answer["error"] = self.error
        return answer


def database_answers() -> None:
    """Run `SELECT 1` on a connection of the application's pool."""
    from marketplace.extensions import db

    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def redis_answers() -> None:
    """PING the Redis that rate limits, the page cache and the job queue use."""
    from marketplace.core.jobs import redis_client

    redis_client(current_app.config["REDIS_URL"]).ping()


def add_check(app: Flask, name: str, check: Check) -> None:
    """Make `/readyz` ask `check` (called inside the application; raising means not ready) under `name`."""
    app.extensions.setdefault("readiness_checks", {})[name] = check


def init_app(app: Flask) -> None:
    """Check the database always, and Redis when `REDIS_URL` is set; adapters add their own checks."""
    add_check(app, "database", database_answers)
    if app.config.get("REDIS_URL"):
        add_check(app, "redis", redis_answers)


def readiness(app: Flask) -> tuple[bool, dict[str, Outcome]]:
    """Run every check at once, each for at most READINESS_TIMEOUT seconds: (all ready, outcome by name)."""
    timeout = float(app.config.get("READINESS_TIMEOUT", 2))
    checks: dict[str, Check] = app.extensions.get("readiness_checks", {})
    outcomes = {name: Outcome() for name in checks}

    def run(name: str, check: Check) -> None:
        started = time.perf_counter()
        try:
            with app.app_context():
                check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; its kind is reported
            outcomes[name].error = type(exc).__name__
        else:
            outcomes[name].ok = True
        outcomes[name].milliseconds = round((time.perf_counter() - started) * 1000, 1)

    threads = [threading.Thread(target=run, args=item, name=f"readiness-{item[0]}", daemon=True)
               for item in checks.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    for thread, name in zip(threads, checks, strict=True):
        if thread.is_alive():
            outcomes[name] = Outcome(error=f"no answer within {timeout:g} s")
    return all(outcome.ok for outcome in outcomes.values()), outcomes

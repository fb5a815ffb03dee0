"""Running calls at the same instant in threads, for the race tests of checkout, payments and festivals.

Each call runs in its own thread, app context and database session, all released together by a
barrier; the test then asserts on every result and every error. No assertion depends on timing.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import Flask

from marketplace.extensions import db

JOIN_SECONDS = 120  # a thread still running after this is a hang (a lock never released): the test fails


@dataclass
class Outcomes:
    """What the concurrent calls ended with: the results of those that returned, the errors of the others."""

    results: list[object] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    @property
    def kinds(self) -> Counter:
        return Counter(["ok"] * len(self.results) + [type(e).__name__ for e in self.errors])

    def unexpected(self, *allowed: type[BaseException]) -> list[str]:
        """Every error that is not one of `allowed`, as text for the assertion message."""
        return [f"{type(e).__name__}: {e}" for e in self.errors if not isinstance(e, allowed)]


def run_at_once(app: Flask, calls: Sequence[Callable[[], object]]) -> Outcomes:
    """Run each call in its own thread and app context, released together by a barrier.

    Fails the test when a thread does not finish (a lock that never comes free would hang here).
    """
    outcomes = Outcomes()
    guard = threading.Lock()
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> None:
        with app.app_context():
            try:
                barrier.wait()
                result = call()
                with guard:
                    outcomes.results.append(result)
            except BaseException as exc:  # noqa: BLE001 - every outcome is collected and asserted on
                with guard:
                    outcomes.errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    assert not any(t.is_alive() for t in threads), "a checkout never finished: a lock was never released"
    return outcomes

"""The shoppers of bench/festival_opening.py, driven by locust (run by it as a separate process).

Each simulated shopper is one signed-in session (a cookie minted by the bench) that arrives once and does
what a shopper at an opening does: opens the festival page, searches, adds the deal to the cart, opens the
checkout (waiting in the waiting room when it sends them there, reloading after the page's own refresh
time, as the meta refresh does), and places the order. A 503 (a worker shedding load) is retried after its
Retry-After, like a browser's reload, and counted. Writes a JSON summary to the path given.

    .venv/bin/python bench/festival_opening_shoppers.py SPEC.json RESULT.json
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter
from itertools import count

import gevent
from locust import HttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser

SPEC = json.loads(open(sys.argv[1], encoding="utf-8").read()) if __name__ == "__main__" else {}
NEXT = count()
OUTCOMES: Counter = Counter()
STATUSES: Counter = Counter()  # (step, status) for every answer, retries included
ORDER_TIMES: list[float] = []
WAITS: list[float] = []  # seconds each admitted shopper spent in the waiting room
HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|key|expected_total)"[^>]*value="([^"]*)"')
REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+)">')
MAX_SHED_RETRIES = 20


class Shopper(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        """Take the next minted session; a user locust starts beyond them (it replaces stopped users) goes home:
        reusing a session would be a shopper coming back and adding the deal a second time."""
        number = next(NEXT)
        if number >= len(SPEC["cookies"]):
            raise StopUser
        # Host-only, like the cookie the site sets, so the site's next Set-Cookie replaces it instead of adding one.
        self.client.cookies.set(SPEC["cookie_name"], SPEC["cookies"][number], domain="127.0.0.1", path="/")

    def send(self, step: str, method: str, path: str, **kwargs):
        """One request of `step`, sent again after Retry-After while a worker sheds it (503), or after a second
        when the connection failed (status 0), as a shopper reloads."""
        for _attempt in range(MAX_SHED_RETRIES):
            with self.client.request(method, path, name=step, allow_redirects=False, catch_response=True,
                                     **kwargs) as answer:
                STATUSES[(step, answer.status_code)] += 1
                if answer.status_code >= 500 or answer.status_code == 0:
                    answer.failure(f"{answer.status_code}")
                    retry = int(answer.headers.get("Retry-After", "1") or 1)
                else:
                    answer.success()
                    return answer
            gevent.sleep(retry)
        return answer

    @staticmethod
    def waiting_room(answer) -> str | None:
        """The waiting page an answer sends the shopper to, if it does."""
        location = answer.headers.get("Location", "")
        return location if answer.status_code in (302, 303) and "/waiting-room" in location else None

    @task
    def opening(self) -> None:
        """One shopper's visit at the opening, from the festival page to the order (or "sold out")."""
        slug, product_id = SPEC["festival"], SPEC["product_id"]
        page = self.send("1 festival page", "GET", f"/en/festivals/{slug}")
        token = dict(HIDDEN.findall(page.text)).get("csrf_token", "")
        self.send("2 search", "GET", f"/en/search?q={SPEC['query']}")
        added = self.send("3 add the deal", "POST", "/en/cart/items", data={
            "csrf_token": token, "product_id": product_id, "quantity": "1", "next": f"/en/festivals/{slug}"})
        if added.status_code != 302:
            OUTCOMES[f"could not add the deal ({added.status_code})"] += 1
            raise StopUser
        checkout = self.send("4 checkout page", "GET", "/en/checkout")
        waiting_room = self.waiting_room(checkout)
        queued_at = time.monotonic() if waiting_room else None
        while waiting_room:
            waiting = self.send("5 waiting room", "GET", waiting_room)
            if waiting.status_code == 409:
                OUTCOMES["sold out while waiting"] += 1
                raise StopUser
            if waiting.status_code == 200:  # not yet: reload when the page says, as its meta refresh does
                gevent.sleep(int(REFRESH.search(waiting.text).group(1)))
                continue
            checkout = self.send("4 checkout page", "GET", "/en/checkout")
            waiting_room = self.waiting_room(checkout)
        if queued_at is not None:
            WAITS.append(time.monotonic() - queued_at)
        if checkout.status_code != 200:  # the cart page says why: the product sold out (its line is gone)
            OUTCOMES["sent back to the cart (sold out)" if checkout.status_code == 302 else
                     f"checkout page {checkout.status_code}"] += 1
            raise StopUser
        fields = dict(HIDDEN.findall(checkout.text))
        placed = self.send("6 place order", "POST", "/en/checkout", data={**fields, **SPEC["address"]})
        if placed.status_code in (302, 303) and "/orders/" in placed.headers.get("Location", ""):
            OUTCOMES["ordered"] += 1
            ORDER_TIMES.append(time.time())
        else:
            OUTCOMES["refused at checkout (sold out)" if placed.status_code == 200 else
                     "sold out after the checkout page (waiting page)" if placed.status_code == 303 else
                     f"place order {placed.status_code}"] += 1
        raise StopUser


def percentile(values: list[float], fraction: float) -> float | None:
    """The value at `fraction` of the sorted values (None when there are none)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


def main() -> int:
    """Let the shoppers arrive, wait until each has finished (or the limit), write the summary."""
    shoppers, arrival = SPEC["shoppers"], SPEC["arrival_seconds"]
    environment = Environment(user_classes=[Shopper], events=events, host=SPEC["host"])
    runner = environment.create_local_runner()
    started = time.time()
    runner.start(shoppers, spawn_rate=shoppers / arrival)
    deadline = time.monotonic() + SPEC["limit_seconds"]
    while time.monotonic() < deadline:
        gevent.sleep(1)
        done = sum(OUTCOMES.values())
        if done >= shoppers:
            break
    # Figures first, then stop: shoppers still in a request when the limit comes are counted as unfinished.
    steps = {}
    for (name, _method), entry in sorted(environment.stats.entries.items()):
        steps[name] = {"requests": entry.num_requests, "failures": entry.num_failures,
                       "p50_ms": entry.get_response_time_percentile(0.5),
                       "p99_ms": entry.get_response_time_percentile(0.99), "max_ms": entry.max_response_time}
    result = {"started": started, "finished": time.time(), "outcomes": dict(OUTCOMES), "steps": steps,
              "unfinished": shoppers - sum(OUTCOMES.values()),
              "statuses": {f"{step} {status}": n for (step, status), n in sorted(STATUSES.items())},
              "five_xx": sum(n for (_step, status), n in STATUSES.items() if status >= 500),
              "connection_errors": sum(n for (_step, status), n in STATUSES.items() if status == 0),
              "order_times": list(ORDER_TIMES), "waits": {"shoppers": len(WAITS), "p50_s": percentile(WAITS, 0.5),
                                                          "p99_s": percentile(WAITS, 0.99)}}
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump(result, out)
    os._exit(0)  # not runner.quit(): stopping thousands of greenlets stuck in slow requests can take minutes


if __name__ == "__main__":
    sys.exit(main())

"""Holds: units of something scarce kept for one person until they pay, give them back, or the hold lapses.

What is held: product stock (the core's own, `stock.py`), festival deal units, and later lecture seats and
tourism departure seats, which features provide as holders registered at start-up (`registry.py`). A held
thing is named by a typed `HoldRef(kind, id)` (`refs.py`), stored in text columns as "kind:id".

The rules every hold follows:

- A take is one conditional UPDATE (`… SET n = n - :q WHERE id = :id AND n >= :q`, or `sold + :q <= cap`)
  whose row count says whether the units were had; nothing is read first and written after.
- Holders raise a domain error (Conflict, NotFound, ValidationError) when they cannot take or give back,
  and never commit or roll back: the use case (checkout, a payment webhook, a cancellation, the sweep)
  owns its transaction and rolls back everything it wrote when a holder refuses.
- A hold held by an unpaid order ends with the order's reservation (`Order.reserved_until`). Lapsed holds
  are given back at read time by the services that read what they hold (`lapsed.py`), so stock comes
  back with no background job running.

The lock order. Every path that takes or gives back holds of several kinds (checkout, a late payment,
a cancellation, the sweep) touches their rows in this one order, so two such paths wait for each other
instead of each holding a row the other needs (a deadlock on PostgreSQL, a busy error on SQLite):

1. products, by id;
2. festival deal units (the deal row, then the shopper's purchase row), by deal id;
3. festival seats of an experience deal on one departure, by the (deal, departure) pair's id;
4. tourism departure seats, by departure id;
5. lecture seats, by lecture id.

Holds come last in their transaction on PostgreSQL: a use case writes everything else first (checkout: the
order, its stores' parts, lines and history) and takes or settles its holds right before the commit, all of
them in one pass over the whole order (never store by store), so a row every buyer queues on is locked only
for its UPDATE and the commit. (SQLite locks the whole database from a transaction's first write to its
commit, so there checkout takes its holds first and a sold-out attempt lets go before writing more.)
A lock waited on longer than `DATABASE_LOCK_TIMEOUT` (PostgreSQL `lock_timeout`, SQLite busy timeout)
ends the request with a 503 and `Retry-After`, nothing written, never a 500.

`LOCK_ORDER` below is that list; `HoldRef.lock_key` sorts by it, and a holder may only be registered for
a kind named in it, so a new kind of hold has to take its place here first.
"""
from __future__ import annotations

# The lock order described above: products first, then each registered kind, by id within a kind.
LOCK_ORDER: tuple[str, ...] = ("product", "deal", "deal_seats", "departure", "seat")

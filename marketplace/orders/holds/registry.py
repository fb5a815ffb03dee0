"""The holders features provide for their kinds of hold (festival deal units; later seats), one per kind.

A feature registers its holder at start-up (`register_holder` in its `init_app`), so the core reaches
deal units and seats without importing the campaign. Every method works inside the caller's transaction:
it raises a domain error when it cannot do what is asked and never commits or rolls back (see the
package's docstring); the caller undoes what was written by rolling back its transaction or savepoint.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flask import Flask, current_app

from marketplace.orders.holds import LOCK_ORDER
from marketplace.orders.holds.refs import HoldRef

EXTENSION = "hold_holders"


class Holder(Protocol):
    """Takes and gives back the units of one kind of hold for a person (a shopper, an attendee)."""

    def take(self, ref: HoldRef, owner_id: int, quantity: int, at: datetime) -> None:
        """Take `quantity` units for the owner while they may be had at `at`; Conflict, NotFound or
        ValidationError when they cannot (what was written stays for the caller to roll back)."""
        ...

    def give_back(self, ref: HoldRef, owner_id: int, quantity: int, settled: bool = False) -> None:
        """Return units the owner held (`settled`: units already paid for); Conflict when they did not hold
        that many."""
        ...

    def settle(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        """The owner paid for units they held: count them as sold (nothing to do for kinds that count held
        and sold units alike)."""
        ...

    def retake(self, ref: HoldRef, owner_id: int, quantity: int) -> None:
        """Take again units the owner held before their reservation lapsed (a late payment): only what is
        left and the owner's limit count, not whether the offer is still open; Conflict when gone."""
        ...

    def why_not(self, ref: HoldRef, owner_id: int | None, at: datetime) -> str:
        """Why the owner cannot have the units (or their price) at `at`, in the page's language ("" when they can)."""
        ...


def register_holder(app: Flask, kind: str, holder: Holder) -> None:
    """Let the core take and give back holds of `kind` through `holder`; ValueError for a kind without a
    place in the lock order (products are the core's own stock, never a registered kind)."""
    if kind not in LOCK_ORDER or kind == "product":
        raise ValueError(f"hold kind {kind!r} has no place in the lock order (marketplace/orders/holds)")
    app.extensions.setdefault(EXTENSION, {})[kind] = holder


def holder_for(ref: HoldRef) -> Holder:
    """The holder registered for the reference's kind; LookupError when none is (a start-up mistake)."""
    holder = current_app.extensions.get(EXTENSION, {}).get(ref.kind)
    if holder is None:
        raise LookupError(f"no holder is registered for holds of kind {ref.kind!r}")
    return holder


def take_units(ref: HoldRef, owner_id: int, quantity: int, at: datetime) -> None:
    """Take `quantity` units of `ref` for the owner (caller's transaction); the holder's refusal otherwise."""
    holder_for(ref).take(ref, owner_id, quantity, at)


def give_back_units(ref: HoldRef, owner_id: int, quantity: int, settled: bool = False) -> None:
    """Return `quantity` units of `ref` the owner held, paid for when `settled` (caller's transaction);
    Conflict when not held."""
    holder_for(ref).give_back(ref, owner_id, quantity, settled)


def settle_units(ref: HoldRef, owner_id: int, quantity: int) -> None:
    """Count `quantity` held units of `ref` as paid for (caller's transaction); Conflict when not held."""
    holder_for(ref).settle(ref, owner_id, quantity)


def retake_units(ref: HoldRef, owner_id: int, quantity: int) -> None:
    """Take back units of `ref` for a late payment (caller's transaction); Conflict when they are gone."""
    holder_for(ref).retake(ref, owner_id, quantity)


def why_units_lapsed(ref: HoldRef, owner_id: int | None, at: datetime) -> str:
    """Why the owner no longer gets the units of `ref` or their price at `at` ("" when unknown or they do)."""
    holder = current_app.extensions.get(EXTENSION, {}).get(ref.kind)
    return holder.why_not(ref, owner_id, at) if holder is not None else ""

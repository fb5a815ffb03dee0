"""Steps of a shopper's journey told to whatever counts them: an item added to a cart, a checkout started.

The core names the moments; a feature that counts them registers its counter at start-up
(`register_funnel_counter`). Counting must cost the request next to nothing: a counter keeps the
counts in memory and writes them in batches, never a row per event on the request path. With no
counter registered, telling one is a dictionary look-up.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, current_app

ADD_TO_CART = "add_to_cart"
CHECKOUT_START = "checkout_start"

FunnelCounter = Callable[[str, Iterable[int]], None]


def register_funnel_counter(app: Flask, counter: FunnelCounter) -> None:
    """Have `counter(step, product ids)` told of every journey step in `app`."""
    app.extensions["funnel_counter"] = counter


def count_step(step: str, product_ids: Iterable[int]) -> None:
    """Tell the registered counter that `step` happened once for each of the products (nothing when none is)."""
    counter = current_app.extensions.get("funnel_counter")
    if counter is not None:
        counter(step, product_ids)

"""A waiting room for wave openings: beyond the checkouts a minute staff set for a festival, shoppers
wait their turn with a signed ticket, first come first served, and hear at once when the deals sell out."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The line's store, the gate in front of both checkouts, the waiting page and staff's settings."""
    from campaigns.festivals.waiting_room import gate, line
    from campaigns.festivals.waiting_room.views import bp

    line.init_app(app)
    gate.init_app(app)
    app.register_blueprint(bp)

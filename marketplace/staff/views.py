"""The staff home: what waits for staff, the campaign's panels and every staff area."""
from __future__ import annotations

from flask import Blueprint, render_template

from marketplace.accounts.auth import staff_required
from marketplace.staff import registry

bp = Blueprint("staff_home", __name__, url_prefix="/<lang:lang_code>/staff")


@bp.get("/")
@staff_required
def home() -> str:
    """Counts of pending work, each linking to its queue, then the registered panels."""
    return render_template("staff/home.html", pending=registry.pending_work(), panels=registry.staff_panels())

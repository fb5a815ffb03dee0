"""Festivals in the back office: the staff and vendor menus, entries awaiting approval, live and next festivals."""
from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from campaigns.festivals import phases
from campaigns.festivals.display import festival_name
from campaigns.festivals.models import Deal, DealStatus, Festival
from campaigns.festivals.phases import Phase
from marketplace.core import clock
from marketplace.core.i18n import current_language
from marketplace.extensions import db
from marketplace.staff.registry import (
    BackOfficeArea,
    PendingWork,
    StaffPanel,
    register_pending_work,
    register_staff_area,
    register_staff_panel,
    register_vendor_area,
)

LIVE = (Phase.LIVE, Phase.INTERVAL, Phase.PAUSED)
COMING = (Phase.SCHEDULED, Phase.REGISTRATION, Phase.CURATION, Phase.WARM_UP)


def entries_awaiting_approval() -> list[PendingWork]:
    """Proposed festival entries, one count per festival linking to its entries page (or one zero)."""
    rows = db.session.execute(
        select(Deal.festival_id, func.count(Deal.id)).where(Deal.status == DealStatus.PROPOSED)
        .group_by(Deal.festival_id).order_by(Deal.festival_id)
    ).all()
    if not rows:
        return [PendingWork("festival-entries", _("Festival entries to approve"), 0,
                            url_for("festival_staff.calendar"), 30)]
    language = current_language().code
    work = []
    for festival_id, count in rows:
        festival = db.session.get(Festival, festival_id)
        work.append(PendingWork(
            f"festival-entries-{festival_id}",
            _("Festival entries to approve: %(festival)s", festival=festival_name(festival, language).text),
            count, url_for("festival_staff.entries_page", festival_id=festival_id), 30,
        ))
    return work


def live_and_next() -> dict[str, Any]:
    """The festivals live now and the next one to come, for the staff home."""
    now = clock.now()
    live, coming = [], []
    for festival in db.session.scalars(select(Festival).order_by(Festival.registration_opens_at, Festival.id)):
        phase = phases.phase_at(festival, now)
        if phase in LIVE:
            live.append((festival, phase))
        elif phase in COMING:
            coming.append((festival, phase))
    coming.sort(key=lambda pair: (pair[0].starts_at or clock.to_utc(pair[0].warmup_starts_at), pair[0].id))
    return {"live_festivals": live, "next_festival": coming[0] if coming else None}


def init_app(app: Flask) -> None:
    """Put festivals in both back-office menus and on the staff home."""
    register_staff_area(app, BackOfficeArea("festivals", _l("Festivals"), "festival_staff.calendar", 30))
    register_vendor_area(app, BackOfficeArea("festivals", _l("Festivals"), "festival_vendor.index", 30))
    register_pending_work(app, entries_awaiting_approval)
    register_staff_panel(app, StaffPanel("festivals/staff/_home_panel.html", live_and_next, 20))

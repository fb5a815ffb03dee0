"""Telling approved vendors, once per festival and in each store's language, that registration opened.

A festival is claimed by a conditional UPDATE (`registration_announced_at IS NULL`) before any e-mail
goes out, so two runs at once cannot both announce it.
"""
from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from campaigns.festivals.display import festival_name
from campaigns.festivals.models import Festival
from campaigns.festivals.scheduling import utc_to_local
from marketplace.core import clock
from marketplace.core.clock import to_utc
from marketplace.extensions import db
from marketplace.vendors.emails import page_link, send_to_store
from marketplace.vendors.models import Store, StoreStatus

log = logging.getLogger(__name__)


def _announce(festival: Festival, store: Store) -> bool:
    language = store.original_language
    with force_locale(language):
        name = festival_name(festival, language).text
        closes = utc_to_local(to_utc(festival.registration_closes_at), festival.time_zone).strftime("%Y-%m-%d %H:%M")
        subject = _("%(festival)s is open for your entries", festival=name)
        parts = [
            _("Registration for %(festival)s is open: enter your products with a festival price and a quantity.",
              festival=name),
            _("Entries close at %(time)s (%(zone)s).", time=closes, zone=festival.time_zone),
        ]
        link = page_link("festival_vendor.index", language)
        if link:
            parts.append(_("Festivals: %(link)s", link=link))
        return send_to_store(store, str(subject), [str(p) for p in parts])


def announce_open_registrations(at: datetime | None = None) -> int:
    """E-mail every approved store about each festival whose registration is open and not yet announced;
    returns how many festivals were announced."""
    at = at or clock.now()
    festivals = list(db.session.scalars(select(Festival).where(
        Festival.registration_announced_at.is_(None), Festival.registration_opens_at <= at,
        Festival.registration_closes_at > at).order_by(Festival.id)))
    announced = 0
    for festival in festivals:
        claimed = db.session.execute(update(Festival).where(
            Festival.id == festival.id, Festival.registration_announced_at.is_(None)
        ).values(registration_announced_at=at)).rowcount
        db.session.commit()
        if not claimed:
            continue  # another run took it
        stores = db.session.scalars(select(Store).where(Store.status == StoreStatus.APPROVED).order_by(Store.id))
        for store in stores:
            _announce(festival, store)
        announced += 1
    return announced

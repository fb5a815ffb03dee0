"""What deal states and festival phases are called on pages, in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaigns.festivals.models import DealStatus
from campaigns.festivals.phases import Phase
from marketplace.core.labels import register_labels

DEAL_STATUS_LABELS = {
    DealStatus.PROPOSED: _l("Awaiting review"),
    DealStatus.APPROVED: _l("Approved"),
    DealStatus.REJECTED: _l("Rejected"),
    DealStatus.WITHDRAWN: _l("Withdrawn"),
}
PHASE_LABELS = {
    Phase.SCHEDULED: _l("Scheduled"),
    Phase.REGISTRATION: _l("Vendor registration"),
    Phase.CURATION: _l("Curation"),
    Phase.WARM_UP: _l("Warm-up"),
    Phase.LIVE: _l("Live now"),
    Phase.INTERVAL: _l("Between waves"),
    Phase.PAUSED: _l("Paused"),
    Phase.ENDED: _l("Ended"),
}


def register_festival_labels() -> None:
    """Make the labels of deal states and festival phases what `|label` writes."""
    register_labels(DealStatus, DEAL_STATUS_LABELS)
    register_labels(Phase, PHASE_LABELS)

"""The festival the home page puts first: the live one, else the next to open, with a strip of its deals."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from campaigns.festivals import phases, reminders
from campaigns.festivals.display import DealCard, deal_cards
from campaigns.festivals.models import Festival, Wave
from campaigns.festivals.phases import Countdown, Phase
from marketplace.accounts.models import User
from marketplace.extensions import db

# Live waves first, then festivals between waves, then the next festival in warm-up; a paused one is skipped.
RANK = {Phase.LIVE: 0, Phase.INTERVAL: 1, Phase.WARM_UP: 2}
STRIP_SIZE = 8


@dataclass(frozen=True)
class HomeFestival:
    """A festival as the home page's hero shows it."""

    festival: Festival
    phase: Phase
    countdown: Countdown | None
    cards: list[DealCard]
    waves: int


def home_festival(shopper: User | None, language: str | Sequence[str], at: datetime, strip_size: int = STRIP_SIZE
                  ) -> HomeFestival | None:
    """The live festival (else the next one in warm-up) at `at` with its first deals, on sale ones first;
    None when no festival is open to shoppers or coming."""
    candidates = db.session.scalars(
        select(Festival).join(Wave, Wave.festival_id == Festival.id)
        .where(Festival.warmup_starts_at <= at, Wave.ends_at > at).distinct()
    ).all()
    ranked = []
    for festival in candidates:
        phase = phases.phase_at(festival, at)
        countdown = phases.countdown_at(festival, at)
        if phase in RANK and countdown is not None:
            ranked.append((RANK[phase], countdown.target, festival.id, festival, phase, countdown))
    if not ranked:
        return None
    _rank, _target, _id, festival, phase, countdown = min(ranked, key=lambda row: row[:3])
    cards = deal_cards(festival, shopper, language, at, reminders.saved_deal_ids(shopper, festival), first=strip_size)
    return HomeFestival(festival, phase, countdown, cards, len(festival.waves))

"""A festival's phase at an instant, derived from its schedule and the clock, never stored.

Pure functions over plain values, so they are tested without a database. Windows are half-open:
a phase that starts at T is in force at T, and the one before it ends at T.
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from marketplace.core.clock import to_utc


class Phase(enum.StrEnum):
    SCHEDULED = "scheduled"  # before vendor registration opens
    REGISTRATION = "registration"
    CURATION = "curation"
    WARM_UP = "warm_up"
    LIVE = "live"  # a wave is open
    INTERVAL = "interval"  # between two waves
    PAUSED = "paused"
    ENDED = "ended"


SHOPPER_VISIBLE = frozenset({Phase.WARM_UP, Phase.LIVE, Phase.INTERVAL, Phase.PAUSED, Phase.ENDED})


class WindowLike(Protocol):
    starts_at: datetime
    ends_at: datetime


class ScheduleLike(Protocol):
    registration_opens_at: datetime
    registration_closes_at: datetime
    warmup_starts_at: datetime
    paused_at: datetime | None
    waves: Sequence[WindowLike]


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime

    def contains(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def window(wave: WindowLike) -> Window:
    """The wave's window as aware UTC instants (SQLite hands back naive ones)."""
    return Window(to_utc(wave.starts_at), to_utc(wave.ends_at))


def current_wave_index(waves: Sequence[WindowLike], at: datetime) -> int | None:
    """The index of the wave open at `at`, or None."""
    for index, wave in enumerate(waves):
        if window(wave).contains(at):
            return index
    return None


def phase_at(festival: ScheduleLike, at: datetime) -> Phase:
    """The festival's phase at `at` (aware)."""
    windows = sorted((window(w) for w in festival.waves), key=lambda w: w.starts_at)
    if at < to_utc(festival.registration_opens_at):
        return Phase.SCHEDULED
    if at < to_utc(festival.registration_closes_at):
        return Phase.REGISTRATION
    if at < to_utc(festival.warmup_starts_at):
        return Phase.CURATION
    if not windows or at < windows[0].starts_at:
        return Phase.WARM_UP
    if at >= max(w.ends_at for w in windows):
        return Phase.ENDED
    if festival.paused_at is not None and to_utc(festival.paused_at) <= at:
        return Phase.PAUSED
    if any(w.contains(at) for w in windows):
        return Phase.LIVE
    return Phase.INTERVAL


def next_boundary(festival: ScheduleLike, at: datetime) -> datetime | None:
    """The next instant after `at` at which the phase changes (what a countdown counts to)."""
    instants = [to_utc(festival.registration_opens_at), to_utc(festival.registration_closes_at),
                to_utc(festival.warmup_starts_at)]
    for wave in festival.waves:
        instants += [to_utc(wave.starts_at), to_utc(wave.ends_at)]
    later = sorted(i for i in instants if i > at)
    return later[0] if later else None


def deal_is_live(festival: ScheduleLike, wave: WindowLike, at: datetime) -> bool:
    """Whether a deal of `wave` may be sold at `at`: its wave is open and the festival is not paused."""
    if not window(wave).contains(at):
        return False
    return festival.paused_at is None or at < to_utc(festival.paused_at)


@dataclass(frozen=True)
class Countdown:
    """What a shopper's countdown counts to: the end of the open wave, or the opening of wave `wave`."""

    ends: bool  # True: the open wave ends at `target`; False: wave number `wave` opens at `target`
    wave: int  # 1-based number of the wave concerned
    target: datetime


def countdown_at(festival: ScheduleLike, at: datetime) -> Countdown | None:
    """The end of the wave open at `at`, else the next wave's opening; None when paused or no wave is ahead.

    Registration and warm-up instants are staff milestones: a shopper's countdown never counts to them.
    """
    if festival.paused_at is not None and to_utc(festival.paused_at) <= at:
        return None
    windows = sorted((window(w) for w in festival.waves), key=lambda w: w.starts_at)
    for number, wave in enumerate(windows, start=1):
        if wave.contains(at):
            return Countdown(True, number, wave.ends_at)
        if wave.starts_at > at:
            return Countdown(False, number, wave.starts_at)
    return None

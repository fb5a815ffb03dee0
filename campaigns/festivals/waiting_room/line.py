"""Where a wave's waiting line is kept: Redis when `REDIS_URL` is set (one line for every instance), else
the database (one line for every process of the machine, or of every machine sharing the database).

The line is a rate, not a list: it remembers the next free admission instant, and each arrival takes
`max(next, now)` and moves it on by one interval (the generic cell rate algorithm). So shoppers are let
through at the staff's rate, in the order they arrived, without a job that calls them; and a shopper who
comes while the line is empty takes the present instant and goes straight through.

Each shopper holds one place per wave (`take_place`): asking again (another tab, a client that drops its
ticket) finds the place they hold until it has admitted them for its whole admission time, so nobody
can stretch the line for the others; the place is let go when its ticket buys the checkout.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import case, delete, update
from sqlalchemy.exc import IntegrityError

from campaigns.festivals.waiting_room.models import SpentTicket, WaitingLine, WaitingPlace
from marketplace.extensions import db

# Kept in Redis for a day after their last use: no line or ticket lives longer than a wave's open day.
REDIS_TTL_MS = 24 * 3600 * 1000
TAKE_SLOT_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local keep = tonumber(ARGV[4])
local held = redis.call('GET', KEYS[2])
if held and tonumber(held) + keep > now then
  return tonumber(held)
end
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
redis.call('SET', KEYS[1], slot + interval, 'PX', ARGV[3])
redis.call('SET', KEYS[2], slot, 'PX', slot - now + keep)
return slot
"""


class WaitingLineStore(Protocol):
    """A wave's line and the used tickets, behind one small interface for both backends."""

    def take_place(self, wave_id: int, shopper_id: int, now_ms: int, interval_ms: int, keep_ms: int) -> int:
        """The admission instant (ms) of the shopper's place in the wave's line: the one they hold while it
        is younger than `keep_ms` past its instant, else a new one, `max(next free, now)`."""
        ...

    def let_go(self, wave_id: int, shopper_id: int) -> None:
        """Forget the shopper's place in the wave's line (their checkout is placed)."""
        ...

    def spend(self, ticket_id: str, expires_at: datetime) -> bool:
        """Record the ticket as used; False when it was used already."""
        ...

    def was_spent(self, ticket_id: str) -> bool:
        """Whether the ticket has been recorded as used."""
        ...


class DatabaseLine:
    """The line as a row per wave, moved on by one conditional UPDATE (the row's lock orders arrivals), and
    a row per shopper holding a place."""

    def take_place(self, wave_id: int, shopper_id: int, now_ms: int, interval_ms: int, keep_ms: int) -> int:
        """The shopper's place in the wave's line: the one held while still good, else a new one."""
        held = db.session.get(WaitingPlace, (wave_id, shopper_id), populate_existing=True)
        if held is not None and held.admit_at_ms + keep_ms > now_ms:
            return held.admit_at_ms
        slot = self.take_slot(wave_id, now_ms, interval_ms)
        try:
            db.session.execute(delete(WaitingPlace).where(WaitingPlace.wave_id == wave_id,
                                                          WaitingPlace.shopper_id == shopper_id))
            db.session.add(WaitingPlace(wave_id=wave_id, shopper_id=shopper_id, admit_at_ms=slot))
            db.session.commit()
        except IntegrityError:  # the same shopper's other request placed them a moment ago: keep that place
            db.session.rollback()
            held = db.session.get(WaitingPlace, (wave_id, shopper_id), populate_existing=True)
            return held.admit_at_ms if held is not None else slot
        return slot

    def let_go(self, wave_id: int, shopper_id: int) -> None:
        """Forget the shopper's place in the wave's line."""
        db.session.execute(delete(WaitingPlace).where(WaitingPlace.wave_id == wave_id,
                                                      WaitingPlace.shopper_id == shopper_id))
        db.session.commit()

    def take_slot(self, wave_id: int, now_ms: int, interval_ms: int) -> int:
        """Take the next admission instant (ms) of the wave's line, in a transaction of its own."""
        moved = (update(WaitingLine).where(WaitingLine.wave_id == wave_id)
                 .values(next_slot_ms=case((WaitingLine.next_slot_ms > now_ms, WaitingLine.next_slot_ms),
                                           else_=now_ms) + interval_ms)
                 .returning(WaitingLine.next_slot_ms))
        try:
            following = db.session.execute(moved).scalar_one_or_none()
            if following is None:  # the wave's first arrival opens its line
                try:
                    with db.session.begin_nested():
                        db.session.add(WaitingLine(wave_id=wave_id, next_slot_ms=now_ms + interval_ms))
                    following = now_ms + interval_ms
                except IntegrityError:  # another process opened it at the same moment
                    following = db.session.execute(moved).scalar_one()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return following - interval_ms

    def spend(self, ticket_id: str, expires_at: datetime) -> bool:
        """Record the ticket as used (and forget tickets that expired); False when it was used already."""
        from marketplace.core import clock

        try:
            db.session.execute(delete(SpentTicket).where(SpentTicket.expires_at < clock.now()))
            with db.session.begin_nested():
                db.session.add(SpentTicket(ticket_id=ticket_id, expires_at=expires_at))
            db.session.commit()
        except IntegrityError:
            db.session.commit()
            return False
        except Exception:
            db.session.rollback()
            raise
        return True


    def was_spent(self, ticket_id: str) -> bool:
        """Whether the ticket has been recorded as used."""
        return db.session.get(SpentTicket, ticket_id) is not None


class RedisLine:
    """The line as a Redis key per wave, moved on by a script (Redis runs one at a time)."""

    def __init__(self, url: str, prefix: str) -> None:
        from marketplace.core.jobs import redis_client

        self.client = redis_client(url)
        self.prefix = prefix
        self.script = self.client.register_script(TAKE_SLOT_SCRIPT)

    def take_place(self, wave_id: int, shopper_id: int, now_ms: int, interval_ms: int, keep_ms: int) -> int:
        """The shopper's place in the wave's line; redis.RedisError when Redis cannot answer."""
        keys = [f"{self.prefix}line:{wave_id}", f"{self.prefix}place:{wave_id}:{shopper_id}"]
        return int(self.script(keys=keys, args=[now_ms, interval_ms, REDIS_TTL_MS, keep_ms]))

    def let_go(self, wave_id: int, shopper_id: int) -> None:
        """Forget the shopper's place in the wave's line."""
        self.client.delete(f"{self.prefix}place:{wave_id}:{shopper_id}")

    def spend(self, ticket_id: str, expires_at: datetime) -> bool:
        """Record the ticket as used until it expires; False when it was used already."""
        from marketplace.core import clock

        keep_ms = max(1000, int((expires_at - clock.now()).total_seconds() * 1000))
        return bool(self.client.set(f"{self.prefix}spent:{ticket_id}", "1", nx=True, px=keep_ms))

    def was_spent(self, ticket_id: str) -> bool:
        """Whether the ticket has been recorded as used."""
        return bool(self.client.exists(f"{self.prefix}spent:{ticket_id}"))


def init_app(app: Flask) -> None:
    """Choose the line's store from the configuration: Redis with `REDIS_URL`, else the database."""
    url = app.config.get("REDIS_URL")
    prefix = app.config.get("WAITING_ROOM_KEY_PREFIX", "srm:waiting:")
    app.extensions["waiting_line"] = RedisLine(url, prefix) if url else DatabaseLine()


def waiting_line() -> WaitingLineStore:
    """The application's line store."""
    return current_app.extensions["waiting_line"]

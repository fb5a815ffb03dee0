"""The database side of the waiting room: each wave's next admission slot, shoppers' places, used tickets.

Used only without Redis (with `REDIS_URL` both live in Redis, shared by every instance); the database
is shared by every process of one machine, so the line stays first come, first served there too.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db


class WaitingLine(db.Model):
    """The next free admission instant (milliseconds since the epoch) of one wave's waiting room."""

    __tablename__ = "festival_waiting_lines"

    wave_id: Mapped[int] = mapped_column(ForeignKey("festival_waves.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    next_slot_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class WaitingPlace(db.Model):
    """The place one shopper holds in one wave's line: their admission instant (ms since the epoch)."""

    __tablename__ = "festival_waiting_places"

    wave_id: Mapped[int] = mapped_column(ForeignKey("festival_waves.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    shopper_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    admit_at_ms: Mapped[int] = mapped_column(BigInteger)


class SpentTicket(db.Model):
    """An admission ticket that has bought its checkout: presenting it again is refused until it expires."""

    __tablename__ = "festival_spent_tickets"

    ticket_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

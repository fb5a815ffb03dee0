"""A shopper's saved delivery addresses, with the Latin-letter version a carrier's label needs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core import clock
from marketplace.extensions import db


class SavedAddress(db.Model):
    """One address of a shopper's address book, picked at checkout."""

    __tablename__ = "saved_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40), default="")  # the shopper's name for it: "Home", "Office"
    recipient_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    country_code: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(80), default="")
    city: Mapped[str] = mapped_column(String(80))
    address_line: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    recipient_name_latin: Mapped[str] = mapped_column(String(120), default="")
    region_latin: Mapped[str] = mapped_column(String(80), default="")
    city_latin: Mapped[str] = mapped_column(String(80), default="")
    address_line_latin: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

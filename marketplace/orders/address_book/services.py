"""A shopper's address book: add, change and remove delivery addresses, checked by the same rules as
checkout (Latin-letter label version included); another shopper's address is NotFound."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.orders.address_book.models import SavedAddress
from marketplace.orders.addresses import REMEMBERED_FIELDS
from marketplace.orders.checkout import Destination, check_destination

MAX_ADDRESSES = 20
MAX_LABEL = 40


def saved_addresses(shopper: User) -> list[SavedAddress]:
    """The shopper's addresses, oldest first."""
    return list(db.session.scalars(select(SavedAddress).where(SavedAddress.user_id == shopper.id)
                                   .order_by(SavedAddress.id)))


def find_address(shopper: User, address_id: int) -> SavedAddress | None:
    """The shopper's address `address_id`, or None when it is not theirs or does not exist."""
    address = db.session.get(SavedAddress, address_id)
    return address if address is not None and address.user_id == shopper.id else None


def owned_address(shopper: User, address_id: int) -> SavedAddress:
    """The shopper's address `address_id`; NotFound when it is another shopper's or none."""
    address = find_address(shopper, address_id)
    if address is None:
        raise NotFound(_("There is no such address in your address book."))
    return address


def check_address(fields: Mapping[str, str]) -> dict[str, str]:
    """The cleaned label and address; ValidationError naming every bad field (the checkout's rules)."""
    label = " ".join(str(fields.get("label") or "").split())
    errors = {}
    if len(label) > MAX_LABEL:
        errors["label"] = _("Use at most %(count)d characters.", count=MAX_LABEL)
    destination = Destination(**{name: str(fields.get(name) or "") for name in REMEMBERED_FIELDS})
    try:
        clean = check_destination(destination, needs_address=True, needs_travellers=False, today=clock.now().date())
    except ValidationError as refused:
        raise ValidationError(refused.message, {**refused.fields, **errors}) from refused
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    return {"label": label, **{name: clean[name] for name in REMEMBERED_FIELDS}}


def save_address(shopper: User, fields: Mapping[str, str], address_id: int | None = None) -> SavedAddress:
    """Add an address to the shopper's book (or change `address_id`); ValidationError for a bad field or a
    full book, NotFound for another shopper's address."""
    address = owned_address(shopper, address_id) if address_id is not None else None
    clean = check_address(fields)
    if address is None:
        count = db.session.scalar(select(func.count()).select_from(SavedAddress)
                                  .where(SavedAddress.user_id == shopper.id))
        if count >= MAX_ADDRESSES:
            raise ValidationError(_("Your address book holds at most %(count)d addresses. Remove one first.",
                                    count=MAX_ADDRESSES))
        address = SavedAddress(user_id=shopper.id)
        db.session.add(address)
    for name, value in clean.items():
        setattr(address, name, value)
    db.session.commit()
    return address


def delete_address(shopper: User, address_id: int) -> None:
    """Remove one of the shopper's addresses (orders keep the address they were sent to)."""
    db.session.delete(owned_address(shopper, address_id))
    db.session.commit()

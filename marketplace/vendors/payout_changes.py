"""Where an approved store is paid: changed only with the owner's password, told to the owner, held for staff.

An approved store earns money, so its payout details are what someone who takes over the account
would change first. A change therefore needs the password again (counted like any wrong password),
is e-mailed to the store's owner in the store's language, and holds the store's settlements
(`vendors/payables.py` refuses to settle it) until campaign staff confirm the new details on the
store's page. Staff confirm exactly the details they saw: a change made meanwhile is not confirmed.
"""
from __future__ import annotations

import hashlib

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied
from marketplace.extensions import db
from marketplace.mail import Message
from marketplace.mail.queue import deliver_or_log
from marketplace.vendors.models import PayoutMethod, Store

stores = Store.__table__


def payout_details_digest(store: Store) -> str:
    """A short fingerprint of the store's payout details: what a staff page was showing."""
    method = store.payout_method.value if store.payout_method else ""
    text = "\x1f".join([method, store.payout_provider, store.payout_account_name, store.payout_account_number])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def payout_details_differ(store: Store, method: PayoutMethod, provider: str, account_name: str, number: str) -> bool:
    """True when these details are not the ones the store holds."""
    return (store.payout_method, store.payout_provider, store.payout_account_name,
            store.payout_account_number) != (method, provider, account_name, number)


def hold_settlements(store: Store) -> None:
    """Mark the store's payout details as changed and unconfirmed (caller's transaction)."""
    store.payout_changed_at = clock.now()
    store.payout_confirmed_at = None
    store.payout_confirmed_by_id = None


def tell_owner_payout_changed(store: Store) -> bool:
    """E-mail the store's owner, in the store's language, that its payout details changed; False when not sent."""
    owner = store.owner
    if owner is None:
        return False
    language = store.original_language
    with force_locale(language):
        subject = _("The payout details of %(store)s were changed", store=store.name)
        body = "\n\n".join([
            _("The details of where %(store)s is paid were changed. The account now ends in %(last4)s.",
              store=store.name, last4=store.payout_account_number[-4:]),
            _("Campaign staff check new payout details before any money is sent to them; until then "
              "payments to your store wait."),
            _("If you did not make this change, change your password now and tell campaign staff."),
        ])
        message = Message(owner.email, str(subject), body, language)
    # The change is saved and held whether or not this is sent; staff see it on the store page.
    return deliver_or_log(message, f"payout change notice for store {store.id}")


def confirm_payout_details(staff: User, store_id: int, seen_digest: str) -> Store:
    """Staff confirm the store's new payout details (the ones whose digest their page showed), so its
    settlements resume; PermissionDenied, NotFound, Conflict when nothing waits for confirmation or the
    details changed again since the page was opened (then nothing is confirmed)."""
    if not staff.is_staff:
        raise PermissionDenied(_("Only campaign staff can review vendors."))
    store = db.session.get(Store, store_id)
    if store is None:
        raise NotFound(_("There is no such store."))
    if not store.payout_on_hold:
        raise Conflict(_("These payout details are already confirmed."))
    if seen_digest != payout_details_digest(store):
        raise Conflict(_("The payout details changed again since you opened this page. Check them again."))
    confirmed = db.session.execute(
        update(stores).where(
            stores.c.id == store.id, stores.c.payout_changed_at.is_not(None),
            stores.c.payout_method == store.payout_method,
            stores.c.payout_provider == store.payout_provider,
            stores.c.payout_account_name == store.payout_account_name,
            stores.c.payout_account_number == store.payout_account_number,
        ).values(payout_changed_at=None, payout_confirmed_at=clock.now(), payout_confirmed_by_id=staff.id)
    ).rowcount
    if not confirmed:
        db.session.rollback()
        raise Conflict(_("The payout details changed again since you opened this page. Check them again."))
    db.session.commit()
    db.session.refresh(store)
    return store

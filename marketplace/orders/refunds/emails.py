"""The e-mail telling a shopper, in their language, that money is coming back to them."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from marketplace.mail import Message
from marketplace.mail.queue import deliver_or_log
from marketplace.orders.refunds.models import Refund, RefundState

ABOUT = "refund e-mail"


def refund_sent(refund: Refund) -> bool:
    """Tell the shopper how much of which order comes back, why, and how it reaches them (after the commit)."""
    order = refund.order
    language = order.language
    with force_locale(language):
        amount = refund.money.format(language)
        subject = _("Order %(reference)s: %(amount)s refunded", reference=order.reference, amount=amount)
        if refund.vendor_order is not None:
            what = _("We are refunding %(amount)s of your order %(reference)s (%(store)s).", amount=amount,
                     reference=order.reference, store=refund.vendor_order.store.name)
        else:
            what = _("We are refunding %(amount)s of your order %(reference)s.", amount=amount,
                     reference=order.reference)
        if refund.state == RefundState.TO_PAY_OUT:
            how = _("You paid on delivery: campaign staff will pay it back to you in cash or by mobile money, "
                    "and contact you at %(phone)s to arrange it.", phone=order.phone or order.email)
        else:
            how = _("It goes back to the card or account you paid with. Your bank may take 5 to 10 working days "
                    "to show it.")
        body = "\n\n".join([what, _("Reason: %(reason)s", reason=refund.reason), how])
        message = Message(order.email or order.shopper.email, str(subject), body, language)
        return deliver_or_log(message, ABOUT)

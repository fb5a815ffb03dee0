"""E-mails to a vendor about its store and products, written in the store's language.

They are sent after the decision is committed, through the job queue when there is one (mail/queue.py);
a mail failure is logged and never undoes the decision.
"""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.services import localized
from marketplace.core.site import page_link
from marketplace.mail import Message
from marketplace.mail.queue import deliver_or_log
from marketplace.vendors.models import Store, StoreStatus


def send_to_store(store: Store, subject: str, paragraphs: list[str]) -> bool:
    """Send the owner of `store` one message (already in the store's language); whether it was handed on."""
    if store.owner is None:
        return False
    message = Message(store.owner.email, subject, "\n\n".join(p for p in paragraphs if p), store.original_language)
    return deliver_or_log(message, "vendor e-mail")


def application_decided(store: Store, holds_campaign_slot: bool = False) -> bool:
    """Tell the vendor that its application was approved, sent back for changes or rejected (with the reason)."""
    language = store.original_language
    with force_locale(language):
        link = page_link("vendors.application", language)
        if store.status == StoreStatus.APPROVED:
            subject = _("%(store)s is approved on Silk Road Market", store=store.name)
            parts = [
                _("Good news: campaign staff approved %(store)s. Your store is now public.", store=store.name),
                _("It is one of the campaign's 100 stores.") if holds_campaign_slot else "",
                _("Add your products with photos and prices; staff review each product before it is published."),
                link and _("Your store: %(link)s", link=page_link("vendor_products.index", language)),
            ]
        elif store.status == StoreStatus.CHANGES_REQUESTED:
            subject = _("%(store)s: campaign staff ask for changes", store=store.name)
            parts = [
                _("Campaign staff reviewed %(store)s and ask you to change this before they can approve it:",
                  store=store.name),
                store.review_note,
                _("Change your application and submit it again."),
                link and _("Your application: %(link)s", link=link),
            ]
        elif store.status == StoreStatus.REJECTED:
            subject = _("%(store)s was not approved", store=store.name)
            parts = [
                _("Campaign staff reviewed %(store)s and could not approve it, for this reason:", store=store.name),
                store.review_note,
                link and _("Your application: %(link)s", link=link),
            ]
        else:
            return False
        return send_to_store(store, str(subject), [str(p) for p in parts])


def product_decided(product: Product) -> bool:
    """Tell the vendor that one of its products was published or sent back (with the reason)."""
    store = product.store
    language = store.original_language
    with force_locale(language):
        name = localized(product.texts, language, product.original_language, "name").text
        link = page_link("vendor_products.edit", language, product_id=product.id)
        if product.status != ProductStatus.PUBLISHED:
            subject = _("Sent back: %(product)s", product=name)
            parts = [
                _("Campaign staff did not publish %(product)s, for this reason:", product=name),
                product.review_note,
                _("Change the product and ask for review again."),
            ]
        else:
            subject = _("Published: %(product)s", product=name)
            parts = [_("Campaign staff approved %(product)s. Shoppers can now find and buy it.", product=name)]
        if link:
            parts.append(_("The product: %(link)s", link=link))
        return send_to_store(store, str(subject), [str(p) for p in parts])

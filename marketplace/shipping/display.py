"""Shipping as a product page tells it: what this store charges to send one unit to the shopper's
destination and how long it takes, or that it does not ship there, and the duties note."""
from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.catalog.currency import DisplayPrices
from marketplace.catalog.models import Product
from marketplace.catalog.services import country_name
from marketplace.orders.pricing import free_shipping_sources, quote_price
from marketplace.shipping.quotes import Parcel, StoreShipping, load_profiles, quote_store_shipping


def product_shipping(
    product: Product, destination: str, shopper: User | None, language: str, prices: DisplayPrices,
) -> StoreShipping | None:
    """The store's shipping of one unit of `product` to `destination`, its options also in `prices`' display
    currency (None for experiences, or without a destination)."""
    if not destination or product.is_experience:
        return None
    quote = quote_price(product, shopper)
    source = quote.offer.source if quote.offer is not None else ""
    free_by = source if source and source in free_shipping_sources({source}) else ""
    parcel = Parcel(product.weight_grams, () if product.weight_grams else (product.slug,), (quote.price,))
    zones = load_profiles([product.store_id]).get(product.store_id, [])
    shipping = quote_store_shipping(zones, destination, parcel, None, prices.rates, product.store.name,
                                    country_name(destination, language), free_by)
    shipping.shown = {option.method_id: (prices.as_charged(option.price), prices.as_charged(option.regular))
                      for option in shipping.options}
    return shipping

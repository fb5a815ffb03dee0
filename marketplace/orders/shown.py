"""An order written in the shopper's display currency, by the rule of `catalog/currency.py`: each
line's charged unit price (locked at checkout) converted once, lines as that figure times the quantity,
and subtotals and the total as the sums of the lines shown."""
from __future__ import annotations

from dataclasses import dataclass

from marketplace.catalog.currency import DisplayPrices, RateTable, Shown, add_up
from marketplace.core.money import Money
from marketplace.orders.models import Order


@dataclass(frozen=True)
class ShownOrder:
    """The amounts of one order as its shopper sees them: by order line id and by vendor order id."""

    units: dict[int, Shown]
    lines: dict[int, Shown]
    subtotals: dict[int, Shown]
    total: Shown
    shipping: dict[int, Shown]  # by vendor order id, for the parts that locked a shipping method

    @property
    def approximate(self) -> bool:
        """Whether the amounts are conversions from the currency the order was charged in."""
        return self.total.approximate


def show_order(order: Order, display_currency: str | None, rates: RateTable) -> ShownOrder:
    """The order's amounts in `display_currency` (None: the currency it was charged in)."""
    prices = DisplayPrices(display_currency, order.currency, rates)
    units, lines, subtotals, shipping = {}, {}, {}, {}
    for vendor_order in order.vendor_orders:
        for line in vendor_order.lines:
            units[line.id] = prices.charged(Money(line.charge_unit_amount, order.currency))
            lines[line.id] = units[line.id].times(line.quantity)
        if vendor_order.shipping_kind:
            shipping[vendor_order.id] = prices.charged(vendor_order.shipping)
        subtotals[vendor_order.id] = add_up([*(lines[line.id] for line in vendor_order.lines),
                                             *filter(None, [shipping.get(vendor_order.id)])], prices.target)
    total = add_up(subtotals.values(), prices.target)
    return ShownOrder(units, lines, subtotals, total, shipping)

"""Back-office order pages: vendors fulfil their own vendor orders; staff see all orders, refund and settle payables."""

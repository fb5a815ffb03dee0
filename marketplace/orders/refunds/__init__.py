"""Refunds that send money back: one `Refund` per request against a paid vendor order (or, for money no
vendor order holds, against the order), sent through the payment gateway and followed to the end.

`services.py` records and sends them (the plain functions other features call), `sync.py` applies
what the gateway says of them (its answer, webhooks, re-reads), `views.py` holds the staff buttons.
"""

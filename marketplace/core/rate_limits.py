"""Who a rate limit counts: the signed-in person where there is one, else the client's address.

The address is the one the trusted proxies report (marketplace/core/proxy.py), so behind nginx each
visitor has a count of their own instead of every visitor sharing nginx's. Counts live in Redis with
`REDIS_URL` (shared by every worker and machine), else in each worker's memory.
"""
from __future__ import annotations

from flask import request
from flask_login import current_user


def rate_limit_key() -> str:
    """The signed-in user's id ("user:42"), else the client's address after the trusted proxies ("addr:…")."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr or '127.0.0.1'}"

"""Wrong passwords counted per account in the database, so every way in and every worker share one limit.

The web log-in, `POST /api/v1/auth/token`, the password change and re-entering the password for a
payout change all check a password through `check_guarded`. Each attempt is written (and committed)
before the password is looked at, then counted: concurrent guesses see each other's rows, so no more
than the limit get through however many arrive at once. A right password takes its row away again:
only wrong ones count. The limits are `LOGIN_RATE_LIMIT` ("10 per minute;50 per hour"); an unknown
e-mail address is counted like a known one, so the limit says nothing about which accounts exist.
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from flask import current_app
from flask_babel import ngettext
from limits import parse_many
from sqlalchemy import delete, func, select

from marketplace.accounts.models import FailedPassword
from marketplace.core import clock
from marketplace.core.errors import DomainError
from marketplace.extensions import db

T = TypeVar("T")
rows = FailedPassword.__table__


class TooManyAttempts(DomainError):
    """Too many wrong passwords for this account lately; `retry_after` seconds until the next is counted."""

    code = "too_many_attempts"
    status = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(ngettext(
            "Too many wrong passwords for this account. Try again in %(num)d minute.",
            "Too many wrong passwords for this account. Try again in %(num)d minutes.", minutes))
        self.retry_after = retry_after

    def json_headers(self) -> dict[str, str]:
        """Retry-After: when the next password for the account is counted."""
        return {"Retry-After": str(self.retry_after)}


def account_key(email: str) -> str:
    """The key wrong passwords for the account with this e-mail address are counted under."""
    return "email:" + (email or "").strip().lower()[:254]


def _windows() -> list[tuple[int, timedelta]]:
    limits = parse_many(current_app.config["LOGIN_RATE_LIMIT"])
    return [(limit.amount, timedelta(seconds=limit.get_expiry())) for limit in limits]


def _claim(key: str, at: datetime) -> int:
    windows = _windows()
    longest = max(window for _amount, window in windows)
    # Rows that no window counts any more go, for every account: the table holds the last window only.
    db.session.execute(delete(rows).where(rows.c.attempted_at < at - longest))
    row = FailedPassword(account_key=key, attempted_at=at)
    db.session.add(row)
    db.session.commit()  # visible to every other attempt before this one is counted
    for amount, window in windows:
        since = at - window
        counted = db.session.scalar(select(func.count(rows.c.id)).where(
            rows.c.account_key == key, rows.c.attempted_at > since)) or 0
        if counted > amount:
            _forget(row.id)  # a refused attempt is not a guess: it does not push the wait further
            oldest = db.session.scalar(select(func.min(rows.c.attempted_at)).where(
                rows.c.account_key == key, rows.c.attempted_at > since))
            wait = (clock.to_utc(oldest) + window - at).total_seconds() if oldest else window.total_seconds()
            raise TooManyAttempts(max(1, math.ceil(wait)))
    return row.id


def _forget(row_id: int) -> None:
    db.session.execute(delete(rows).where(rows.c.id == row_id))
    db.session.commit()


def check_guarded(key: str, check: Callable[[], T], refused: tuple[type[BaseException], ...]) -> T:
    """Run `check` (a password comparison) as one counted attempt for `key`; what it returns.

    Raises TooManyAttempts without running `check` when the account's wrong passwords fill a window;
    an exception of a type in `refused` counts as a wrong password and is raised again. With
    `RATELIMIT_ENABLED` off (the tests' default) nothing is counted.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return check()
    row_id = _claim(key, clock.now())
    try:
        result = check()
    except refused:
        raise
    except BaseException:
        db.session.rollback()
        with contextlib.suppress(Exception):  # not a wrong password but a failure of ours: uncount it if we can
            _forget(row_id)
        raise
    _forget(row_id)
    return result

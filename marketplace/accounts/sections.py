"""What features add to the account page: a block with its template and the function building its context."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from marketplace.accounts.models import User


@dataclass(frozen=True)
class AccountSection:
    """One block of the account page: `context(user)` fills `template`; `order` places it."""

    template: str
    context: Callable[[User], dict[str, Any]]
    order: int = 100


def register_account_section(app: Flask, section: AccountSection) -> None:
    """Show `section` on every account page."""
    app.extensions.setdefault("account_sections", []).append(section)


def account_sections(user: User) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of every registered block for `user`, in order."""
    sections = sorted(current_app.extensions.get("account_sections", []), key=lambda section: section.order)
    return [(section.template, section.context(user)) for section in sections]

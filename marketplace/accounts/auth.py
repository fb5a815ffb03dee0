"""Session handling: which user a request belongs to, and the role checks views use."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.models import Role, User
from marketplace.core import viewer_facts
from marketplace.extensions import login_manager

P = ParamSpec("P")
R = TypeVar("R")


def load_user(session_id: str) -> User | None:
    """The user of a session id "<user id>:<session version>", or None when that session has ended."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    found = viewer_facts.user_with_facts(User, int(user_id))  # with what every page asks about them
    user = found[0] if found is not None else None
    if user is not None:
        viewer_facts.keep_facts(user.id, found[1])
    if user is None or user.session_version != int(version) or not user.active:
        viewer_facts.forget_facts()
        return None
    return user


def role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let signed-in users with one of `roles` through; send others to log in, or answer 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(Role.STAFF, Role.ADMIN)


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


"""Small facts about the signed-in viewer that nearly every page asks for, read with the user in one query.

A page served from the page cache still needs, per response, a few of the viewer's own values: the
number of lines in their cart, the country their last parcel went to (the shipping destination), the
deals they saved, the festivals they asked to be reminded of, the limited deals they already bought.
Asked one by one, with the user, they were up to six round trips and six ORM queries on every signed-in
request — most of its cost. Instead each feature registers its fact here as a correlated scalar
subquery on the users table, and the user loader reads the user and every fact in one statement.
`fact(name, user_id)` then answers from that row; `MISSING` means "ask the database yourself" (no
signed-in user was loaded this way, the fact is about another user, or this request has written to the
database since: every flush, commit or write statement drops the facts, so a value read after a change
is never the one from before it).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import ColumnElement, bindparam, event, func, literal, select
from sqlalchemy.orm import ORMExecuteState, Session

from marketplace.extensions import db

MISSING: Any = object()
G_KEY = "viewer_facts"

# A fact's builder gets the users.id column to correlate on and returns a scalar subquery; its values, where
# it has bound parameters, come from the fact's `params()` on every request.
FactBuilder = Callable[[ColumnElement], ColumnElement]


def register_fact(app: Flask, name: str, build: FactBuilder,
                  params: Callable[[], dict[str, Any]] | None = None) -> None:
    """Read `build(users.id)` with every signed-in user this application loads, as the fact `name`."""
    facts = app.extensions.setdefault(G_KEY, {"builders": {}, "statement": None})
    facts["builders"][name] = (build, params)
    facts["statement"] = None


def joined(part: ColumnElement) -> ColumnElement:
    """An aggregate joining `part` (a string expression) of every row with commas, in no particular order
    ("12,40"; NULL for no row): what a fact made of several rows is read as, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.string_agg(part, literal(","))
    return func.group_concat(part, literal(","))


def ids_of(value: Any) -> set[int]:
    """The ids of a fact read with `joined` ("12,40" → {12, 40})."""
    return {int(part) for part in str(value or "").split(",") if part}


def user_with_facts(user_class: Any, user_id: int) -> tuple[Any, dict[str, Any]] | None:
    """The user `user_id` and every registered fact about them, in one statement (built once per
    application); None when there is no such user. (user, {}) without a statement of its own when no
    fact is registered."""
    facts = current_app.extensions.get(G_KEY)
    if not facts or not facts["builders"]:
        user = db.session.get(user_class, user_id)
        return None if user is None else (user, {})
    if facts["statement"] is None:
        columns = [build(user_class.id).label(name) for name, (build, _params) in facts["builders"].items()]
        facts["statement"] = select(user_class, *columns).where(user_class.id == bindparam("viewer_facts_user"))
    values: dict[str, Any] = {"viewer_facts_user": user_id}
    for _build, params in facts["builders"].values():
        if params is not None:
            values.update(params())
    row = db.session.execute(facts["statement"], values).first()
    if row is None:
        return None
    return row[0], dict(zip(facts["builders"], row[1:], strict=True))


def keep_facts(user_id: int, values: dict[str, Any]) -> None:
    """Keep the facts read with user `user_id` for the rest of this request (until its next write)."""
    setattr(g, G_KEY, (user_id, values))


def fact(name: str, user_id: int) -> Any:
    """The fact `name` about user `user_id` read with that user in this request, or MISSING."""
    if not has_app_context():
        return MISSING
    kept = g.get(G_KEY)
    if kept is None or kept[0] != user_id:
        return MISSING
    return kept[1].get(name, MISSING)


def forget_facts() -> None:
    """Drop this request's facts: later questions go to the database."""
    if has_app_context():
        g.pop(G_KEY, None)


def _forget_facts(_session: Session, *_args: Any) -> None:
    forget_facts()


def _forget_after_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _forget_facts(state.session)


def init_app(_app: Flask) -> None:
    """Drop the facts whenever the request's session writes (they describe the rows before the write)."""
    for name, listener in (("after_flush", _forget_facts), ("after_commit", _forget_facts),
                           ("do_orm_execute", _forget_after_statement)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)

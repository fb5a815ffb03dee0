"""Rules other campaign features add to entering a festival, so festivals never imports them.

A rule looks at a festival and the entering store and either lets the entry through (None) or refuses it
with an `EntryRefusal`: a message in the vendor's language and, when there is something to do about it, a
link (the lectures feature's festival-ready rule links to the next festival-preparation lecture).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from campaigns.festivals.models import Festival
from marketplace.core.errors import Conflict


@dataclass(frozen=True)
class EntryRefusal:
    """Why a store may not enter a festival, and where to go about it (`link_url` may be empty)."""

    message: str
    link_url: str = ""
    link_text: str = ""


class EntryRefused(Conflict):
    """An entry refused by a registered rule; `refusal` carries the message and the link."""

    code = "entry_refused"

    def __init__(self, refusal: EntryRefusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal

    def json_extra(self) -> dict[str, object]:
        return {"link": self.refusal.link_url} if self.refusal.link_url else {}


EntryRule = Callable[[Festival, int], EntryRefusal | None]  # (festival, store id) -> refusal or None


def register_entry_rule(app: Flask, rule: EntryRule) -> None:
    """Ask `rule` before any store enters a product into a festival."""
    app.extensions.setdefault("festival_entry_rules", []).append(rule)


def entry_refusal(festival: Festival, store_id: int) -> EntryRefusal | None:
    """The first registered rule's refusal of this store entering this festival, or None when it may."""
    for rule in current_app.extensions.get("festival_entry_rules", []):
        refusal = rule(festival, store_id)
        if refusal is not None:
            return refusal
    return None


def check_entry(festival: Festival, store_id: int) -> None:
    """EntryRefused when a registered rule refuses this store entering this festival."""
    refusal = entry_refusal(festival, store_id)
    if refusal is not None:
        raise EntryRefused(refusal)

"""`HoldRef`: what a hold is on, typed, and its one stored form "kind:id"."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import String, TypeDecorator
from sqlalchemy.engine import Dialect

from marketplace.orders.holds import LOCK_ORDER

KIND_PATTERN = re.compile(r"^[a-z][a-z_]{0,30}$")


@dataclass(frozen=True)
class HoldRef:
    """The held thing: a kind from `LOCK_ORDER` ("deal", "seat" …) and the id of its row."""

    kind: str
    id: int

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not KIND_PATTERN.match(self.kind):
            raise ValueError(f"a hold kind is a lower-case word, not {self.kind!r}")
        if not isinstance(self.id, int) or isinstance(self.id, bool) or self.id < 1:
            raise ValueError(f"a hold id is a positive whole number, not {self.id!r}")

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def lock_key(self) -> tuple[int, int]:
        """Where this hold's row comes in the global lock order (kinds not listed come last)."""
        rank = LOCK_ORDER.index(self.kind) if self.kind in LOCK_ORDER else len(LOCK_ORDER)
        return rank, self.id

    @classmethod
    def parse(cls, text: str | None) -> HoldRef | None:
        """The reference stored as "kind:id"; None for an empty value, ValueError for a malformed one."""
        if not text:
            return None
        kind, separator, number = text.partition(":")
        if not separator or not number.isdigit():
            raise ValueError(f"a stored hold reads 'kind:id', not {text!r}")
        return cls(kind, int(number))


def in_lock_order(refs: Iterable[HoldRef]) -> list[HoldRef]:
    """The references sorted into the global lock order."""
    return sorted(refs, key=lambda ref: ref.lock_key)


def no_hold() -> None:
    """The default of a hold column: no hold (a callable, so the NOT NULL column is written as "")."""
    return None


class HoldRefText(TypeDecorator):
    """A column holding a `HoldRef` (or None) as its text "kind:id" ("" for none), on every database."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: HoldRef | None, dialect: Dialect) -> str:
        if value is None:
            return ""
        if not isinstance(value, HoldRef):
            raise TypeError(f"a hold column takes a HoldRef, not {type(value).__name__}")
        return str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> HoldRef | None:
        return HoldRef.parse(value)

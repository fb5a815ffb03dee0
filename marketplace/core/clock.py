"""The only source of "now". Tests move it with `freeze` instead of patching datetime."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_frozen: datetime | None = None
# The open freezes, innermost last. The clock is one for the whole process (a browser test's server thread
# reads the time its test set), so freezes from several threads at once must each take back only their own:
# restoring "the value before me" would leave a frozen clock behind when two threads' blocks interleave.
_freezes: list[tuple[object, datetime]] = []
_freezes_lock = threading.Lock()


def now() -> datetime:
    """The current instant as an aware UTC datetime."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values (as SQLite returns them) are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _settle() -> None:
    global _frozen
    _frozen = _freezes[-1][1] if _freezes else None


@contextmanager
def freeze(at: datetime) -> Iterator[None]:
    """Make `now()` return `at` (aware) inside the block; the real clock comes back when every block ends."""
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    token = object()
    with _freezes_lock:
        _freezes.append((token, at.astimezone(UTC)))
        _settle()
    try:
        yield
    finally:
        with _freezes_lock:
            _freezes[:] = [entry for entry in _freezes if entry[0] is not token]
            _settle()

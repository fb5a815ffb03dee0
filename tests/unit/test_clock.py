"""The test clock: frozen inside a block, real again after it, even when threads freeze it at once."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from marketplace.core import clock

AT = datetime(2031, 5, 10, 9, 0, tzinfo=UTC)


def test_a_frozen_block_sets_now_and_nested_blocks_restore_in_order():
    with clock.freeze(AT):
        assert clock.now() == AT
        with clock.freeze(AT + timedelta(hours=1)):
            assert clock.now() == AT + timedelta(hours=1)
        assert clock.now() == AT
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)


def test_threads_freezing_at_once_leave_the_real_clock_behind():
    """Race tests freeze the clock in each of their threads; interleaved blocks must not leave it frozen."""
    barrier = threading.Barrier(12)
    inside = threading.Barrier(12)

    def racer(offset: int) -> None:
        barrier.wait()
        with clock.freeze(AT + timedelta(minutes=offset)):
            inside.wait()  # every thread is inside its block before any leaves
        # threads leave in no particular order

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)

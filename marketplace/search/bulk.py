"""Running a large index build in several processes: batches dealt to forked workers, one result each.

Writing postings is pure Python (Whoosh), so one process uses one core however fast the analysis is;
a full rebuild of 100,000 products deals its documents round-robin to a few forked processes that
each write their own part. Fork is used (not spawn) so a worker starts in milliseconds with the
parent's loaded modules, glossary and segmenter; workers never touch the database or the app.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
QUEUE_BATCHES = 4  # batches waiting per worker: bounds the parent's memory, keeps workers busy
POLL_SECONDS = 1.0


class WorkerError(RuntimeError):
    """A build worker failed or died; the message carries its traceback when it had one."""


def fork_available() -> bool:
    """Whether this platform can fork worker processes (Linux and macOS can; Windows cannot)."""
    return "fork" in multiprocessing.get_all_start_methods()


def default_processes() -> int:
    """How many build processes to use by default: the machine's cores, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


def run_in_workers(batches: Iterable[T], work: Callable[[Iterator[T]], R], processes: int) -> list[R]:
    """Deal `batches` round-robin to `processes` forked workers, each running `work` over its share.

    Returns each worker's result in worker order; raises WorkerError (after stopping every worker)
    when one fails or dies, and lets the parent's own exceptions through the same way.
    """
    context = multiprocessing.get_context("fork")
    inboxes = [context.Queue(QUEUE_BATCHES) for _ in range(processes)]
    outboxes = [context.Queue(1) for _ in range(processes)]
    workers = [
        context.Process(target=_worker, args=(work, inbox, outbox), name=f"search-build-{number}", daemon=True)
        for number, (inbox, outbox) in enumerate(zip(inboxes, outboxes, strict=True))
    ]
    # Frozen objects are left alone by the workers' garbage collector, so the pages they share with
    # the parent are not copied into each worker just to be scanned.
    gc.freeze()
    for worker in workers:
        worker.start()
    gc.unfreeze()
    finished = False
    try:
        for number, batch in enumerate(batches):
            slot = number % processes
            _put(inboxes[slot], batch, workers[slot], outboxes[slot])
        for inbox, worker, outbox in zip(inboxes, workers, outboxes, strict=True):
            _put(inbox, None, worker, outbox)
        results = [_result(outbox, worker) for outbox, worker in zip(outboxes, workers, strict=True)]
        finished = True
        return results
    finally:
        for worker in workers:
            worker.join(timeout=None if finished else 0)  # after a failure, nobody waits for the others
            if worker.is_alive():
                worker.terminate()
                worker.join()
        for box in inboxes + outboxes:
            box.cancel_join_thread()  # after a failure, batches nobody will read must not block the exit
            box.close()


def _worker(work: Callable[[Iterator[Any]], Any], inbox: Any, outbox: Any) -> None:
    def batches() -> Iterator[Any]:
        while (batch := inbox.get()) is not None:
            yield batch

    try:
        outbox.put(("ok", work(batches())))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        outbox.put(("error", traceback.format_exc()))


def _put(inbox: Any, item: Any, worker: Any, outbox: Any) -> None:
    while True:
        try:
            inbox.put(item, timeout=POLL_SECONDS)
            return
        except queue.Full:
            if not worker.is_alive():
                _result(outbox, worker)  # raises with the worker's traceback, or that it died
                raise WorkerError(f"{worker.name} finished before its last batch") from None


def _result(outbox: Any, worker: Any) -> Any:
    while True:
        try:
            status, value = outbox.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if not worker.is_alive():
                try:
                    status, value = outbox.get(timeout=POLL_SECONDS)  # a last message still in the pipe
                except queue.Empty:
                    raise WorkerError(f"{worker.name} stopped (exit code {worker.exitcode})") from None
            else:
                continue
        if status == "error":
            raise WorkerError(f"{worker.name} failed:\n{value}")
        return value

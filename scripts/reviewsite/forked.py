"""Work split across processes made by `fork`: a child gets a copy of everything already in memory (the
content, the site index, the templates) for free, and shares it with the parent until either writes.

Only for single-threaded callers (`reviewsite build`): forking a process that runs other threads, as
`reviewsite serve` does, can copy a lock some other thread holds. Where `fork` is missing, or one worker
is asked for, everything runs in this process.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _child(work: Callable[[Sequence[T]], int], items: Sequence[T], pipe: int) -> None:
    """Runs in the forked child: never returns, never runs the parent's exit handlers."""
    code = 0
    try:
        result: object = work(items)
    except BaseException:  # noqa: BLE001 - everything goes back to the parent
        result = RuntimeError("a worker failed:\n" + traceback.format_exc())
        code = 1
    try:
        with os.fdopen(pipe, "wb") as out:
            out.write(pickle.dumps(result))
    finally:
        os._exit(code)


def run_split(items: Sequence[T], work: Callable[[Sequence[T]], int], *, share: float = 0.5,
              here: Callable[[], None] | None = None, workers: int = 2) -> int:
    """`work(items)` on two processes: a forked child takes the first `share` of the items, this process the
    rest after running `here()` (work only the parent can do, such as writing files it must account for).
    Returns the sum of what both `work` calls returned; a failure in the child is raised here."""
    if workers < 2 or not hasattr(os, "fork") or len(items) < 2:
        if here is not None:
            here()
        return work(items)
    cut = int(len(items) * share)
    sys.stdout.flush()
    sys.stderr.flush()
    gc.collect()
    gc.freeze()  # the child's collector then never touches (and copies) what exists now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(read)
        _child(work, items[:cut], write)
    os.close(write)
    try:
        if here is not None:
            here()
        total = work(items[cut:])
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        read = -1
    finally:
        if read >= 0:
            os.close(read)
        _, status = os.waitpid(pid, 0)
        gc.unfreeze()
    result = pickle.loads(data) if data else RuntimeError(f"a worker died (status {status})")  # noqa: S301
    if isinstance(result, BaseException):
        raise result
    return total + int(result)

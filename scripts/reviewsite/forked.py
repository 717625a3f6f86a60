"""Work done by processes made with `fork`: a child gets a copy of everything already in memory (the content,
the site index, the templates) for free, shares it with the parent until either writes, and gives all of
its memory back when it exits.

- `both(child, parent)`: `child()` in a forked process while `parent()` runs here (two cores);
- `in_child(fn)`: `fn()` in a forked process, so that what it allocates is gone when it returns.

Results and exceptions come back pickled. Only for single-threaded callers (`reviewsite build`): forking a
process that runs other threads, as `reviewsite serve` does, can copy a lock some other thread holds.
Where `fork` is missing, everything runs in this process.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")
P = TypeVar("P")


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return hasattr(os, "fork")


def _child(fn: Callable[[], Any], pipe: int) -> None:
    """Runs in the forked child: never returns, never runs the parent's exit handlers."""
    code = 0
    try:
        result: Any = fn()
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        exc.add_note("in a worker process:\n" + traceback.format_exc())
        result, code = exc, 1
    try:
        try:
            data = pickle.dumps(result)
        except Exception:  # noqa: BLE001 - an exception that does not pickle still says what went wrong
            data = pickle.dumps(RuntimeError(f"a worker failed: {result!r}"))
        with os.fdopen(pipe, "wb") as out:
            out.write(data)
    finally:
        os._exit(code)


def _fork(fn: Callable[[], Any]) -> tuple[int, int]:
    sys.stdout.flush()
    sys.stderr.flush()
    gc.collect()
    gc.freeze()  # the child's collector then never touches (and so never copies) what exists now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(read)
        _child(fn, write)
    os.close(write)
    return pid, read


def _join(pid: int, read: int) -> Any:
    try:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
        gc.unfreeze()
    result = pickle.loads(data) if data else RuntimeError(f"a worker died (wait status {status})")  # noqa: S301
    if isinstance(result, BaseException):
        raise result
    return result


def both(child: Callable[[], R], parent: Callable[[], P]) -> tuple[R, P]:
    """`child()` in a forked process while `parent()` runs in this one; both results. A failure in either is
    raised here (the child is always waited for)."""
    if not can_fork():
        return child(), parent()
    pid, read = _fork(child)
    try:
        mine = parent()
    except BaseException:
        with contextlib.suppress(BaseException):  # the parent's own failure is the one to report
            _join(pid, read)
        raise
    return _join(pid, read), mine


def in_child(fn: Callable[[], R]) -> R:
    """`fn()` in a forked process: its result, and none of what it allocated stays in this one."""
    if not can_fork():
        return fn()
    pid, read = _fork(fn)
    return _join(pid, read)

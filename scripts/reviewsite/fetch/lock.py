"""One writer at a time: `fetch` and `add` hold a lock on the project while they work.

Two fetches at once would both see a paper file missing, both write it and both report "created".
The lock is an advisory `flock` on `.reviewsite-fetch.lock` in the project folder: the system releases
it when its holder ends, however it ends, so a crashed run never leaves the project locked. The file
names its holder (process id, host, command, start time) for the message the second run prints.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from ..errors import ReviewsiteError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: fall back to exclusive creation of the file
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".reviewsite-fetch.lock"


class Busy(ReviewsiteError):
    """Another fetch holds the project's lock."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return (f"`reviewsite {info['command']}`, process {info['pid']} on {info['host']}, "
                f"started {info['started']}")
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not said who it is yet"


def _busy(path: Path) -> Busy:
    return Busy(f"another fetch is working on this project ({_holder(path)}): wait until it ends, then run "
                f"this again (the lock, {path.name} in the project folder, is released when it ends)")


@contextlib.contextmanager
def project_lock(root: Path, command: str) -> Iterator[None]:
    """Hold the project's fetch lock for the body of the `with`; `Busy` at once if someone else has it."""
    path = root / LOCK_NAME
    info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                       "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")})
    fd = _acquire(path)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, info.encode("utf-8"))
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)


def _acquire(path: Path) -> int:
    """An open descriptor of the lock file, locked by us; the file is still the one at `path`."""
    for _ in range(5):
        if fcntl is None:  # pragma: no cover
            try:
                return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                raise _busy(path) from None
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise _busy(path) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the holder removed the file as we opened it: lock the new one instead
    raise _busy(path)

"""What a fetch shows while it works: batches done, and every wait, so a long run never looks stuck.

On a terminal: a tqdm bar for batches, and a status line rewritten in place (a countdown while waiting
to retry, the time spent so far while a slow server has not answered). Elsewhere (CI logs): plain
lines, one per batch, one per wait before a retry, and one every `every` seconds of a slow answer.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import TextIO

QUIET_BELOW = 1.0
"""Waits shorter than this (the rate limiter's spacing, quick back-offs) are not worth a line."""


class BatchProgress:
    """A tqdm bar on a terminal; plain lines otherwise (CI logs), one per batch."""

    def __init__(self, total: int, label: str, stream: TextIO, tty: bool):
        self.total, self.done, self.label, self.stream = total, 0, label, stream
        self.bar = None
        if tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="paper", file=stream, leave=False)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        else:
            print(f"{self.label}: {self.done}/{self.total} papers", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class WaitReport:
    """Says why the fetch is waiting and for how long. `pause` sleeps (with `sleep`, injectable);
    `request` watches one request on a thread and speaks up when the answer is slow to come."""

    def __init__(self, stream: TextIO, tty: bool, sleep: Callable[[float], None], every: float = 15.0):
        self.stream, self.tty, self.sleep, self.every = stream, tty, sleep, every
        self._lock = threading.Lock()
        self._status = False  # a status line is on the terminal and must be cleared

    def _show(self, text: str) -> None:
        with self._lock:
            if self.tty:
                print(f"\r\x1b[K{text}", end="", file=self.stream, flush=True)
                self._status = True
            else:
                print(text, file=self.stream, flush=True)

    def _clear(self) -> None:
        with self._lock:
            if self._status:
                print("\r\x1b[K", end="", file=self.stream, flush=True)
                self._status = False

    def pause(self, seconds: float, why: str) -> None:
        """Sleep `seconds` before a retry, saying so (a countdown on a terminal)."""
        if seconds < QUIET_BELOW:
            self.sleep(seconds)
            return
        if not self.tty:
            self._show(f"waiting {math.ceil(seconds)} s: {why}")
            self.sleep(seconds)
            return
        left = seconds
        while left > 0:
            self._show(f"{why}: retrying in {math.ceil(left)} s")
            step = min(1.0, left)
            self.sleep(step)
            left -= step
        self._clear()

    @contextlib.contextmanager
    def request(self, what: str) -> Iterator[None]:
        """While the body of the `with` runs, a line every `every` seconds: still waiting, for how long."""
        stop = threading.Event()
        started = time.monotonic()

        def watch() -> None:
            while not stop.wait(self.every):
                self._show(f"still waiting for {what} ({time.monotonic() - started:.0f} s so far)")

        thread = threading.Thread(target=watch, name="reviewsite-wait", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self._clear()

"""`reviewsite serve`: regenerate pages whenever content or templates change; the engine serves with live reload.

We watch `content/` and `templates/` ourselves. One `SiteGenerator` lives as long as the server: it keeps
the validated content and what every paper page was made from, so an edit reads only the files that
changed and renders only the pages it can change (incremental.py), and writes only files whose bytes
changed. The engine's server watches the docs folder and rebuilds only the pages written (MkDocs and
ProperDocs with `--dirty`; see engines/). Invalid content prints its problems and leaves the last good
pages in place, so a half-typed edit never blanks the preview.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .config import Project
from .engines import Engine
from .errors import ExitCode, ReviewsiteError
from .files import UnsafeOutput
from .incremental import SiteGenerator
from .load import is_editor_backup
from .report import print_problems


class Regenerator(FileSystemEventHandler):
    """Regenerates after changes settle, on one worker thread: never two regenerations at once, and a
    change that arrives during one is picked up by the next."""

    def __init__(self, generator: SiteGenerator, delay: float = 0.05):
        self.generator = generator
        self.delay = delay
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._run, name="reviewsite-regenerate", daemon=True)

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        self._stop.set()
        self._changed.set()
        self._worker.join(timeout=30)

    def on_any_event(self, event: FileSystemEvent) -> None:
        name = str(event.src_path).rsplit("/", 1)[-1]
        if event.event_type in ("opened", "closed_no_write") or name.endswith(".tmp") or is_editor_backup(name):
            return
        self._changed.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._changed.wait()
            # Let a burst of events (an editor's save, a git checkout) settle before regenerating.
            while self._changed.is_set() and not self._stop.is_set():
                self._changed.clear()
                time.sleep(self.delay)
            if not self._stop.is_set():
                regenerate(self.generator)


def regenerate(generator: SiteGenerator, *, first: bool = False) -> bool:
    started = time.perf_counter()
    try:
        result = generator.run()
    except UnsafeOutput as exc:
        if first:
            raise ReviewsiteError(f"{exc}; nothing was changed") from None
        print(f"reviewsite serve: {exc}; nothing was changed", file=sys.stderr)
        return False
    if result.problems:
        print_problems(result.problems)
        if first:
            print("reviewsite serve: fix the problems above, then run it again (there are no pages to show yet)",
                  file=sys.stderr)
        else:
            print("keeping the last good pages: the preview updates when the problems above are fixed",
                  file=sys.stderr)
        return False
    if result.written or result.removed:
        print(f"regenerated in {time.perf_counter() - started:.2f} s: {result.written} written, {result.removed} "
              f"removed ({result.rendered} of {result.pages} pages rendered)", file=sys.stderr)
    return True


def serve(project: Project, dev_addr: str, engine: Engine) -> int:
    generator = SiteGenerator(project, engine, keep_pieces=True)
    if not regenerate(generator, first=True):
        return ExitCode.CONTENT
    observer = Observer()
    handler = Regenerator(generator)
    handler.start()
    for folder in (project.root / "content", project.templates):
        if folder.is_dir():
            observer.schedule(handler, str(folder), recursive=True)
    observer.start()
    server = engine.serve(project, dev_addr)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # A terminated `reviewsite serve` must not leave its engine's server behind.
    signal.signal(signal.SIGTERM, stop)
    try:
        while server.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        observer.stop()
        observer.join(timeout=5)
        handler.stop()
    return ExitCode.OK if server.wait() in (0, -2, -15, 130) else ExitCode.ENGINE

"""`reviewsite serve`: regenerate pages whenever content or templates change; MkDocs serves with live reload.

We watch `content/` and `templates/` ourselves and rewrite only changed files in the generated docs
folder; `mkdocs serve` watches that folder and reloads the browser. Invalid content prints its
problems and leaves the last good pages in place, so a half-typed edit never blanks the preview.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .build import generate
from .config import Project
from .engines import Engine
from .errors import ExitCode
from .load import is_editor_backup
from .report import print_problems


class Regenerator(FileSystemEventHandler):
    """Regenerates after changes settle, on one worker thread: never two regenerations at once, and a
    change that arrives during one is picked up by the next."""

    def __init__(self, project: Project, engine: Engine, delay: float = 0.3):
        self.project = project
        self.engine = engine
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
                regenerate(self.project, self.engine)


def regenerate(project: Project, engine: Engine, *, first: bool = False) -> bool:
    result = generate(project, engine)
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
        print(f"regenerated: {result.written} written, {result.removed} removed", file=sys.stderr)
    return True


def serve(project: Project, dev_addr: str, engine: Engine) -> int:
    if not regenerate(project, engine, first=True):
        return ExitCode.CONTENT
    observer = Observer()
    handler = Regenerator(project, engine)
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

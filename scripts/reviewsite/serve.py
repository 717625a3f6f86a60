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

from .build import engine_env, generate
from .config import Project


class _Debounced(FileSystemEventHandler):
    def __init__(self, project: Project, delay: float = 0.3):
        self.project = project
        self.delay = delay
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or str(event.src_path).endswith((".tmp", "~")):
            return
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.delay, regenerate, args=(self.project,))
            self._timer.daemon = True
            self._timer.start()


def regenerate(project: Project) -> bool:
    result = generate(project)
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print(f"{len(result.problems)} problem(s): keeping the last good pages", file=sys.stderr)
        return False
    if result.written or result.removed:
        print(f"regenerated: {result.written} written, {result.removed} removed", file=sys.stderr)
    return True


def serve(project: Project, dev_addr: str) -> int:
    if not regenerate(project):
        return 1
    observer = Observer()
    handler = _Debounced(project)
    for folder in (project.root / "content", project.templates):
        if folder.is_dir():
            observer.schedule(handler, str(folder), recursive=True)
    observer.start()
    args = [sys.executable, "-m", "mkdocs", "serve", "--config-file", str(project.mkdocs_yml),
            "--dev-addr", dev_addr, "--livereload"]
    engine = subprocess.Popen(args, cwd=project.root, env=engine_env())

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # A terminated `reviewsite serve` must not leave its MkDocs server behind.
    signal.signal(signal.SIGTERM, stop)
    try:
        while engine.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        if engine.poll() is None:
            engine.terminate()
            try:
                engine.wait(timeout=10)
            except subprocess.TimeoutExpired:
                engine.kill()
        observer.stop()
        observer.join(timeout=5)
    return 0 if engine.wait() in (0, -2, -15, 130) else 4

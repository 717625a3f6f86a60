"""A hook MkDocs and ProperDocs load for `reviewsite serve` only (engines/mkdocs.py names it in the preview's
config; nothing in the reviewsite package imports it, and it imports nothing of MkDocs).

MkDocs 1.6's live-reload server finds changed files by polling: every 0.5 s it stats every file it watches
(a docs folder of 10,000 pages at 10,000 papers), so a page reviewsite just wrote waited 0.25 s on average
before its rebuild started, and the polling itself kept a core busy. This moves the server's watches, with
their handlers, to watchdog's native observer (inotify on Linux), before the server starts it, and so are
the watches added after it (`--watch`). Native observers also report files being opened and read, and a
watch on a file watches its whole folder: only changes, and for a file only its own, reach the server's
handlers (else every rebuild, which reads the config, would start the next). If anything is not as
expected, the server keeps polling.
"""

from __future__ import annotations

import os
from typing import Any

_NOT_CHANGES = frozenset({"opened", "closed_no_write"})


def _filtered(handler: Any, only: str | None) -> Any:
    from watchdog.events import FileSystemEventHandler

    class Changes(FileSystemEventHandler):
        def dispatch(self, event: Any) -> None:
            if event.event_type in _NOT_CHANGES:
                return
            paths = {os.path.abspath(str(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p}
            if only is not None and only not in paths:
                return
            handler.dispatch(event)

    return Changes()


def on_serve(server: Any, config: Any, builder: Any) -> Any:  # noqa: ARG001 - MkDocs' hook signature
    try:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        old = server.observer
        if not isinstance(old, PollingObserver) or old.is_alive():
            return server
        native = Observer()
        schedule = native.schedule

        def filtered_schedule(handler: Any, path: Any, recursive: bool = False, **options: Any) -> Any:
            only = os.path.abspath(str(path)) if os.path.isfile(path) else None
            return schedule(_filtered(handler, only), path, recursive=recursive, **options)

        native.schedule = filtered_schedule  # type: ignore[method-assign,assignment]  # later watches too
        for watch, handlers in list(old._handlers.items()):
            for handler in list(handlers):
                native.schedule(handler, watch.raw_path, recursive=watch.is_recursive)
        server.observer = native
    except Exception:  # noqa: BLE001, S110 - polling still works, only slower
        pass
    return server

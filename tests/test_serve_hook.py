"""The MkDocs serve hook moves the live-reload server's watches from polling to the native observer, and only
changes (for a watched file, only its own) reach the server: reading files during a rebuild must never
start the next rebuild."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

from watchdog.events import (
    FileClosedNoWriteEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEventHandler,
)
from watchdog.observers.polling import PollingObserver

from reviewsite.engines.mkdocs import SERVE_HOOK


def _hook():
    spec = importlib.util.spec_from_file_location("reviewsite_serve_hook", SERVE_HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Recorder(FileSystemEventHandler):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_any_event(self, event) -> None:
        self.seen.append(f"{event.event_type} {Path(str(event.src_path)).name}")


def test_watches_move_to_the_native_observer_and_only_changes_get_through(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\n")
    polling = PollingObserver(timeout=0.5)
    in_docs, on_config, later = Recorder(), Recorder(), Recorder()
    polling.schedule(in_docs, str(docs), recursive=True)
    polling.schedule(on_config, str(config))
    server = SimpleNamespace(observer=polling)

    assert _hook().on_serve(server, config=None, builder=None) is server
    native = server.observer
    assert not isinstance(native, PollingObserver)
    native.schedule(later, str(config))  # a watch added after the hook (`--watch`) is filtered too
    handlers = {next(iter(h)).__class__.__name__ for h in native._handlers.values()}
    assert handlers == {"Changes"}

    def send(event) -> None:
        for watch, found in native._handlers.items():
            if str(event.src_path).startswith(watch.path):
                for handler in found:
                    handler.dispatch(event)

    send(FileOpenedEvent(str(docs / "a.md")))
    send(FileClosedNoWriteEvent(str(config)))
    send(FileModifiedEvent(str(tmp_path / "other.txt")))  # same folder as mkdocs.yml, not mkdocs.yml
    assert in_docs.seen == on_config.seen == later.seen == []
    send(FileMovedEvent(str(docs / ".a.md.tmp"), str(docs / "a.md")))
    send(FileModifiedEvent(str(config)))
    assert in_docs.seen == ["moved .a.md.tmp"]
    assert on_config.seen == later.seen == ["modified mkdocs.yml"]


def test_anything_unexpected_leaves_the_server_polling():
    server = SimpleNamespace(observer=object())
    assert _hook().on_serve(server, config=None, builder=None).observer is server.observer

"""Validated content kept between loads, keyed by each file's hash: what makes the live preview and
repeated builds cheap.

- In memory (`reviewsite serve` keeps one store for its whole run): a file whose size, times and inode
  are unchanged is not read again, and a file whose bytes hash to a digest seen before is not parsed or
  validated again. A file changed less than `RACY_NS` before it was looked at is read again next time
  (as git does with its index): a second edit within the file system's time resolution is never missed.
- On disk (`reviewsite build`): the validated models by digest, in `.cache/reviewsite-build/`, for the
  next build. The cache file is named after a fingerprint of the package's own source and of pydantic,
  so a changed model or validator never reads an old one; it holds only files that validated, is read
  with an unpickler that builds nothing but our models, and is never written through a symlink.

Loading goes through `load.load_content` either way, so every check on names and folders is the same.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import pickle
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import model as model_module
from .errors import Problem
from .files import atomic_write
from .load import Content, Loaded, Source, load_content, parse_model
from .safeyaml import Located, YamlError, decode

RACY_NS = 3_000_000_000
"""A file modified this recently before it was looked at is not trusted on its size and times alone."""
CACHE_DIR = (".cache", "reviewsite-build")
PACKAGE = Path(__file__).resolve().parent


def digest_of(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


def code_fingerprint() -> str:
    """Changes whenever the package's source, pydantic or Python does: cached models are only reused by
    the code that validated them."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{sys.version}|{metadata.version('pydantic')}|{metadata.version('pydantic-core')}".encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass
class _Entry:
    stat: tuple[int, ...]
    trusted: bool
    digest: bytes
    model: type[BaseModel]
    loaded: Loaded


class ContentStore:
    """`load()` gives what `load.load_content` gives, reading and validating only what changed."""

    def __init__(self, models: dict[tuple[str, bytes], BaseModel] | None = None):
        self._entries: dict[str, _Entry] = {}
        self._models: dict[tuple[str, bytes], BaseModel] = dict(models or {})
        self._seen: dict[str, _Entry] = {}
        self._started = 0
        self.parsed = 0
        """Files parsed and validated by the last load (the rest came from memory or the cache)."""

    def load(self, root: Path) -> tuple[Content, list[Problem]]:
        self._seen = {}
        self._started = time.time_ns()
        self.parsed = 0
        with _collector_paused():
            content, problems = load_content(root, reader=self._read)
        self._entries = self._seen
        live = {(e.model.__name__, e.digest) for e in self._entries.values() if e.loaded[0] is not None}
        self._models = {k: v for k, v in self._models.items() if k in live}
        return content, problems

    def digest(self, rel: str) -> bytes | None:
        """Hash of the bytes of a content file (project-relative path) as the last load read them."""
        entry = self._entries.get(rel)
        return entry.digest if entry is not None else None

    def _read(self, path: Path, rel: str, model: type[BaseModel]) -> Loaded:
        try:
            st = path.stat()
        except OSError as exc:
            return None, None, [Problem(rel, 1, 1, f"cannot read file: {exc.strerror}")]
        stat = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        trusted = max(st.st_mtime_ns, st.st_ctime_ns) < self._started - RACY_NS
        entry = self._entries.get(rel)
        if entry is not None and entry.trusted and entry.stat == stat and entry.model is model:
            self._seen[rel] = entry
            return entry.loaded
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return None, None, [Problem(rel, 1, 1, f"cannot read file: {exc.strerror}")]
        digest = digest_of(raw)
        if entry is not None and entry.digest == digest and entry.model is model:
            loaded = entry.loaded
        else:
            loaded = self._parse(raw, digest, rel, model)
        self._seen[rel] = _Entry(stat, trusted, digest, model, loaded)
        return loaded

    def _parse(self, raw: bytes, digest: bytes, rel: str, model: type[BaseModel]) -> Loaded:
        cached = self._models.get((model.__name__, digest))
        if cached is not None:
            try:
                text = decode(raw)
            except YamlError:  # pragma: no cover - these bytes validated before
                pass
            else:
                return cached, Source(rel, Located(data=None, text=text)), []
        self.parsed += 1
        loaded = parse_model(raw, rel, model)
        if loaded[0] is not None:
            self._models[(model.__name__, digest)] = loaded[0]
        return loaded

    # -- on disk, between builds

    def save(self, root: Path) -> None:
        """Write the validated models to the project's build cache (skipped if its folder is a symlink)."""
        folder = cache_dir(root)
        if folder is None:
            return
        folder.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps(self._models, protocol=pickle.HIGHEST_PROTOCOL)
        target = folder / f"content-{code_fingerprint()}.pickle"
        for old in folder.glob("content-*.pickle"):
            if old != target and not old.is_symlink():
                old.unlink(missing_ok=True)
        atomic_write(target, data, durable=False)

    @classmethod
    def from_cache(cls, root: Path) -> ContentStore:
        """A store primed with the models of the last build of this project by this code, if any."""
        folder = cache_dir(root)
        path = folder / f"content-{code_fingerprint()}.pickle" if folder is not None else None
        if path is None or path.is_symlink() or not path.is_file():
            return cls()
        try:
            with _collector_paused():
                models = _ModelUnpickler(io.BytesIO(path.read_bytes())).load()
        except Exception:  # noqa: BLE001 - a damaged or foreign cache is simply not used
            return cls()
        ok = isinstance(models, dict) and all(isinstance(v, BaseModel) for v in models.values())
        return cls(models if ok else None)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while many long-lived objects are made: models are not cyclic garbage,
    and collections that walk all of them made unpickling 10,000 papers 4 times slower."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def cache_dir(root: Path) -> Path | None:
    """`.cache/reviewsite-build/` in the project, or None if any part of it is a symlink or not a folder."""
    folder = root
    for part in CACHE_DIR:
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return None
    return folder


class _ModelUnpickler(pickle.Unpickler):
    """Builds only our content models and plain containers, whatever the file holds."""

    _PLAIN = frozenset({("builtins", "set"), ("builtins", "frozenset"), ("builtins", "dict"), ("builtins", "list"),
                        ("builtins", "tuple"), ("builtins", "bytes"), ("builtins", "str"), ("builtins", "int")})

    def find_class(self, module: str, name: str) -> Any:
        if module == model_module.__name__:
            found = getattr(model_module, name, None)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
        if (module, name) in self._PLAIN:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the build cache")

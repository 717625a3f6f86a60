"""Validated content kept between loads, keyed by each file's hash: what makes the live preview and
repeated builds cheap.

- In memory (`reviewsite serve` keeps one store for its whole run): a file whose size, times and inode
  are unchanged is not read again, and a file whose bytes hash to a digest seen before is not parsed or
  validated again. A file changed less than `RACY_NS` before it was looked at is read again next time
  (as git does with its index): a second edit within the file system's time resolution is never missed.
- On disk (`reviewsite build`): the validated models by digest, for the next build, in the user's cache
  (`$REVIEWSITE_CACHE_HOME`, else `$XDG_CACHE_HOME/reviewsite`, else `~/.cache/reviewsite`), never in the
  project: unpickled models skip validation, so a cache a pull request committed must never be read. The
  file is signed with a key that only this user's cache holds and is read only if the signature matches,
  with an unpickler that builds nothing but our models. Its name carries a fingerprint of the package's
  own source and of pydantic, so a changed model or validator never reads an old one.

Loading goes through `load.load_content` either way, so every check on names and folders is the same.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import io
import os
import pickle
import stat
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
CACHE_ENV = "REVIEWSITE_CACHE_HOME"
"""Where build caches live, if set (tests and CI point it at a scratch folder)."""
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

    def prime(self, root: Path, *, at_least: int = 400) -> int:
        """In an empty store (a build without a cache), parse the papers on two cores, half in a forked
        process (forked.both), so that the `load` that follows finds them validated: parsing is most of a
        cold build's load at 10,000 papers. Only for single-threaded callers; below `at_least` papers it is
        not worth a fork. Files that do not validate are left for `load` to report. Returns how many were
        parsed."""
        from .forked import both, can_fork
        from .load import FOLDERS, content_files

        if self._models or self._entries or not can_fork() or (root / "content").is_symlink():
            return 0  # a linked content/ is refused by `load`; nothing is read through it here either

        folder, model = next((folder, model) for kind, folder, model in FOLDERS if kind == "paper")
        todo: list[tuple[bytes, bytes]] = []
        seen: set[bytes] = set()
        for path in content_files(root / "content" / folder):
            try:
                if path.suffix != ".yaml" or not stat.S_ISREG(path.lstat().st_mode):
                    continue
                raw = path.read_bytes()
            except OSError:
                continue
            digest = digest_of(raw)
            if (model.__name__, digest) not in self._models and digest not in seen:
                seen.add(digest)
                todo.append((raw, digest))
        if len(todo) < at_least:
            return 0

        def parse(part: list[tuple[bytes, bytes]]) -> dict[tuple[str, bytes], BaseModel]:
            found = {}
            with _collector_paused():
                for raw, digest in part:
                    obj = parse_model(raw, "", model)[0]
                    if obj is not None:
                        found[(model.__name__, digest)] = obj
            return found

        half = len(todo) // 2
        theirs, mine = both(lambda: parse(todo[:half]), lambda: parse(todo[half:]))
        self._models.update(mine)
        self._models.update(theirs)
        return len(todo)

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
        """Write the validated models, signed, to this project's build cache outside the project."""
        folder = cache_dir(root)
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            data = pickle.dumps(self._models, protocol=pickle.HIGHEST_PROTOCOL)
            target = folder / f"content-{code_fingerprint()}.pickle"
            for old in folder.glob("content-*.pickle"):
                if old != target:
                    old.unlink(missing_ok=True)
            atomic_write(target, sign(root, data) + data, durable=False)
        except OSError:  # a cache that cannot be written only makes the next build slower
            return

    @classmethod
    def from_cache(cls, root: Path) -> ContentStore:
        """A store primed with the models of the last build of this project by this code, if any."""
        folder = cache_dir(root)
        path = folder / f"content-{code_fingerprint()}.pickle" if folder is not None else None
        if path is None or not path.is_file():
            return cls()
        try:
            raw = path.read_bytes()
            signature, data = raw[:MAC_SIZE], raw[MAC_SIZE:]
            if not hmac.compare_digest(signature, sign(root, data)):
                return cls()
            with _collector_paused():
                models = _ModelUnpickler(io.BytesIO(data)).load()
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


def cache_home() -> Path:
    """The user's folder for reviewsite's build caches (never inside a project)."""
    chosen = os.environ.get(CACHE_ENV) or ""
    if chosen:
        return Path(chosen).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME") or ""
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return (base / "reviewsite").resolve()


def cache_dir(root: Path) -> Path | None:
    """This project's build cache: one folder per project path in `cache_home()`, or None when that would
    lie inside the project (where a pull request could have planted it)."""
    project = root.resolve()
    folder = cache_home() / "build" / hashlib.blake2b(str(project).encode(), digest_size=10).hexdigest()
    if folder.is_relative_to(project):
        return None
    return folder


MAC_SIZE = 32


def sign(root: Path, data: bytes) -> bytes:
    """HMAC of a cache file's body, keyed by a secret made once in the user's cache folder."""
    home = cache_home()
    key_path = home / "key"
    try:
        key = key_path.read_bytes()
    except FileNotFoundError:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = os.urandom(32)
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = key_path.read_bytes()
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(key)
    if len(key) < 32:
        raise OSError("the build cache key is damaged")
    message = str(root.resolve()).encode() + b"\0" + code_fingerprint().encode() + b"\0" + data
    return hmac.new(key, message, hashlib.sha256).digest()


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

"""Generated output kept between builds: a paper page, or a paper's part of the downloads, is made again
only when what it is made from changed (bench/README.md: at 10,000 papers these are most of our time).

Lives beside the content cache (contentstore.cache_dir: the user's cache, never the project) as:

- segment files (`seg-*.bin`): the bytes of pages and pieces, appended as a build makes them, one segment
  per process so the two processes of a build never share a file. What is reused stays where it is; a
  segment is copied down to what is still used once less than half of it is;
- an index (`output-<code>.index`): for each (kind, key) the stamp it was made from and where its bytes
  are, signed like the content cache. Written last, so an interrupted build leaves the old index whole.

Every entry carries the hash of its bytes, checked when it is read: a damaged or cut segment only makes the
build slower. The cache holds output, which is published as it is; it is never unpickled into objects.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import pickle
import secrets
from pathlib import Path
from typing import Any, BinaryIO

from .contentstore import MAC_SIZE, cache_dir, code_fingerprint, sign
from .files import atomic_write

Slot = tuple[str, str]
"""(kind, key): kind is "page" or an export piece ("bib", "ris", "csl", "dump")."""
Entry = tuple[bytes, str, int, int, bytes]
"""(stamp, segment file name, offset, length, blake2b of the bytes)."""


def stamp_of(*parts: Any) -> bytes:
    """A short digest of what an output is made from (plain data: strings, bytes, tuples, dataclasses)."""
    return hashlib.blake2b(pickle.dumps(parts, protocol=5), digest_size=16).digest()


def _hash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class OutputCache:
    """`get` what the last build made for a slot if its stamp still matches; `put` what this one made.
    After a fork, the child calls `fork_child()` so it appends to a segment of its own, and hands
    `entries()` back to the parent, which `adopt`s them before `save`."""

    def __init__(self, folder: Path, old: dict[Slot, Entry] | None = None):
        self.folder = folder
        self._old = old or {}
        self._new: dict[Slot, Entry] = {}
        self._readers: dict[str, BinaryIO] = {}
        self._segment: BinaryIO | None = None
        self._segment_name = ""

    @classmethod
    def open(cls, root: Path) -> OutputCache | None:
        """This project's output cache (empty if there is none yet, or it is damaged), or None when the
        project's cache folder would lie inside the project."""
        folder = cache_dir(root)
        if folder is None:
            return None
        path = folder / f"output-{code_fingerprint()}.index"
        try:
            raw = path.read_bytes()
        except OSError:
            return cls(folder)
        signature, data = raw[:MAC_SIZE], raw[MAC_SIZE:]
        try:
            if not hmac.compare_digest(signature, sign(root, data)):
                return cls(folder)
            old = _PlainUnpickler.loads(data)
        except Exception:  # noqa: BLE001 - a damaged or foreign index is simply not used
            return cls(folder)
        return cls(folder, old if isinstance(old, dict) else None)

    def get(self, kind: str, key: str, stamp: bytes) -> bytes | None:
        """The bytes kept for this slot if they were made from `stamp` (and are still whole); they stay
        kept for the next build."""
        entry = self._new.get((kind, key)) or self._old.get((kind, key))
        if entry is None or entry[0] != stamp:
            return None
        data = self._read(entry)
        if data is not None:
            self._new[(kind, key)] = entry
        return data

    def put(self, kind: str, key: str, stamp: bytes, data: bytes) -> None:
        """Keep what this build made for the slot."""
        self._new[(kind, key)] = self._append(stamp, data)

    def _append(self, stamp: bytes, data: bytes) -> Entry:
        segment = self._open_segment()
        offset = segment.tell()
        segment.write(data)
        return (stamp, self._segment_name, offset, len(data), _hash(data))

    def _read(self, entry: Entry) -> bytes | None:
        _, name, offset, length, digest = entry
        reader = self._readers.get(name)
        try:
            if reader is None:
                if "/" in name or not name.startswith("seg-"):
                    return None
                reader = self._readers[name] = open(self.folder / name, "rb")  # noqa: SIM115 - kept open
            data = os.pread(reader.fileno(), length, offset)
        except OSError:
            return None
        return data if len(data) == length and _hash(data) == digest else None

    def _open_segment(self) -> BinaryIO:
        if self._segment is None:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._segment_name = f"seg-{secrets.token_hex(8)}.bin"
            fd = os.open(self.folder / self._segment_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._segment = os.fdopen(fd, "wb")
        return self._segment

    def fork_child(self) -> None:
        """In a forked child: never append to the parent's segment (its file position is shared)."""
        self._segment = None
        self._segment_name = ""
        self._new = {}

    def entries(self) -> dict[Slot, Entry]:
        """What this process made or reused, its segment flushed: for the parent to `adopt`."""
        self.flush()
        return self._new

    def adopt(self, entries: dict[Slot, Entry]) -> None:
        for slot, entry in entries.items():
            self._new.setdefault(slot, entry)

    def flush(self) -> None:
        if self._segment is not None:
            self._segment.close()
            self._segment = None

    def _compact(self) -> None:
        """Copy what is still used out of segments that are mostly unused, so they can go."""
        size: dict[str, int] = {}
        used: dict[str, int] = {}
        for entry in self._new.values():
            used[entry[1]] = used.get(entry[1], 0) + entry[3]
        for name in used:
            with contextlib.suppress(OSError):
                size[name] = (self.folder / name).stat().st_size
        sparse = {name for name, total in size.items() if used[name] * 2 < total and name != self._segment_name}
        for slot, entry in list(self._new.items()):
            if entry[1] in sparse:
                data = self._read(entry)
                if data is None:
                    del self._new[slot]
                else:
                    self._new[slot] = self._append(entry[0], data)

    def save(self, root: Path) -> None:
        """Write the new index, signed, then remove the segments nothing refers to any more."""
        try:
            self._compact()
        except OSError:
            return
        self.flush()
        for reader in self._readers.values():
            reader.close()
        self._readers = {}
        try:
            data = pickle.dumps(self._new, protocol=pickle.HIGHEST_PROTOCOL)
            target = self.folder / f"output-{code_fingerprint()}.index"
            atomic_write(target, sign(root, data) + data, durable=False)
            for old in self.folder.glob("output-*.index"):
                if old != target:
                    old.unlink(missing_ok=True)
            live = {entry[1] for entry in self._new.values()}
            for segment in self.folder.glob("seg-*.bin"):
                if segment.name not in live:
                    with contextlib.suppress(OSError):
                        segment.unlink()
        except OSError:  # a cache that cannot be written only makes the next build slower
            return


class _PlainUnpickler(pickle.Unpickler):
    """The index holds only dicts, tuples, strings, bytes and ints: anything else refuses to load."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the output cache")

    @classmethod
    def loads(cls, data: bytes) -> Any:
        return cls(io.BytesIO(data)).load()

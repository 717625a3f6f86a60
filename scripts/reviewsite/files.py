"""Writing files safely: atomic writes, output folders that only ever lose what we wrote, no symlinks.

Curators' files must survive any setting or mistake, so every removal in an output folder is checked
against a manifest of what reviewsite itself wrote there; a folder holding anything else (a curator's
file, a symlink) is refused rather than cleaned.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import Problem

MANIFEST = ".reviewsite-manifest.json"
"""In each output folder: the files reviewsite wrote there (engines skip dot files)."""
JOURNAL = ".reviewsite-manifest.pending"
"""Names added while a folder is being written, one a line, before each file is created; folded into the
manifest when the writing is done (rewriting the whole manifest per new file made writes quadratic)."""


class UnsafeOutput(Exception):
    """An output folder holds something reviewsite did not write; nothing was changed."""

    def __init__(self, folder: str, found: list[str], why: str):
        self.folder, self.found, self.why = folder, found, why
        shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        super().__init__(f"{folder}: {why}: {shown}")

    def __reduce__(self) -> tuple[type[UnsafeOutput], tuple[str, list[str], str]]:
        return (UnsafeOutput, (self.folder, self.found, self.why))  # so it crosses from a worker process


def atomic_write(target: Path, data: bytes, *, durable: bool = True) -> None:
    """Temporary file in the same folder, then rename: a reader never sees half a file.

    `durable` also flushes the data to disk before the rename (for files people wrote or fetched).
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _scan(folder: Path) -> tuple[list[str], list[str]]:
    """Files and symlinks under `folder` (relative POSIX paths, sorted), links never followed: one
    `scandir` per folder, no stat per entry (a pathlib walk cost a second per regeneration at 10,000 papers)."""
    files: list[str] = []
    links: list[str] = []
    stack = [("", os.fspath(folder))]
    while stack:
        prefix, path = stack.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_symlink():
                    links.append(rel)
                elif entry.is_dir(follow_symlinks=False):
                    stack.append((rel + "/", entry.path))
                else:
                    files.append(rel)
    return sorted(files), sorted(links)


def symlink_problems(root: Path, folder: Path) -> list[Problem]:
    """Every symlink in `folder` (itself included) as a problem: a committed link could publish any file
    on the builder's machine, or make a write land outside the project."""

    def rel(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()

    if folder.is_symlink():
        return [Problem(rel(folder), 1, 1, "symlinks are not allowed: replace the link with the folder itself")]
    if not folder.is_dir():
        return []
    return [Problem(rel(folder / link), 1, 1, "symlinks are not allowed: replace the link with the file itself")
            for link in _scan(folder)[1]]


def _read_manifest(folder: Path) -> set[str]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = []
    names = {str(p) for p in data} if isinstance(data, list) else set()
    with contextlib.suppress(OSError, ValueError):
        names.update(line for line in (folder / JOURNAL).read_text(encoding="utf-8").split("\n") if line)
    return names


def _walk(folder: Path) -> tuple[set[str], list[str]]:
    """Files (relative POSIX paths, manifest excluded) and symlinks under `folder`."""
    found, links = _scan(folder)
    files = set(found)
    files.discard(MANIFEST)
    files.discard(JOURNAL)
    return files, links


def guard_output(folder: Path, shown: str) -> set[str]:
    """What reviewsite wrote in `folder` before; raises UnsafeOutput if it holds anything else."""
    if folder.is_symlink():
        raise UnsafeOutput(shown, [shown], "is a symlink; reviewsite writes only into real folders")
    if not folder.exists():
        return set()
    if not folder.is_dir():
        raise UnsafeOutput(shown, [shown], "is a file, not a folder")
    files, links = _walk(folder)
    if links:
        raise UnsafeOutput(shown, sorted(links), "holds symlinks; reviewsite never writes through them")
    ours = _read_manifest(folder)
    foreign = sorted(files - ours)
    if foreign:
        raise UnsafeOutput(shown, foreign, "holds files reviewsite did not write (it only removes its own): "
                           "move them away, or delete the folder if it is an old build")
    return ours


def _write_manifest(folder: Path, names: Iterable[str]) -> None:
    data = json.dumps(sorted(names), indent=0).encode("utf-8")
    atomic_write(folder / MANIFEST, data, durable=False)


def _create(target: Path, data: bytes) -> bool:
    """Write a file that must not exist yet (never through a link); False if something is there now."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return True


def _check_rel(rel: str) -> None:
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or "" in parts or rel in (MANIFEST, JOURNAL) or "\n" in rel:
        raise ValueError(f"generated path {rel!r} is not a plain relative path")


class TreeWriter:
    """Streams files into an output folder that only ever loses what reviewsite wrote there.

    Files are written as they are produced (nothing needs the whole site in memory), each only if its
    bytes changed (writing unchanged files would make `mkdocs serve` rebuild for nothing), and always
    after the manifest names it, so a crash mid-way never leaves a file we cannot remove later.
    `finish()` removes what we wrote before and did not write or keep this time.
    Raises UnsafeOutput, before changing anything, when the folder holds a file we did not write or a link.
    """

    def __init__(self, root: Path, shown: str = ""):
        self.root = root
        self.before = guard_output(root, shown or root.as_posix())
        self.recorded = set(self.before)
        """Names the manifest on disk holds now: everything we wrote, or may have."""
        self.names: set[str] = set()
        self.written = 0
        self._dirs: set[Path] = set()
        root.mkdir(parents=True, exist_ok=True)

    def expect(self, names: Iterable[str]) -> None:
        """Record names about to be written (in the journal beside the manifest) before any is created."""
        new = [rel for rel in dict.fromkeys(names) if rel not in self.recorded]
        for rel in new:
            _check_rel(rel)
        if new:
            with open(self.root / JOURNAL, "a", encoding="utf-8") as journal:
                journal.write("".join(rel + "\n" for rel in new))
            self.recorded.update(new)

    def write(self, rel: str, data: bytes) -> bool:
        """Make `rel` hold `data`; returns whether it had to be written."""
        if rel not in self.recorded:
            self.expect([rel])
        self.names.add(rel)
        target = self.root / rel
        try:
            exists = True
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                return False
        except FileNotFoundError:
            exists = False
        except OSError:
            pass
        parent = target.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        # Generated output, remade by the next build after a crash (the journal names it already): no fsync,
        # which cost about half of the write time per file. A file that is not there yet is created in place;
        # one that is there is replaced atomically (a temporary file, then rename), so the preview never
        # reads half of a changed page. Creating in place costs a fifth of the temporary file and rename
        # in a folder of 10,000 pages (bench/README.md).
        if not exists and _create(target, data):
            self.written += 1
            return True
        atomic_write(target, data, durable=False)
        self.written += 1
        return True

    def write_stream(self, rel: str, chunks: Iterable[str]) -> bool:
        """Make `rel` hold the UTF-8 text of `chunks`, written as they come (never whole in memory); returns
        whether it changed. The file is compared with the old one by size and hash."""
        if rel not in self.recorded:
            self.expect([rel])
        self.names.add(rel)
        target = self.root / rel
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        digest, size = hashlib.blake2b(), 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    data = chunk.encode("utf-8")
                    digest.update(data)
                    size += len(data)
                    handle.write(data)
            if _same_file(target, size, digest.digest()):
                Path(tmp).unlink()
                return False
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.written += 1
        return True

    def adopt(self, names: Iterable[str], written: int) -> None:
        """Files another process wrote here through its copy of this writer (forked.py)."""
        names = list(names)
        self.recorded.update(names)
        self.names.update(names)
        self.written += written

    def keep(self, rel: str) -> None:
        """`rel`, written by an earlier run and known to be unchanged, stays."""
        if rel not in self.recorded:
            raise ValueError(f"{rel!r} was never written here")
        self.names.add(rel)

    def finish(self) -> tuple[int, int]:
        """Remove what we wrote before and not now; returns (written, removed)."""
        removed = 0
        for rel in sorted(self.recorded - self.names):
            path = self.root / rel
            if path.is_file() or path.is_symlink():
                removed += 1
            path.unlink(missing_ok=True)
        if removed:
            for path in sorted((p for p in self.root.rglob("*") if p.is_dir()), reverse=True):
                if not any(path.iterdir()):
                    path.rmdir()
        journal = self.root / JOURNAL
        if self.recorded != self.names or journal.exists() or not (self.root / MANIFEST).is_file():
            _write_manifest(self.root, self.names)
            journal.unlink(missing_ok=True)
        return self.written, removed


def _same_file(path: Path, size: int, digest: bytes) -> bool:
    """Whether `path` holds `size` bytes hashing to `digest` (blake2b), read a block at a time."""
    try:
        if path.stat().st_size != size:
            return False
        h = hashlib.blake2b()
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                h.update(block)
    except OSError:
        return False
    return h.digest() == digest


def write_tree(files: dict[str, bytes], root: Path, shown: str = "") -> tuple[int, int]:
    """Make `root` hold exactly `files`: write only what changed, remove only what we wrote before.

    Returns (written, removed). Raises UnsafeOutput, before changing anything, when `root` holds a file
    we did not write or a link.
    """
    for rel in files:
        _check_rel(rel)
    writer = TreeWriter(root, shown)
    writer.expect(files)
    for rel, data in sorted(files.items()):
        writer.write(rel, data)
    return writer.finish()


def staging_dir(target: Path) -> Path:
    """A fresh folder beside `target` for the engine to build into (a name reserved to reviewsite)."""
    staging = target.with_name(f".reviewsite-staging-{target.name}")
    if staging.is_symlink():
        staging.unlink()
    elif staging.exists():
        shutil.rmtree(staging)
    return staging


def publish_dir(staging: Path, target: Path, shown: str) -> None:
    """Replace `target` by the finished build in `staging`, by renames: readers of `target` see the old
    site or the new one, and `target` is only replaced when everything in it is reviewsite's own."""
    guard_output(target, shown)
    files, _ = _walk(staging)
    _write_manifest(staging, files)
    old = target.with_name(f".reviewsite-old-{target.name}")
    if old.exists():
        guard_output(old, old.name)
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)

"""Two builds of the same content are byte-identical, whatever the hash seed, time zone, locale,
project folder or the order in which the file system lists directories."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

from support.sitetools import build, make_project, tree_digest

# Loaded by Python at start-up when its folder is on PYTHONPATH: every directory listing comes back
# in reverse order, so output that depends on listing order (instead of sorting) shows up as a diff.
REVERSED_LISTINGS = '''
import os

_listdir, _scandir = os.listdir, os.scandir


def listdir(path="."):
    return sorted(_listdir(path), reverse=True)


class _Reversed:
    def __init__(self, it):
        self._it, self._entries = it, sorted(it, key=lambda e: e.name, reverse=True)

    def __iter__(self):
        return self

    def __next__(self):
        if not self._entries:
            raise StopIteration
        return self._entries.pop(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._it.close()

    def close(self):
        self._it.close()


def scandir(path="."):
    return _Reversed(_scandir(path))


os.listdir, os.scandir = listdir, scandir
'''


def _env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "PYTHONHASHSEED", "TZ")}
    env.update(changes)
    return env


def test_two_builds_are_byte_identical(tmp_path: Path):
    first = make_project(tmp_path / "a" / "project")
    second = make_project(tmp_path / "elsewhere" / "other-name")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(REVERSED_LISTINGS, encoding="utf-8")

    env_two = _env(PYTHONHASHSEED="4242", TZ="Pacific/Chatham", LC_ALL="C",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")])))
    probe = subprocess.run([sys.executable, "-c", "import os; print(' '.join(os.listdir('content/papers')))"],
                           cwd=second, env=env_two, capture_output=True, text=True, check=True).stdout.split()
    assert len(probe) > 1 and probe == sorted(probe, reverse=True), "the reversed-listing hook is active"

    one = build(first, env=_env(PYTHONHASHSEED="1", TZ="UTC", LC_ALL="C.UTF-8"))
    two = build(second, env=env_two)
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr

    for folder in ("build/docs", "site"):
        a, b = tree_digest(first / folder), tree_digest(second / folder)
        assert a, f"{folder} is empty"
        assert sorted(a) == sorted(b), f"{folder}: different files: {sorted(set(a) ^ set(b))}"
        differing = sorted(name for name in a if a[name] != b[name])
        details = []
        for name in differing[:3]:
            left = (first / folder / name).read_bytes().decode("utf-8", "replace").splitlines()
            right = (second / folder / name).read_bytes().decode("utf-8", "replace").splitlines()
            details += list(difflib.unified_diff(left, right, f"a/{name}", f"b/{name}", n=0, lineterm=""))[:12]
        assert not differing, f"{folder}: {len(differing)} file(s) differ: {differing[:10]}\n" + "\n".join(details)

"""Run one command and report its wall time and peak memory, as one JSON line on stdout.

    python bench/measure.py --log build.log -- reviewsite build

Run it as a fresh process per measurement: `resource.getrusage(RUSAGE_CHILDREN)` then covers exactly the
command's process tree. Its `ru_maxrss` is the peak of the *largest single process* in the tree (the
kernel keeps no sum), so the tree's summed RSS is also sampled from /proc every 50 ms: while MkDocs runs,
the `reviewsite build` process that started it is still alive and holds its own memory. Summed RSS counts
a page shared by a forked child and its parent twice; the summed PSS (`smaps_rollup`) counts it once and is
what the tree really holds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                out += [int(x) for x in handle.read().split()]
        except OSError:
            continue
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: resident memory with each page shared by k processes counted 1/k."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _tree(root: int) -> list[int]:
    out, stack, seen = [], [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        out.append(pid)
        stack += _children(pid)
    return out


def tree_rss_kb(root: int) -> int:
    """Summed resident memory of `root` and all its descendants, now (a page shared by a forked child and
    its parent is counted in both)."""
    return sum(_rss_kb(pid) for pid in _tree(root))


def tree_pss_kb(root: int) -> int:
    """Summed proportional memory of `root` and its descendants: what the tree really holds (shared pages once)."""
    return sum(_pss_kb(pid) for pid in _tree(root))


def measure(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            log: Path | None = None, interval: float = 0.05) -> dict[str, float | int]:
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = peak_pss = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_pss
            while not done.is_set():
                pids = _tree(proc.pid)
                peak = max(peak, sum(_rss_kb(pid) for pid in pids))
                peak_pss = max(peak_pss, sum(_pss_kb(pid) for pid in pids))
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    finally:
        if log:
            out.close()  # type: ignore[union-attr]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "rc": code,
        "wall_s": round(wall, 3),
        "user_s": round(usage.ru_utime, 3),
        "sys_s": round(usage.ru_stime, 3),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB; largest single process
        "tree_rss_mb": round(peak / 1024, 1),  # sampled sum over the process tree
        "tree_pss_mb": round(peak_pss / 1024, 1),  # the same with shared pages counted once
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=None, help="file for the command's output")
    parser.add_argument("--cwd", type=Path, default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    print(json.dumps(measure(command, cwd=args.cwd, log=args.log)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

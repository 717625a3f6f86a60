#!/usr/bin/env python3
"""Does this pull request add a citation? The citations of the checked-out content against its base's.

    python scripts/ci/new_citations.py [BASE]

BASE defaults to HEAD^1: on a pull request, CI checks out the merge commit, whose first parent is the
branch it merges into (so `fetch-depth: 2` is enough). A citation is a (citing file, cited paper) pair,
found as `reviewsite check` finds them (integrity.cited_by: `cites:` lists and `[@…]` in prose), so a
moved or reworded sentence that cites nothing new adds nothing. Writes `added=true|false` to
$GITHUB_OUTPUT (stdout if unset) and lists the new citations on stderr. When the base cannot be read,
it says so and answers true: the strict check is the safe default.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from ghoutput import write_outputs  # scripts/ci/ghoutput.py

from reviewsite.integrity import cited_by
from reviewsite.load import load_content


def citations(root: Path) -> set[tuple[str, str]]:
    """(citing file, cited paper key) for every citation in `root/content` that names a paper file."""
    content, _ = load_content(root)
    return {(path, stem) for stem, paths in cited_by(content).items() for path in paths}


def base_citations(base: str, cwd: Path) -> set[tuple[str, str]]:
    """The citations of `base`'s content/, read from git into a temporary folder."""
    archive = subprocess.run(["git", "archive", "--format=tar", base, "--", "content"], cwd=cwd,
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        return citations(Path(tmp))


def added(base: str, cwd: Path) -> tuple[bool, list[str]]:
    """Whether the checked-out content cites something its base did not, and what, one line each."""
    try:
        before = base_citations(base, cwd)
    except (subprocess.CalledProcessError, tarfile.TarError, OSError) as exc:
        detail = str(exc)
        if isinstance(exc, subprocess.CalledProcessError):
            detail = exc.stderr.decode("utf-8", "replace").strip()
        return True, [f"cannot read the content of {base} ({detail or 'no such commit'}): treating every citation "
                      "as new, so the strict integrity check runs"]
    new = sorted(citations(cwd) - before)
    return bool(new), [f"{path} now cites content/papers/{stem}.yaml" for path, stem in new]


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    found, lines = added(argv[0] if argv else "HEAD^1", Path.cwd())
    for line in lines:
        print(line, file=sys.stderr)
    if not lines:
        print("no citation added", file=sys.stderr)
    write_outputs({"added": "true" if found else "false"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

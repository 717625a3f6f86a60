#!/usr/bin/env python3
"""List what `reviewsite fetch` changed in content/, as a pull-request body and workflow outputs.

    python scripts/ci/changed_papers.py BODY.md

Compares the working tree with HEAD (`git status`). Writes a Markdown body listing new, changed and
removed papers (with the fields that changed) and other changed content files, and sets the outputs
`changed` (true/false) and `summary` ("2 new, 1 changed papers") in $GITHUB_OUTPUT (stdout if unset).
Titles come from upstream records, so they are escaped: they cannot add links, mentions or markup.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

PAPERS = "content/papers/"
_MARKDOWN = re.compile(r"[\\`*_{}\[\]<>#.!|~@&:]")


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def changes(cwd: Path) -> list[tuple[str, str]]:
    """(status, path) for every changed file under content/: status is new, changed or removed."""
    out = git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "content", cwd=cwd)
    entries = out.split("\0")
    result = []
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            i += 1  # the original path follows a rename or copy
        if code == "??" or "A" in code:
            status = "new"
        elif "D" in code:
            status = "removed"
        else:
            status = "changed"
        result.append((status, path))
    return sorted(result, key=lambda item: item[1])


def plain(text: Any, limit: int = 300) -> str:
    """One line of inert Markdown: control characters dropped, Markdown and HTML characters as entities."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MARKDOWN.sub(lambda m: f"&#{ord(m.group())};", text)


def _load(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _old(path: str, cwd: Path) -> dict[str, Any]:
    try:
        return _load(git("show", f"HEAD:{path}", cwd=cwd))
    except subprocess.CalledProcessError:
        return {}


def _new(path: str, cwd: Path) -> dict[str, Any]:
    try:
        return _load((cwd / path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    fields = []
    old_record, new_record = old.get("record") or {}, new.get("record") or {}
    if isinstance(old_record, dict) and isinstance(new_record, dict):
        for key in sorted(set(old_record) | set(new_record)):
            if old_record.get(key) != new_record.get(key):
                fields.append(f"record.{key}")
    for key in sorted((set(old) | set(new)) - {"record"}):
        if old.get(key) != new.get(key):
            fields.append(key)
    return fields


def paper_line(path: str, data: dict[str, Any], fields: list[str] | None = None) -> str:
    stem = Path(path).stem
    record = data.get("record") if isinstance(data.get("record"), dict) else {}
    title = plain(record.get("title") or "(no title)")
    label = f"[PMID {stem}](https://pubmed.ncbi.nlm.nih.gov/{stem}/)" if stem.isdigit() else plain(stem, 80)
    line = f"- {label}: {title}"
    if fields:
        line += " (changed: " + ", ".join(plain(f, 60) for f in fields) + ")"
    return line


def report(cwd: Path) -> tuple[str, dict[str, str]]:
    new, changed, removed, other = [], [], [], []
    for status, path in changes(cwd):
        if not (path.startswith(PAPERS) and path.endswith(".yaml")):
            other.append(f"- {plain(path, 200)} ({status})")
        elif status == "new":
            new.append(paper_line(path, _new(path, cwd)))
        elif status == "removed":
            removed.append(paper_line(path, _old(path, cwd)))
        else:
            old, current = _old(path, cwd), _new(path, cwd)
            changed.append(paper_line(path, current, changed_fields(old, current)))
    parts = [f"{len(new)} new", f"{len(changed)} changed"] + ([f"{len(removed)} removed"] if removed else [])
    summary = ", ".join(parts) + " papers"
    if other:
        summary += f", {len(other)} other files"
    lines = [
        "Automated refresh from PubMed (`reviewsite fetch`). `reviewsite check` passed on this content.",
        "",
        "Look over the new papers before merging; curated fields (`curation:`) are never touched by fetch.",
    ]
    for heading, items in (("New papers", new), ("Changed papers", changed), ("Removed papers", removed),
                           ("Other changed files", other)):
        if items:
            lines += ["", f"## {heading} ({len(items)})", "", *items]
    changed_any = bool(new or changed or removed or other)
    return "\n".join(lines) + "\n", {"changed": "true" if changed_any else "false", "summary": summary}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    body, outputs = report(Path.cwd())
    Path(argv[0]).write_text(body, encoding="utf-8")
    text = "".join(f"{key}={value}\n" for key, value in outputs.items())
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    print(outputs["summary"], file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

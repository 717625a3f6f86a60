#!/usr/bin/env python3
"""The weekly refresh's pull request body: what `reviewsite fetch` changed in content/, triaged.

    python scripts/ci/changed_papers.py BODY.md [--report FETCH-REPORT.json]

Compares the working tree with HEAD (`git status`). The body lists, in this order: new integrity flags
(retractions, expressions of concern, errata) with the files that cite each flagged paper; new papers
grouped by relation, each new citing paper with suggested mechanisms and strategies and the reason;
papers for a curator to look at (PubMed no longer returns them, their identifiers or title changed,
or fetch stripped invisible characters from their text); changed, removed and other files; and every
failure of the fetch (from its report).
Sets the outputs `changed` (true/false), `summary` ("2 new, 1 changed papers") and `failures` (a
count) in $GITHUB_OUTPUT (stdout if unset). Text from upstream records is escaped: it cannot add
links, mentions or markup.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ghoutput import write_outputs  # scripts/ci/ghoutput.py
from pydantic import ValidationError

from reviewsite.fetch.report import FetchReport, load_report
from reviewsite.fetch.triage import suggest, topics
from reviewsite.integrity import cited_by, describe, flags
from reviewsite.load import Content, load_content
from reviewsite.model import Record

PAPERS = "content/papers/"
_MARKDOWN = re.compile(r"[\\`*_{}\[\]<>#.!|~@&:]")
GROUPS = (("cites-review", "Citing the review"), ("similar", "Similar articles"), ("reference", "References"))
UNLINKED = "Not linked to the review by PubMed"
IDENTIFIERS = ("pmid", "doi", "pmcid", "title")


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


def _record(data: dict[str, Any]) -> Record | None:
    try:
        return Record.model_validate(data.get("record"))
    except ValidationError:
        return None


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Fields that differ, `record.fetched` left out (it only says when the record changed)."""
    fields = []
    old_record, new_record = old.get("record") or {}, new.get("record") or {}
    if isinstance(old_record, dict) and isinstance(new_record, dict):
        for key in sorted(set(old_record) | set(new_record)):
            if key != "fetched" and old_record.get(key) != new_record.get(key):
                fields.append(f"record.{key}")
    for key in sorted((set(old) | set(new)) - {"record"}):
        if old.get(key) != new.get(key):
            fields.append(key)
    return fields


def label(path: str) -> str:
    stem = Path(path).stem
    return f"[PMID {stem}](https://pubmed.ncbi.nlm.nih.gov/{stem}/)" if stem.isdigit() else plain(stem, 80)


def paper_line(path: str, data: dict[str, Any], fields: list[str] | None = None) -> str:
    record = data.get("record") if isinstance(data.get("record"), dict) else {}
    line = f"- {label(path)}: {plain(record.get('title') or '(no title)')}"
    if fields:
        line += " (changed: " + ", ".join(plain(f, 60) for f in fields) + ")"
    return line


@dataclass
class Body:
    """The sections of the pull request body, filled file by file."""

    flags: list[str] = field(default_factory=list)
    new: dict[str, list[str]] = field(default_factory=dict)  # group title -> lines
    look: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    new_count: int = 0


class Context:
    """What the sections need besides the files: the loaded content and the fetch report."""

    def __init__(self, cwd: Path, report: FetchReport | None):
        self.cwd, self.report = cwd, report
        content, _ = load_content(cwd)
        self.content: Content = content
        self.citing = cited_by(content)
        self.topics = topics(content)

    def cited(self, path: str) -> str:
        files = self.citing.get(Path(path).stem, [])
        return "cited by " + ", ".join(plain(f, 120) for f in files) if files else "not cited on the site"


def new_flags(path: str, old: dict[str, Any], new: dict[str, Any], ctx: Context) -> str | None:
    """A line when the record carries a flag it did not carry at HEAD (or is new and flagged)."""
    record = _record(new)
    if record is None:
        return None
    before = _record(old)
    seen = {(f.kind, f.notice, f.source) for f in flags(before)} if before is not None else set()
    found = flags(record)
    if not any((f.kind, f.notice, f.source) not in seen for f in found):
        return None
    return f"- {label(path)}: {plain(record.title)}: **{plain(describe(found), 400)}**; {ctx.cited(path)}"


def new_paper(path: str, data: dict[str, Any], ctx: Context, body: Body) -> None:
    """A new paper under its first relation (citing, similar, reference); citing papers get suggestions."""
    relations = [r for r in (data.get("relations") or []) if isinstance(r, str)]
    name, group = next(((n, t) for n, t in GROUPS if n in relations), (None, UNLINKED))
    lines = body.new.setdefault(group, [])
    also = [r for r in relations if r != name]
    lines.append(paper_line(path, data) + (f" (also: {', '.join(plain(r) for r in also)})" if also else ""))
    record = _record(data)
    if "cites-review" in relations and record is not None:
        keywords = ctx.report.keywords.get(Path(path).stem, []) if ctx.report else []
        found = suggest(record, ctx.topics, keywords)
        for s in found:
            lines.append(f"  - may concern the {s.kind} **{plain(s.title, 120)}** (`{s.slug}`; score {s.score}: "
                         f"{plain(s.reason, 200)})")
        if not found:
            lines.append("  - no mechanism or strategy scored high enough to suggest: read it and decide")


def look_again(path: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Identifier and title changes, old and new value side by side."""
    old_record, new_record = old.get("record") or {}, new.get("record") or {}
    if not isinstance(old_record, dict) or not isinstance(new_record, dict):
        return []
    out = []
    for key in IDENTIFIERS:
        before, after = old_record.get(key), new_record.get(key)
        if before != after:
            out.append(f"- {label(path)}: record.{key} changed from “{plain(before or '(none)', 200)}” to "
                       f"“{plain(after or '(none)', 200)}”: check the record is still the same paper")
    return out


def _from_report(report: FetchReport | None, body: Body) -> None:
    if report is None:
        return
    for pmid, notes in sorted(report.notes.items()):
        for note in notes:
            body.look.append(f"- {label(f'{PAPERS}{pmid}.yaml')}: fetch {plain(note, 300)} (characters no text field "
                             "may hold): compare with the PubMed page")
    for failure in report.failures:
        body.failures.append(f"- {plain(failure.where, 200)}: {plain(failure.message, 400)}")
        if failure.kind == "missing" and failure.pmid:
            path = f"{PAPERS}{failure.pmid}.yaml"
            body.look.append(f"- {label(path)}: PubMed no longer returns this PMID: check whether it was withdrawn, "
                             "merged or replaced before keeping the paper")


def sections(cwd: Path, report: FetchReport | None) -> Body:
    ctx, body = Context(cwd, report), Body()
    for status, path in changes(cwd):
        if not (path.startswith(PAPERS) and path.endswith(".yaml")):
            body.other.append(f"- {plain(path, 200)} ({status})")
            continue
        old = _old(path, cwd) if status != "new" else {}
        new = _new(path, cwd) if status != "removed" else {}
        flag = new_flags(path, old, new, ctx) if status != "removed" else None
        if flag:
            body.flags.append(flag)
        if status == "new":
            body.new_count += 1
            new_paper(path, new, ctx, body)
        elif status == "removed":
            body.removed.append(paper_line(path, old))
        else:
            body.changed.append(paper_line(path, new, changed_fields(old, new)))
            body.look += look_again(path, old, new)
    _from_report(report, body)
    return body


def render(body: Body, report: FetchReport | None) -> str:
    lines = ["Automated refresh from PubMed (`reviewsite fetch`). `reviewsite check` passed on this content."]
    if body.failures:
        n = len(body.failures)
        lines.append(f"**The fetch was incomplete: {n} failure{'s' if n != 1 else ''}, listed at the end.** What was "
                     "fetched is proposed here all the same.")
    lines += ["", "Look over the new papers before merging; curated fields (`curation:`) are never touched by fetch. "
              "Suggested topics are only suggestions: accept one by adding it to the paper's `curation.mechanisms` "
              "or `curation.strategies`."]

    def section(heading: str, items: list[str]) -> None:
        if items:
            lines.extend(["", f"## {heading} ({len(items)})", "", *items])

    section("New integrity flags", body.flags)
    if body.new_count:
        lines.extend(["", f"## New papers ({body.new_count})"])
        order = [title for _, title in GROUPS] + [UNLINKED]
        for title in order:
            items = body.new.get(title, [])
            if items:
                count = sum(1 for item in items if item.startswith("- "))
                lines.extend(["", f"### {title} ({count})", "", *items])
    section("For a curator to look at", body.look)
    section("Changed papers", body.changed)
    section("Removed papers", body.removed)
    section("Other changed files", body.other)
    section("Fetch failures", body.failures)
    return "\n".join(lines) + "\n"


def report(cwd: Path, fetch_report: FetchReport | None = None) -> tuple[str, dict[str, str]]:
    body = sections(cwd, fetch_report)
    parts = [f"{body.new_count} new", f"{len(body.changed)} changed"]
    parts += [f"{len(body.removed)} removed"] if body.removed else []
    summary = ", ".join(parts) + " papers"
    if body.other:
        summary += f", {len(body.other)} other files"
    if body.flags:
        summary += f", {len(body.flags)} new integrity flag{'s' if len(body.flags) != 1 else ''}"
    if body.failures:
        summary += f", {len(body.failures)} fetch failure{'s' if len(body.failures) != 1 else ''}"
    changed_any = bool(body.new_count or body.changed or body.removed or body.other)
    outputs = {"changed": "true" if changed_any else "false", "summary": summary, "failures": str(len(body.failures))}
    return render(body, fetch_report), outputs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("body", type=Path, help="where to write the pull request body (Markdown)")
    parser.add_argument("--report", type=Path, default=None, help="the fetch report (REVIEWSITE_FETCH_REPORT)")
    args = parser.parse_args(argv)
    fetch_report = None
    if args.report is not None:
        try:
            fetch_report = load_report(args.report)
        except (OSError, ValueError) as exc:
            print(f"changed_papers: cannot read the fetch report: {exc}", file=sys.stderr)
            return 2
    body, outputs = report(Path.cwd(), fetch_report)
    args.body.write_text(body, encoding="utf-8")
    write_outputs(outputs)
    print(outputs["summary"], file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

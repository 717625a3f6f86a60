"""Hostile input: what contributors (or upstream metadata) can put in content files.

Two corpora in tests/fixtures/hostile/:

- broken.json: broken YAML and schema violations. Each one, applied to a built copy of the minimal
  fixture, makes `reviewsite build` exit 1 with a `path:line:col: message` line at the right line,
  no traceback, and no file of the project changed.
- xss.json: XSS and markup-injection payloads. Every payload goes into every text, identifier and
  list field of every content kind (review, mechanism, strategy, paper). Each field either rejects
  it with a problem on that field's own lines, or accepts it; then ONE hostile site is built with
  every accepted payload spread over every field it is accepted in, and must hold all the site
  invariants (reviewsite.invariants, including the Nu HTML checker), leak no file, evaluate no
  template syntax, inject no front matter, and, visited page by page in Chromium, open no dialog
  (every payload that could run calls alert), log no error and request nothing from another origin.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own build output
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from reviewsite import cli
from reviewsite.check import check
from reviewsite.config import find_project
from reviewsite.invariants import check_site
from reviewsite.safeyaml import YamlError, loads
from support.sitetools import (
    FIXTURES,
    REVIEWSITE,
    VNU_JAR,
    SiteServer,
    Watcher,
    base_path,
    build,
    make_project,
    tree_digest,
)

HOSTILE = FIXTURES / "hostile"
PAYLOADS: list[dict[str, Any]] = json.loads((HOSTILE / "xss.json").read_text(encoding="ascii"))["payloads"]
BROKEN: list[dict[str, Any]] = json.loads((HOSTILE / "broken.json").read_text(encoding="ascii"))["cases"]


# ====================================================================== broken YAML and schema violations


def case_bytes(case: dict[str, Any]) -> bytes:
    if "bytes_hex" in case:
        return bytes.fromhex(case["bytes_hex"])
    if "generate" in case:
        g = case["generate"]
        return (g.get("prefix", "") + g["repeat"] * g["times"] + g.get("suffix", "")).encode("utf-8")
    text = "".join(line + "\n" for line in case["lines"])
    return text.encode(case.get("encoding", "utf-8"))


def apply_case(project: Path, case: dict[str, Any], file: str | None = None) -> tuple[int, Any]:
    """Apply a case to the project; returns the expected line and a function that undoes it."""
    target = project / (file or case["file"])
    if "replace" in case:
        old, new = case["replace"]
        original = target.read_bytes()
        text = original.decode("utf-8")
        assert old in text, f"{case['name']}: the fixture no longer contains {old!r}"
        at = text.index(old)
        target.write_bytes(text.replace(old, new, 1).encode("utf-8"))
        line = text.count("\n", 0, at) + 1 + case.get("line_offset", 0)
        return line, lambda: target.write_bytes(original)
    assert not target.exists()
    target.write_bytes(case_bytes(case))
    return case["line"], target.unlink


@pytest.fixture(scope="module")
def built_copy(real_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built fixture project (content, generated docs and site all present)."""
    dest = tmp_path_factory.mktemp("broken") / "project"
    shutil.copytree(real_site, dest)
    return dest


@pytest.mark.parametrize("case", BROKEN, ids=[c["name"] for c in BROKEN])
def test_broken_input_is_reported_at_its_line_and_changes_nothing(built_copy, case, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "315532800")  # in case the build wrongly goes ahead
    monkeypatch.chdir(built_copy)
    line, undo = apply_case(built_copy, case)
    try:
        before = tree_digest(built_copy)
        code = cli.main(["--project", str(built_copy), "build"])  # an exception escaping here is a traceback
        after = tree_digest(built_copy)
    finally:
        undo()
    out = capsys.readouterr()
    assert code == 1, f"exit {code}\n{out.err}"
    assert "Traceback" not in out.err + out.out
    pattern = re.compile(rf"^{re.escape(case['file'])}:{line}:(\d+): (.+)$")
    hits = [m for m in map(pattern.match, out.err.splitlines()) if m and case["message"] in m.group(2)]
    assert hits, f"expected '{case['file']}:{line}:…{case['message']}…' in:\n{out.err}"
    if "col" in case:
        assert any(int(m.group(1)) == case["col"] for m in hits), f"column {case['col']} expected:\n{out.err}"
    assert after == before, f"files changed: {sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))}"
    assert not list(built_copy.rglob("MARKER*"))


def test_all_broken_files_at_once_in_a_real_process(real_site: Path, tmp_path: Path):
    """Every new-file case together: one run of the real command reports them all, sorted, as annotations too."""
    project = tmp_path / "project"
    shutil.copytree(real_site / "content", project / "content")
    shutil.copy(real_site / "mkdocs.yml", project / "mkdocs.yml")
    expected = []
    for case in BROKEN:
        if "replace" in case:
            continue
        file = case["file"].replace("/broken.yaml", f"/{case['name']}.yaml")
        line, _ = apply_case(project, case, file)
        expected.append((file, line, case["message"]))
    result = subprocess.run([str(REVIEWSITE), "--project", str(project), "check"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False, env={"PATH": "/usr/bin:/bin", "GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    problems = [line for line in result.stderr.splitlines() if re.match(r"^content/\S+:\d+:\d+: ", line)]
    for file, line, message in expected:
        assert any(p.startswith(f"{file}:{line}:") and message in p for p in problems), (file, line, message)
    keys = [(p.split(":")[0], int(p.split(":")[1]), int(p.split(":")[2])) for p in problems]
    assert keys == sorted(keys), "problems are printed sorted by path and line"
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error file=")]
    assert len(annotations) == len(problems)
    assert not list(tmp_path.rglob("MARKER*"))


# ====================================================================== XSS and injection payloads

# Where payloads go. A slot is a path into a content file and how values there combine:
#   line  - one line of plain text (several payloads are joined with spaces)
#   prose - Markdown (several payloads are joined as paragraphs)
#   item  - one item of a list of single lines (several payloads become several items)
#   pitem - one item of a list of Markdown texts (likewise)
#   id    - an identifier, a date, a number or a choice (one payload at a time)
RECORD_SLOTS: list[tuple[tuple[Any, ...], str]] = [
    (("record", "pmid"), "id"), (("record", "pmcid"), "id"), (("record", "doi"), "id"),
    (("record", "title"), "line"),
    (("record", "authors", 0, "family"), "line"), (("record", "authors", 0, "given"), "line"),
    (("record", "authors", 0, "initials"), "line"), (("record", "authors", 0, "orcid"), "id"),
    (("record", "authors", 1, "collective"), "line"),
    (("record", "journal"), "line"), (("record", "journal_abbrev"), "line"),
    (("record", "published"), "id"), (("record", "epublished"), "id"),
    (("record", "volume"), "line"), (("record", "issue"), "line"), (("record", "pages"), "line"),
    (("record", "abstract", 0, "label"), "line"), (("record", "abstract", 0, "text"), "prose"),
    (("record", "publication_types", 0), "item"), (("record", "mesh", 0), "item"), (("record", "language"), "line"),
]
TOPIC_SLOTS: list[tuple[tuple[Any, ...], str]] = [
    (("title",), "line"), (("order",), "id"),
    (("diseases", 0), "item"), (("antigens", 0), "item"), (("products", 0), "item"),
    (("summary",), "prose"), (("evidence", 0, "finding"), "prose"), (("evidence", 0, "cites", 0), "id"),
]
SLOTS: dict[str, list[tuple[tuple[Any, ...], str]]] = {
    "review": [*RECORD_SLOTS, (("key_points", 0), "pitem"), (("overview",), "prose")],
    "mechanism": [*TOPIC_SLOTS, (("category",), "id")],
    "strategy": [*TOPIC_SLOTS, (("stage",), "id"), (("addresses", 0), "id"), (("trials", 0, "id"), "id"),
                 (("trials", 0, "name"), "line"), (("trials", 0, "cites", 0), "id")],
    "paper": [*RECORD_SLOTS[1:], (("relations", 0), "id"),  # a paper with a PMID must be named after it
              (("curation", "summary"), "prose"), (("curation", "tags", 0), "item"),
              (("curation", "mechanisms", 0), "id"), (("curation", "strategies", 0), "id"),
              (("curation", "trials", 0), "id"), (("curation", "notes"), "prose"), (("curation", "added"), "id")],
}
GROUPS = 4  # hostile files per kind: every accepted payload reaches every field of its kind once


def base_record(n: int) -> dict[str, Any]:
    return {
        "pmcid": f"PMC99{n}", "doi": f"10.5555/hostile-{n}", "title": f"Hostile record {n}",
        "authors": [{"family": "Hostile", "given": "Ann", "initials": "A", "orcid": "0000-0002-1825-0097"},
                    {"collective": "Hostile Study Group"}],
        "journal": "Journal of Hostile Input", "journal_abbrev": "J Host Inp", "published": "2020-01-02",
        "epublished": "2019-12", "volume": "1", "issue": "2", "pages": "3-4",
        "abstract": [{"label": "BACKGROUND", "text": "Background text."}],
        "publication_types": ["Journal Article"], "mesh": ["Humans"], "language": "eng",
    }


def base_doc(kind: str, n: int) -> dict[str, Any]:
    """A valid file of each kind. Hostile file `n` of a kind cites and is cited by the others with `n`, but
    only from fields that are slots, so a payload refused in one file never breaks a reference elsewhere."""
    if kind == "review":
        review = yaml.safe_load((FIXTURES / "minimal" / "content" / "review.yaml").read_text(encoding="utf-8"))
        review["record"] = {**base_record(n), **{k: v for k, v in review["record"].items() if k in ("pmid", "doi")}}
        review["key_points"] = ["Hostile papers [@paper:hostile-paper-0].", "Key point [@pmid:29155426]."]
        review["overview"] = "Overview [@pmid:26516065]."
        return review
    topic = {"title": f"Hostile {kind} {n}", "order": "50", "diseases": ["B-ALL"], "antigens": ["CD19"],
             "products": ["tisa-cel"], "summary": f"Summary [@paper:hostile-paper-{n}].",
             "evidence": [{"finding": "A finding.", "cites": [f"paper:hostile-paper-{n}"], "kind": "observational",
                           "context": "B-ALL, children"}]}
    if kind == "mechanism":
        return {**topic, "category": "antigen-escape"}
    if kind == "strategy":
        return {**topic, "stage": "preclinical", "addresses": [f"hostile-mechanism-{n}"],
                "trials": [{"id": "NCT02315612", "name": "A trial", "cites": ["pmid:29155426"]}]}
    return {"record": base_record(n), "relations": ["reference"],
            "curation": {"summary": "In brief.", "tags": ["tag"], "mechanisms": [f"hostile-mechanism-{n}"],
                         "strategies": [f"hostile-strategy-{n}"], "trials": ["NCT02315612"], "notes": "Notes.",
                         "added": "2026-01-02"}}


FILES = {
    "review": lambda n: "content/review.yaml",
    "mechanism": lambda n: f"content/mechanisms/hostile-mechanism-{n}.yaml",
    "strategy": lambda n: f"content/strategies/hostile-strategy-{n}.yaml",
    "paper": lambda n: f"content/papers/hostile-paper-{n}.yaml",
}


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml when PyYAML has it: much faster
    """Multi-line strings as `|` blocks, as contributors write them (the emitter falls back when it must)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def dump(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)


def put(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


@lru_cache(maxsize=64)
def spans(text: str, kind: str) -> list[tuple[int, int]]:
    """First and last line of each slot of `kind` in the dumped file."""
    slots = SLOTS[kind]
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    out = []
    for path, _ in slots:
        node = root
        for part in path:
            node = dict((k.value, v) for k, v in node.value)[part] if isinstance(node, yaml.MappingNode) \
                else node.value[part]
        end = node.end_mark.line + (1 if node.end_mark.column > 0 else 0)
        out.append((node.start_mark.line + 1, max(end, node.start_mark.line + 1)))
    return out


def hostile_project(dest: Path, files: int = GROUPS) -> Path:
    """The minimal fixture plus valid hostile files of each kind (and the review replaced)."""
    project = make_project(dest)
    for kind in SLOTS:
        for n in range(files if kind != "review" else 1):
            (project / FILES[kind](n)).write_text(dump(base_doc(kind, n)), encoding="utf-8")
    return project


def _write(project: Path, kind: str, value: str | None, filled: set[int]) -> str:
    """File 0 of `kind` with `value` in the slots `filled` (base values elsewhere); returns its text."""
    doc = base_doc(kind, 0)
    for i, (path, _) in enumerate(SLOTS[kind]):
        if i in filled:
            put(doc, path, value)
    text = dump(doc)
    (project / FILES[kind](0)).write_text(text, encoding="utf-8")
    return text


def _refused_by_reader(text: str) -> bool:
    try:
        loads(text.encode("utf-8"))
    except YamlError:
        return True
    return False


def _accepted_slots(project: Path, value: str, failures: list[str], label: str) -> dict[str, set[int]]:
    """Slots of each kind that accept `value`, all at once.

    Start with the value in every slot of every kind; drop each slot with a problem on its own lines; check
    again with the value only where it is left, until nothing is reported (a file that fails validation is
    never cross-checked, so references can only fail once the rest passes). A file the YAML reader refuses
    outright (it stops at the first bad character) is tried one slot at a time instead.
    """
    remaining = {kind: set(range(len(slots))) for kind, slots in SLOTS.items()}
    for kind, _slots in SLOTS.items():
        if _refused_by_reader(_write(project, kind, value, remaining[kind])):
            remaining[kind] = _one_by_one(project, kind, value, failures, label)
    for _ in range(10):
        texts = {kind: _write(project, kind, value, remaining[kind]) for kind in SLOTS}
        problems = check(find_project(project))[1]
        if not problems:
            return remaining
        changed = False
        for p in problems:
            kind = next((k for k in SLOTS if FILES[k](0) == p.path), None)
            if kind is None:
                failures.append(f"{label}: problem in a file it is not in: {p}")
                return remaining
            inside = [i for i, (first, last) in enumerate(spans(texts[kind], kind)) if first <= p.line <= last]
            if not inside:
                failures.append(f"{label} in {kind}: problem on no field's lines: {p}")
                return remaining
            changed |= bool(remaining[kind] & set(inside))
            remaining[kind] -= set(inside)
        if not changed:
            failures.append(f"{label}: problems remain: {[str(p) for p in problems]}")
            return remaining
    failures.append(f"{label}: no fixed point")
    return remaining


def _one_by_one(project: Path, kind: str, value: str, failures: list[str], label: str) -> set[int]:
    for other in SLOTS:
        _write(project, other, None, set())
    accepted = set()
    for i, (path, _) in enumerate(SLOTS[kind]):
        text = _write(project, kind, value, {i})
        first, last = spans(text, kind)[i]
        try:
            loads(text.encode("utf-8"))
        except YamlError as exc:  # refused by the reader: enough, if it is on the slot's lines
            if not first <= exc.line <= last:
                failures.append(f"{label} alone in {kind} {path}: reader error off its lines: {exc}")
            continue
        own = [p for p in check(find_project(project))[1] if p.path == FILES[kind](0)]
        if not own:
            accepted.add(i)
        failures += [f"{label} alone in {kind} {path}: problem off its lines: {p}"
                     for p in own if not first <= p.line <= last]
    _write(project, kind, None, set())
    return accepted


@pytest.fixture(scope="module")
def acceptance(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[str]]]:
    """For every kind and slot, the payloads `check` accepts there; every refusal is on the slot's own lines."""
    project = hostile_project(tmp_path_factory.mktemp("acceptance") / "project", files=1)
    base = check(find_project(project))[1]
    assert base == [], [str(p) for p in base]
    accepted: dict[str, list[list[str]]] = {kind: [[] for _ in slots] for kind, slots in SLOTS.items()}
    failures: list[str] = []
    for payload in PAYLOADS:
        for kind, slots in _accepted_slots(project, payload["text"], failures, payload["id"]).items():
            for i in slots:
                accepted[kind][i].append(payload["text"])
    for kind in SLOTS:
        _write(project, kind, None, set())
    assert not failures, "\n".join(failures)
    return accepted


def test_every_payload_in_every_field_is_rejected_on_that_field_or_accepted(acceptance):
    """The work is in the `acceptance` fixture; here, the rules every field must follow."""
    by_id = {p["text"]: p["id"] for p in PAYLOADS}
    must_reject = {"bidi-override", "bidi-isolate", "zero-width", "nul", "bell", "next-line-c1", "ansi-escape",
                   "md-js-tab", "md-js-leading-control", "citation-forgery"}
    problems = []
    for kind, slots in SLOTS.items():
        for (path, how), values in zip(slots, acceptance[kind], strict=True):
            ids = {by_id[v] for v in values}
            if ids & must_reject:
                problems.append(f"{kind} {'.'.join(map(str, path))} accepts {sorted(ids & must_reject)}")
            if how in ("line", "item") and any("\n" in v for v in values):
                problems.append(f"{kind} {'.'.join(map(str, path))} accepts a line break")
            if how == "id" and path[-1] not in ("order",) and ids - {"doi-like-quote", "doi-like-js"}:
                problems.append(f"{kind} {'.'.join(map(str, path))} accepts {sorted(ids)}")
    assert not problems, "\n".join(problems)
    # Sanity: text fields do take hostile text (otherwise the site below would test nothing).
    title = [v for (path, _), v in zip(SLOTS["paper"], acceptance["paper"], strict=True) if path == ("record", "title")]
    assert len(title[0]) > len(PAYLOADS) // 2


@pytest.mark.parametrize("link", ["%6Aavascript:alert(1)", "//evil.example/x", "#top", "relative/page/",
                                  "mailto:a@example.org", "http://example.org/"])
def test_a_refused_link_stays_text_instead_of_an_anchor_without_href(link):
    from reviewsite import prose

    html = prose.render(f"see [x]({link}) here")
    assert "<a" not in html and f"[x]({link})" in html.replace("&amp;", "&")


@pytest.fixture(scope="module")
def hostile_site(acceptance, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One site with every accepted payload in every field that accepts it (spread over GROUPS files a kind)."""
    root = tmp_path_factory.mktemp("hostile")
    project = hostile_project(root / "project")
    canary = f"CANARY-{uuid.uuid4()}"
    for folder in (project, root):
        (folder / ".env").write_text(f"SECRET={canary}\n", encoding="utf-8")
        (folder / "CANARY.txt").write_text(canary + "\n", encoding="utf-8")
    groups = [PAYLOADS[g::GROUPS] for g in range(GROUPS)]
    for kind, slots in SLOTS.items():
        for n in range(GROUPS if kind != "review" else 1):
            doc = base_doc(kind, n)
            for j, (path, how) in enumerate(slots):
                accepted = acceptance[kind][j]
                if how == "id":
                    value = accepted[n] if n < len(accepted) else None
                    if value is not None:
                        put(doc, path, value)
                    continue
                if kind == "review" and how in ("item", "pitem"):
                    chosen = accepted  # the one review carries every accepted payload in its lists
                else:
                    group = {p["text"] for p in groups[(n + j) % GROUPS]}
                    chosen = [v for v in accepted if v in group]
                if not chosen:
                    continue
                if how in ("item", "pitem"):
                    put(doc, path[:-1], chosen)  # the whole list
                else:
                    put(doc, path, " ".join(chosen) if how == "line" else "\n\n".join(chosen))
            (project / FILES[kind](n)).write_text(dump(doc), encoding="utf-8")
    problems = check(find_project(project))[1]
    assert problems == [], "payloads accepted one by one are refused together:\n" + "\n".join(map(str, problems))
    result = build(project)
    assert result.returncode == 0, f"the hostile site does not build:\n{result.stdout}\n{result.stderr}"
    (project / "canary").write_text(canary, encoding="utf-8")
    return project


def test_hostile_site_holds_every_invariant(hostile_site: Path):
    assert VNU_JAR.is_file(), "run `python3 scripts/dev.py test` to install the Nu HTML checker"
    problems = check_site(hostile_site / "site", vnu_jar=VNU_JAR)
    assert [str(p) for p in problems] == []


def test_hostile_site_leaks_no_file_evaluates_no_template_and_injects_no_front_matter(hostile_site: Path,
                                                                                      real_site: Path):
    canary = (hostile_site / "canary").read_text(encoding="utf-8")
    site = hostile_site / "site"
    leaked = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file() and canary.encode() in p.read_bytes()]
    assert leaked == [], "snippet syntax included a local file"
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    assert any("{{ 7*7 }}" in text for text in pages.values()), "template syntax stays literal text"
    assert any("{% include &#34;mkdocs.yml&#34; %}" in text or '{% include "mkdocs.yml" %}' in text
               or "{% include &quot;mkdocs.yml&quot; %}" in text for text in pages.values())
    assert not any("site_name:" in text for text in pages.values()), "mkdocs.yml was not included"

    def front_keys(project: Path) -> set[str]:
        keys: set[str] = set()
        for md in (project / "build" / "docs").rglob("*.md"):
            text = md.read_text(encoding="utf-8")
            assert text.startswith("---\n"), md
            keys |= set(yaml.safe_load(text.split("\n---\n", 1)[0][4:]))
        return keys

    assert front_keys(hostile_site) <= front_keys(real_site) | {"tags", "hide", "citation", "search"}
    for path in site.rglob("*"):
        if path.suffix == ".xml":
            ET.parse(path)  # noqa: S314 - our own output
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.browser
def test_no_payload_runs_in_the_browser(hostile_site: Path, chromium):
    """Every page of the hostile site once, plus search, highlight and explorer parameters full of payloads."""
    site = hostile_site / "site"
    prefix = base_path(hostile_site)
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    paths = sorted({re.sub(r"^https?://[^/]+", "", loc).removeprefix(prefix)
                    for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)})
    assert any(p.startswith("papers/hostile-paper-") for p in paths)
    bait = '<img src=x onerror=alert("xss:query")>'
    with SiteServer(site, prefix) as server:
        ctx = chromium.new_context()
        watcher = Watcher(server.origin)
        watcher.attach(ctx)
        page = ctx.new_page()
        visits = [*paths, "no/such/page/", f"?q={bait}", f"literature/?h={bait}",
                  f"literature/?text={bait}&type={bait}&topic={bait}&relation={bait}&sort={bait}"]
        for path in visits:
            page.goto(server.url + path, wait_until="load")
            page.wait_for_function("() => document.documentElement.classList.contains('js')")  # theme script ran
        page.wait_for_timeout(300)  # late event handlers (image errors, toggles) get their chance
        page.locator("[data-rs-search-open]").first.click()
        box = page.locator("#rs-search-input")
        found = {}
        for query in ("script", "onerror", "javascript", "alert"):  # results render the hostile text
            box.fill("")
            box.press_sequentially(query, delay=10)
            page.wait_for_function("q => document.getElementById('rs-search-status').textContent.includes(q)"
                                   " && !document.querySelector('#rs-search-results li.rs-search__hit[hidden]')",
                                   arg=query)
            found[query] = page.locator(".rs-search__hit").count()
        page.wait_for_timeout(200)
        ctx.close()
    assert watcher.dialogs == [], "payloads ran:\n" + "\n".join(watcher.dialogs)
    assert found["onerror"] > 0, f"search shows hostile pages ({found})"
    assert watcher.foreign_requests == [], watcher.foreign_requests
    errors = [e for e in watcher.console_errors if "404" not in e] + watcher.page_errors
    assert errors == []
    assert [f for f in watcher.failed if "no/such/page" not in f] == []

"""After any sequence of edits, the docs folder `reviewsite serve` keeps up to date (incremental.SiteGenerator,
run again after each edit) is byte for byte what a clean build of the same content writes; an invalid edit
leaves the last good pages untouched; and an edit renders only the pages it can change.

The scripted test walks the minimal fixture through every kind of edit; the random one drives a few
dozen seeded edits through a synthetic 40-paper project (bench/generate.py), where papers cite each
other, carry flags and topics, and files are added, deleted, renamed and broken.
"""

from __future__ import annotations

import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from reviewsite.build import generate
from reviewsite.config import find_project
from reviewsite.engines import get_engine
from reviewsite.incremental import SiteGenerator

ROOT = Path(__file__).resolve().parent.parent


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_build(project: Path, scratch: Path) -> dict[str, bytes] | None:
    """The docs folder a fresh `reviewsite build --pages-only` writes for this content (None if invalid)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(project, scratch, ignore=shutil.ignore_patterns("build", "site", ".cache"))
    result = generate(find_project(scratch))
    return None if result.problems else tree(scratch / "build" / "docs")


def assert_same(incremental: dict[str, bytes], clean: dict[str, bytes], step: str) -> None:
    missing, extra = sorted(clean.keys() - incremental.keys()), sorted(incremental.keys() - clean.keys())
    differ = sorted(k for k in clean.keys() & incremental.keys() if clean[k] != incremental[k])
    assert not (missing or extra or differ), f"after {step}: missing {missing[:5]}, extra {extra[:5]}, differ {differ[:5]}"


class Session:
    """A project served incrementally, checked against a clean build after every edit."""

    def __init__(self, project: Path, scratch: Path):
        self.project = project
        self.scratch = scratch
        self.generator = SiteGenerator(find_project(project), get_engine("mkdocs"), keep_pieces=True)
        self.last_good: dict[str, bytes] | None = None
        self.runs: list[Any] = []
        self.step("the first run")

    def step(self, what: str) -> bool:
        run = self.generator.run()
        self.runs.append(run)
        docs = tree(self.project / "build" / "docs")
        clean = clean_build(self.project, self.scratch)
        assert (clean is None) == bool(run.problems), f"after {what}: {run.problems[:3]}"
        if clean is None:
            assert self.last_good is not None
            assert_same(docs, self.last_good, what + " (invalid: the last good pages stay)")
            return False
        assert_same(docs, clean, what)
        self.last_good = docs
        return True


def edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_kind_of_edit_leaves_what_a_clean_build_writes(project: Path, tmp_path: Path):
    s = Session(project, tmp_path / "clean")
    content = project / "content"
    paper = content / "papers" / "26516065.yaml"
    mechanism = content / "mechanisms" / "limited-persistence.yaml"

    replace(mechanism, "may disappear early", "vanish within weeks")
    assert s.step("a mechanism's summary")
    replace(mechanism, "Limited CAR T persistence", "Short CAR T persistence")
    assert s.step("a mechanism's title")
    citing = content / "papers" / "29155426.yaml"
    edit_yaml(citing, lambda d: d.setdefault("curation", {}).update(summary="Builds on [@pmid:26516065]."))
    assert s.step("a paper's summary citing another paper")
    replace(paper, "Convergence of Acquired", "Convergence of Late Acquired")
    assert s.step("the title of a paper another paper cites")
    replace(mechanism, "vanish within weeks.", "vanish within weeks [@pmid:26516065].")
    assert s.step("a new citation of a paper")
    edit_yaml(paper, lambda d: d["curation"].update(mechanisms=["cd19-genetic-loss", "limited-persistence"]))
    assert s.step("a paper's topics")
    edit_yaml(paper, lambda d: d["record"].update(corrections=[{"type": "RetractionIn", "pmid": "99999999"}]))
    assert s.step("a retraction notice")
    new = content / "papers" / "30000001.yaml"
    edit_yaml(paper, lambda d: None)
    shutil.copy(paper, new)
    edit_yaml(new, lambda d: d["record"].update(pmid="30000001", doi="10.5555/new", title="A new paper"))
    assert s.step("a new paper")
    edit_yaml(new, lambda d: d["record"].update(corrections=[]))
    replace(mechanism, "[@pmid:26516065]", "[@pmid:26516065; @pmid:30000001]")
    assert s.step("a citation of the new paper")
    new.unlink()
    assert not s.step("deleting a cited paper (invalid)")
    replace(mechanism, "; @pmid:30000001]", "]")
    assert s.step("removing the citation")
    mechanism.write_text(mechanism.read_text() + "evidence: [unclosed\n")
    assert not s.step("a YAML syntax error")
    replace(mechanism, "evidence: [unclosed\n", "")
    assert s.step("the syntax error fixed")
    (content / "papers" / "rosenbaum-2017.yaml").rename(content / "papers" / "rosenbaum-2017-nejm.yaml")
    citing = [p for p in content.rglob("*.yaml") if "paper:rosenbaum-2017" in p.read_text()]
    assert s.step("a renamed paper file") is not citing
    for path in citing:
        path.write_text(path.read_text().replace("paper:rosenbaum-2017", "paper:rosenbaum-2017-nejm"))
    if citing:
        assert s.step("its citations renamed")
    edit_yaml(content / "review.yaml", lambda d: d.update(key_points=[*d.get("key_points", []), "A new key point."]))
    assert s.step("the review's key points")
    overview = content / "overviews" / "failure-patterns.yaml"
    if overview.is_file():
        overview.unlink()
        assert s.step("a deleted overview")
    template = project / "templates" / "paper.md.j2"
    template.write_text(template.read_text() + "\n<p>Template footer</p>\n", encoding="utf-8")
    assert s.step("a template")
    untouched = content / "papers" / "29155426.yaml"
    edit_yaml(untouched, lambda d: d["record"].update(abstract=[{"text": "A new abstract."}]))
    assert s.step("an abstract")
    papers = len(list((content / "papers").glob("*.yaml")))
    last = s.runs[-1]
    assert last.rendered == last.pages - papers + 1, "of the paper pages, only the edited one is rendered again"


# ------------------------------------------------------------------------------------------ random edits


def _generate(n: int, dest: Path) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate as bench_generate  # noqa: PLC0415 - bench/ is not a package
    finally:
        sys.path.pop(0)
    return bench_generate.generate(n, dest, seed=3)


class Editor:
    """Random, mostly valid, edits of a synthetic project (seeded)."""

    def __init__(self, project: Path, rng: random.Random):
        self.content = project / "content"
        self.rng = rng
        self.broken: tuple[Path, str] | None = None
        self.next_pmid = 95_000_000

    def papers(self) -> list[Path]:
        return sorted((self.content / "papers").glob("*.yaml"))

    def pick(self, folder: str) -> Path:
        return self.rng.choice(sorted((self.content / folder).glob("*.yaml")))

    def cite(self) -> str:
        return f"[@pmid:{self.rng.choice(self.papers()).stem}]"

    def apply(self) -> str:
        if self.broken is not None:  # repair the file broken last time
            path, text = self.broken
            path.write_text(text, encoding="utf-8")
            self.broken = None
            return f"repairing {path.name}"
        ops = [self.paper_title, self.paper_summary, self.paper_topics, self.paper_flag, self.paper_add,
               self.paper_delete, self.mechanism_summary, self.mechanism_evidence, self.strategy_addresses,
               self.topic_title, self.break_file]
        op = self.rng.choice(ops)
        return op()

    def paper_title(self) -> str:
        path = self.pick("papers")
        edit_yaml(path, lambda d: d["record"].update(title=d["record"]["title"] + " revised"))
        return f"title of {path.name}"

    def paper_summary(self) -> str:
        path = self.pick("papers")
        cite = self.cite()
        edit_yaml(path, lambda d: d.setdefault("curation", {}).update(summary=f"Now summarised {cite}."))
        return f"summary of {path.name} citing {cite}"

    def paper_topics(self) -> str:
        path = self.pick("papers")
        slug = self.pick("mechanisms").stem

        def toggle(d: dict[str, Any]) -> None:
            cur = d.setdefault("curation", {})
            found = cur.get("mechanisms", [])
            cur["mechanisms"] = [m for m in found if m != slug] if slug in found else [*found, slug]

        edit_yaml(path, toggle)
        return f"topic {slug} of {path.name}"

    def paper_flag(self) -> str:
        path = self.pick("papers")
        kind = self.rng.choice(["RetractionIn", "ErratumIn", "ExpressionOfConcernIn", None])
        notice = self.rng.choice(self.papers()).stem
        edit_yaml(path, lambda d: d["record"].update(corrections=[{"type": kind, "pmid": notice}] if kind else []))
        return f"flag {kind} on {path.name}"

    def paper_add(self) -> str:
        source = self.pick("papers")
        self.next_pmid += 1
        pmid = str(self.next_pmid)
        target = self.content / "papers" / f"{pmid}.yaml"
        shutil.copy(source, target)
        edit_yaml(target, lambda d: d["record"].update(pmid=pmid, doi=f"10.5555/added.{pmid}",
                                                      title=f"Added paper {pmid}"))
        return f"new paper {pmid}"

    def paper_delete(self) -> str:
        """Delete a paper no other file names (deleting a cited one is the scripted test's job)."""
        texts = "\n".join(p.read_text(encoding="utf-8") for p in self.content.rglob("*.yaml"))
        free = [p for p in self.papers() if texts.count(p.stem) == 1]
        if not free:
            return self.paper_add()
        path = self.rng.choice(free)
        path.unlink()
        return f"deleting {path.name}"

    def mechanism_summary(self) -> str:
        path = self.pick("mechanisms")
        cite = self.cite()
        edit_yaml(path, lambda d: d.update(summary=f"Rewritten {self.rng.random():.6f} {cite}."))
        return f"summary of {path.name} citing {cite}"

    def mechanism_evidence(self) -> str:
        path = self.pick(self.rng.choice(["mechanisms", "strategies"]))
        cite = self.cite()[2:-1]

        def change(d: dict[str, Any]) -> None:
            if d.get("evidence"):
                d["evidence"][0]["cites"] = [cite]

        edit_yaml(path, change)
        return f"evidence of {path.name} citing {cite}"

    def strategy_addresses(self) -> str:
        path = self.pick("strategies")
        slug = self.pick("mechanisms").stem
        edit_yaml(path, lambda d: d.update(addresses=sorted({*d.get("addresses", []), slug})))
        return f"{path.name} addresses {slug}"

    def topic_title(self) -> str:
        path = self.pick(self.rng.choice(["mechanisms", "strategies"]))
        edit_yaml(path, lambda d: d.update(title=d["title"] + " (revised)"))
        return f"title of {path.name}"

    def break_file(self) -> str:
        path = self.pick(self.rng.choice(["papers", "mechanisms"]))
        text = path.read_text(encoding="utf-8")
        self.broken = (path, text)
        path.write_text(text + "\nbroken: [unclosed\n", encoding="utf-8")
        return f"breaking {path.name}"


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edits_leave_what_a_clean_build_writes(tmp_path: Path, seed: int):
    project = _generate(40, tmp_path / "project")
    s = Session(project, tmp_path / "clean")
    editor = Editor(project, random.Random(seed))
    valid = 0
    for i in range(30):
        what = editor.apply()
        valid += s.step(f"edit {i + 1}: {what}")
    assert valid >= 10, "most random edits should leave valid content"


def test_two_processes_write_what_one_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`reviewsite build` renders paper pages on two cores (forked.py): same files, same counts."""
    from reviewsite import incremental

    project = _generate(40, tmp_path / "project")
    one = generate(find_project(project))
    expected = tree(project / "build" / "docs")
    shutil.rmtree(project / "build")
    monkeypatch.setattr(incremental, "PARALLEL_FROM", 1)
    two = generate(find_project(project), workers=2)
    assert tree(project / "build" / "docs") == expected
    assert (two.written, two.pages) == (one.written, one.pages)
    again = generate(find_project(project), workers=2)
    assert (again.written, again.removed) == (0, 0)


def test_a_failing_worker_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from reviewsite import incremental
    from reviewsite.views import papers

    project = _generate(40, tmp_path / "project")
    monkeypatch.setattr(incremental, "PARALLEL_FROM", 1)
    real = papers.paper_page

    def flaky(ctx, key):
        if key == sorted(ctx.index.content.papers)[0]:
            raise ValueError("boom in a worker")
        return real(ctx, key)

    monkeypatch.setattr(papers, "paper_page", flaky)
    with pytest.raises((RuntimeError, ValueError), match="boom in a worker"):
        generate(find_project(project), workers=2)


def test_export_pieces_are_kept_from_run_to_run(project: Path, monkeypatch: pytest.MonkeyPatch):
    """A paper's part of the site-wide downloads is made once, then reused run after run until it changes."""
    from reviewsite import export

    made: list[str] = []
    real = export._bib_entry

    def counting(index, key, pieces=None):
        return real(index, key, pieces if pieces is None else _Counting(pieces, made))

    class _Counting:
        def __init__(self, pieces, made):
            self.pieces, self.made = pieces, made

        def get(self, kind, key, model, extra, make):
            return self.pieces.get(kind, key, model, extra, lambda: (self.made.append(key), make())[1])

    monkeypatch.setattr(export, "_bib_entry", counting)
    generator = SiteGenerator(find_project(project), get_engine("mkdocs"), keep_pieces=True)
    generator.run()
    first = len(made)
    assert first > 0
    for _ in range(3):
        made.clear()
        generator.run()
        assert made == [], "nothing changed: every piece is reused"
    replace(project / "content" / "papers" / "26516065.yaml", "Convergence of Acquired", "Convergence of Late Acquired")
    made.clear()
    generator.run()
    assert set(made) == {"26516065"}

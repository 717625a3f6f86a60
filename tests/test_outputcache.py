"""The output cache (outputcache.py) makes repeated `reviewsite build`s cheap without changing a byte: after
any edit, a build that takes pages and export pieces from the cache writes what a build without it writes;
a template change, a damaged segment or a forged index never puts stale bytes on the site."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from reviewsite import incremental
from reviewsite.build import generate
from reviewsite.config import find_project
from reviewsite.contentstore import cache_dir
from reviewsite.outputcache import OutputCache
from test_incremental import Editor, _generate, assert_same, clean_build, tree


def cached_build(project: Path, *, workers: int = 2) -> dict[str, bytes]:
    """What `reviewsite build` writes in CI with the cache restored: no docs folder, the cache kept."""
    shutil.rmtree(project / "build", ignore_errors=True)
    result = generate(find_project(project), cache=True, workers=workers)
    assert not result.problems, result.problems[:3]
    return tree(project / "build" / "docs")


@pytest.fixture
def two_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "PARALLEL_FROM", 1)


def test_cached_builds_after_random_edits_write_what_a_clean_build_writes(tmp_path: Path, two_processes):
    project = _generate(40, tmp_path / "project")
    editor = Editor(project, random.Random(7))
    cached_build(project)
    checked = 0
    for i in range(16):
        what = editor.apply()
        clean = clean_build(project, tmp_path / "clean")
        if clean is None:
            continue
        assert_same(cached_build(project), clean, f"edit {i + 1}: {what}")
        checked += 1
    assert checked >= 6


def test_an_unchanged_build_renders_no_paper_page_and_makes_no_piece(tmp_path: Path, monkeypatch):
    from reviewsite import biblio
    from reviewsite.views import papers

    project = _generate(40, tmp_path / "project")
    first = cached_build(project, workers=1)
    rendered: list[str] = []
    made: list[str] = []
    real_page, real_csl = papers.paper_page, biblio.csl_item
    monkeypatch.setattr(papers, "paper_page", lambda ctx, key: (rendered.append(key), real_page(ctx, key))[1])
    monkeypatch.setattr("reviewsite.export.csl_item", lambda *a, **k: (a[0] != "review" and made.append(a[0]), real_csl(*a, **k))[1])
    assert cached_build(project, workers=1) == first
    assert rendered == [] and made == []
    # One paper's file changed: its page (and those of papers citing it) and its pieces are made again.
    path = sorted((project / "content" / "papers").glob("*.yaml"))[-1]
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    cached_build(project, workers=1)
    assert path.stem in rendered and len(rendered) < 6
    assert set(made) == {path.stem}


def test_a_template_change_renders_every_page_again(tmp_path: Path, two_processes):
    project = _generate(40, tmp_path / "project")
    cached_build(project)
    template = project / "templates" / "paper.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\nTemplate changed.\n", encoding="utf-8")
    docs = cached_build(project)
    assert_same(docs, clean_build(project, tmp_path / "clean") or {}, "a template change")
    assert all(b"Template changed." in data for rel, data in docs.items() if rel.startswith("papers/"))


def test_damaged_segments_are_not_used(tmp_path: Path, two_processes):
    project = _generate(40, tmp_path / "project")
    expected = cached_build(project)
    folder = cache_dir(project)
    assert folder is not None
    for segment in folder.glob("seg-*.bin"):
        data = bytearray(segment.read_bytes())
        for i in range(0, len(data), 97):
            data[i] = (data[i] + 1) % 256
        segment.write_bytes(bytes(data[: len(data) - 50]))
    assert cached_build(project) == expected


def test_a_forged_index_is_not_used(tmp_path: Path):
    project = _generate(40, tmp_path / "project")
    cached_build(project, workers=1)
    folder = cache_dir(project)
    assert folder is not None
    index = next(folder.glob("output-*.index"))
    raw = index.read_bytes()
    index.write_bytes(raw[:32] + raw[33:] + b"\0")  # any change breaks the signature
    opened = OutputCache.open(project)
    assert opened is not None and opened.get("page", "papers/x.md", b"") is None and not opened._old


def test_no_cache_home_inside_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    project = _generate(40, tmp_path / "project")
    monkeypatch.setenv("REVIEWSITE_CACHE_HOME", str(project / "cache"))
    assert OutputCache.open(project) is None
    cached_build(project, workers=1)
    assert not (project / "cache").exists()

"""The content store reads and validates only what changed, gives exactly what a fresh load gives, and its
build cache is used only by the same code, never through a symlink, and never builds anything but models."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from reviewsite import contentstore
from reviewsite.contentstore import ContentStore, cache_dir
from reviewsite.files import JOURNAL, MANIFEST, TreeWriter, guard_output
from reviewsite.load import load_content

MECHANISM = "content/mechanisms/limited-persistence.yaml"


def _same(a, b) -> None:
    (ca, pa), (cb, pb) = a, b
    assert pa == pb
    for kind in ("mechanism", "strategy", "overview", "paper"):
        assert ca.items(kind) == cb.items(kind)
    assert ca.review == cb.review
    assert ca.broken == cb.broken
    assert {k: (s.path, s.located.text) for k, s in ca.sources.items()} == \
        {k: (s.path, s.located.text) for k, s in cb.sources.items()}


def _age(path: Path, seconds: int = 60) -> None:
    """Make a file look old, so the store trusts its size and times (a recent file is always re-read)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 1_000_000_000))


def _age_all(project: Path) -> None:
    for path in (project / "content").rglob("*.yaml"):
        _age(path)


def test_a_second_load_reads_nothing_and_an_edit_reads_one_file(project):
    store = ContentStore()
    _age_all(project)
    first = store.load(project)
    _same(first, load_content(project))
    assert store.parsed > 0
    assert store.load(project)[0].mechanisms == first[0].mechanisms
    assert store.parsed == 0
    path = project / MECHANISM
    path.write_text(path.read_text().replace("may disappear early", "vanish within weeks"))
    second = store.load(project)
    assert store.parsed == 1
    _same(second, load_content(project))
    assert "vanish within weeks" in second[0].mechanisms["limited-persistence"].summary


def test_a_second_edit_within_the_clock_resolution_is_not_missed(project):
    """Same size, same modification time: only the hash tells; a recent file is never trusted on its times."""
    store = ContentStore()
    path = project / MECHANISM
    store.load(project)
    before = path.stat()
    path.write_text(path.read_text().replace("may disappear early", "may vanish earlyyyy"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    content, _ = store.load(project)
    assert "may vanish earlyyyy" in content.mechanisms["limited-persistence"].summary


def test_invalid_then_valid_again_and_deleted_files(project):
    store = ContentStore()
    path = project / MECHANISM
    good = path.read_text()
    path.write_text(good.replace("category: t-cell-dysfunction", "category: [broken"))
    _same(store.load(project), load_content(project))
    path.write_text(good)
    _same(store.load(project), load_content(project))
    path.unlink()
    _same(store.load(project), load_content(project))


def test_the_build_cache_round_trips_and_is_keyed_by_the_code(project, monkeypatch):
    store = ContentStore()
    store.load(project)
    store.save(project)
    files = list(cache_dir(project).glob("content-*.pickle"))
    assert len(files) == 1
    primed = ContentStore.from_cache(project)
    _same(primed.load(project), load_content(project))
    assert primed.parsed == 0
    monkeypatch.setattr(contentstore, "code_fingerprint", lambda: "other-code")
    assert ContentStore.from_cache(project).load(project) and ContentStore.from_cache(project)._models == {}


def test_the_build_cache_builds_nothing_but_models(project):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    store = ContentStore()
    store.load(project)
    store.save(project)
    path = next(cache_dir(project).glob("content-*.pickle"))
    path.write_bytes(pickle.dumps({("Paper", b"x"): Evil()}))
    assert ContentStore.from_cache(project)._models == {}


def _planted(project: Path) -> dict:
    """Validated models for the project's files, with one mechanism's title changed past validation."""
    store = ContentStore()
    store.load(project)
    models = dict(store._models)
    key = ("Mechanism", contentstore.digest_of((project / MECHANISM).read_bytes()))
    models[key] = models[key].model_copy(update={"title": "<script>alert(1)</script>"})
    return models


def _title(store: ContentStore, project: Path) -> str:
    content, _ = store.load(project)
    return content.mechanisms["limited-persistence"].title


def test_a_cache_committed_in_the_project_is_never_read(project):
    """Unpickled models skip validation: a pull request that commits a cache must not reach the site."""
    planted = pickle.dumps(_planted(project))
    folder = project / ".cache" / "reviewsite-build"
    folder.mkdir(parents=True)
    (folder / f"content-{contentstore.code_fingerprint()}.pickle").write_bytes(planted)
    assert cache_dir(project) is not None and not cache_dir(project).is_relative_to(project.resolve())
    assert "<script>" not in _title(ContentStore.from_cache(project), project)


def test_a_cache_whose_signature_does_not_match_is_not_used(project):
    store = ContentStore()
    store.load(project)
    store.save(project)
    path = next(cache_dir(project).glob("content-*.pickle"))
    signature = path.read_bytes()[:32]
    path.write_bytes(signature + pickle.dumps(_planted(project)))
    primed = ContentStore.from_cache(project)
    assert primed._models == {}
    assert "<script>" not in _title(primed, project)


def test_a_cache_home_inside_the_project_is_refused(project, monkeypatch):
    monkeypatch.setenv("REVIEWSITE_CACHE_HOME", str(project / "cache"))
    assert cache_dir(project) is None
    store = ContentStore()
    store.load(project)
    store.save(project)
    assert not (project / "cache").exists()


def test_a_writer_interrupted_mid_way_leaves_only_files_it_can_remove(tmp_path):
    root = tmp_path / "docs"
    writer = TreeWriter(root)
    writer.write("a.md", b"a")
    writer.write("sub/b.md", b"b")
    # No finish(): as if the process died here. The journal names both files.
    assert (root / JOURNAL).is_file() and not (root / MANIFEST).exists()
    assert guard_output(root, "docs") == {"a.md", "sub/b.md"}
    again = TreeWriter(root)
    again.write("a.md", b"a")
    assert again.finish() == (0, 1)
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [MANIFEST, "a.md"]


@pytest.mark.parametrize("rel", ["../x", "/abs", "a//b", MANIFEST, JOURNAL, "a\nb"])
def test_the_writer_refuses_paths_that_are_not_plain(tmp_path, rel):
    with pytest.raises(ValueError, match="not a plain relative path"):
        TreeWriter(tmp_path / "docs").write(rel, b"x")


def test_priming_on_two_cores_gives_what_a_plain_load_gives(project):
    """A cold build parses the papers half in a forked process first (ContentStore.prime); the load after it
    parses no paper again, and invalid files are still reported by the load, where they are."""
    bad = project / "content" / "papers" / "broken-paper.yaml"
    bad.write_text("record:\n  title: [unclosed\n", encoding="utf-8")
    store = ContentStore()
    papers = len(list((project / "content" / "papers").glob("*.yaml")))
    assert store.prime(project, at_least=1) == papers
    loaded = store.load(project)
    _same(loaded, load_content(project))
    assert store.parsed == 1 + (len(list((project / "content").rglob("*.yaml"))) - papers)
    assert any(p.path.endswith("broken-paper.yaml") for p in loaded[1])
    assert store.prime(project, at_least=1) == 0  # a store that holds anything is not primed again


def test_priming_never_reads_through_a_linked_content_folder(tmp_path, project):
    elsewhere = tmp_path / "elsewhere"
    (project / "content").rename(elsewhere)
    (project / "content").symlink_to(elsewhere, target_is_directory=True)
    assert ContentStore().prime(project, at_least=1) == 0

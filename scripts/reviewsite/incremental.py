"""Generating the docs folder again after an edit: only what the edit can change is rendered.

`SiteGenerator.run()` is what `reviewsite build` runs once and `reviewsite serve` runs after every change,
so the preview is always exactly what a clean build would write (tests/test_incremental.py drives
sequences of edits through it and compares with clean builds). Between runs it keeps:

- the validated content (contentstore.ContentStore): only changed files are read and validated again;
- for every paper page, the inputs it was rendered from (`paper_inputs`) and the file it wrote: a paper
  page whose inputs did not change, and whose file is still the one written, is neither rendered nor
  written. Paper pages are the only pages that grow in number with the literature;
- every other page (home, sections, topics, literature, matrix, tags, about, what's new, overviews) is
  rendered each run and written only if its text changed: few pages, each bounded or cheap;
- each paper's part of the exports (export.Pieces), so the site-wide downloads are joined, not remade.

Anything the pages are made with besides the content (templates, mkdocs.yml, the engine) is
fingerprinted; when it changes every page is rendered again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment

from .check import cross_check
from .config import Project
from .contentstore import ContentStore
from .engines import Engine
from .export import Pieces, one_off_pieces
from .files import TreeWriter
from .forked import both, can_fork
from .outputcache import OutputCache, stamp_of
from .render import environment, render_page
from .siteindex import SiteIndex, prose_keys
from .views import GENERATORS, papers

Stat = tuple[int, int, int]
PARALLEL_FROM = 400
"""Fewer paper pages than this to render are not worth a second process."""
CHILD_SHARE = 0.40
"""Of the paper pages, the share the second process renders; it also makes the data files, this one every
other page (bench/README.md: the two then finish about together)."""


def paper_path(key: str) -> str:
    """Where a paper's page goes in the docs folder (views/papers.paper_page)."""
    return f"papers/{key}.md"


def paper_inputs(index: SiteIndex, key: str, digest: Callable[[str], bytes | None]) -> tuple[Any, ...]:
    """Everything a paper page is made from besides templates and settings (views/papers.paper_page reads
    these; keep the two in step): its file, what the index says about it (topics, where it is cited, its
    citation key, its flag and whether the notice is on this site), and each paper its summary cites
    (their record and flag make the citation markers and references)."""
    paper = index.paper(key)
    flag = index.flags.get(key)
    cited = [r for r in (index.resolve(k) for k in prose_keys(paper.curation.summary or "")) if r is not None]
    return (
        digest(index.source("paper", key)),
        tuple(index.topics[key]),
        tuple(index.mentions.get(key, ())),
        index.citekeys[key],
        flag,
        flag is not None and flag.notice_pmid in index.content.papers,
        tuple((r, digest(index.source("paper", r)), index.flags.get(r)) for r in dict.fromkeys(cited)),
    )


def _stat(path: os.PathLike[str] | str) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


@dataclass
class Run:
    """What one run did."""

    problems: list[Any] = field(default_factory=list)
    written: int = 0
    removed: int = 0
    pages: int = 0
    rendered: int = 0


class SiteGenerator:
    """Writes the generated docs folder from the content, again and again (see the module's docstring)."""

    def __init__(self, project: Project, engine: Engine, *, store: ContentStore | None = None,
                 keep_pieces: bool = False, workers: int = 1, once: bool = False,
                 output: OutputCache | None = None):
        self.project = project
        self.engine = engine
        self.store = store or ContentStore()
        self.workers = workers
        """Processes for the paper pages of a first run (forked.py): only for single-threaded callers."""
        self.once = once
        """Run once (reviewsite build): the files' text is dropped once checked (31 MB at 10,000 papers)."""
        self.output = output
        """Pages and export pieces of the last build (outputcache.py), for `reviewsite build` with its cache."""
        self._pieces: Pieces | None = Pieces() if keep_pieces else None
        self._fingerprint = ""
        self._env: Environment | None = None
        self._papers: dict[str, tuple[tuple[Any, ...], Stat | None]] = {}
        """Paper page path -> the inputs it was rendered from and the file written."""
        self._streams: dict[str, tuple[list[str], Stat | None]] = {}
        """Site-wide download -> the pieces it was written from and the file written."""

    def check(self) -> tuple[SiteIndex | None, list[Any]]:
        """Load what changed and check everything: the site index, or the problems."""
        from .build import template_problems

        content, problems = self.store.load(self.project.root)
        problems += cross_check(content, self.project.settings)
        problems = sorted(set(problems + template_problems(self.project)))
        if problems or content.review is None:
            return None, problems
        if self.once:  # text serves to place problems, and there are none
            for source in content.sources.values():
                source.located.text = ""
        return SiteIndex(content, self.project.settings), []

    def run(self) -> Run:
        """Check the content and, if it is valid, bring the docs folder up to date. Never raises on content;
        raises files.UnsafeOutput (before writing anything) if the docs folder holds files we did not write."""
        from .build import view_context

        index, problems = self.check()
        if index is None:
            return Run(problems)
        writer = TreeWriter(self.project.docs_dir, self.project.rel(self.project.docs_dir))
        env = self._environment()
        ctx = view_context(self.project, index)
        todo = self._stale_papers(index, writer)
        run = Run(pages=len(index.papers), rendered=len(todo))
        if self.workers > 1 and can_fork() and len(todo) >= PARALLEL_FROM:
            self._papers = {}  # a one-off run (reviewsite build): nothing to remember for the next
            cut = int(len(todo) * CHILD_SHARE)
            output = self.output

            def child() -> tuple[list[str], int, Any]:  # the data files and some paper pages, in a forked process
                if output is not None:
                    output.fork_child()
                before = set(writer.names)
                written = self._data_files(ctx, writer) + self._render_papers(ctx, env, writer, todo[:cut])
                return sorted(writer.names - before), written, output.entries() if output is not None else None

            def parent() -> int:  # every other page and the rest of the paper pages, here
                count = self._other_pages(ctx, env, writer)
                self._render_papers(ctx, env, writer, todo[cut:])
                return count

            (names, written, entries), others = both(child, parent)
            writer.adopt(names, written)
            if output is not None and entries is not None:
                output.adopt(entries)
        else:
            others = self._other_pages(ctx, env, writer)
            self._data_files(ctx, writer)
            self._render_papers(ctx, env, writer, todo, remember=True)
        run.pages += others
        run.rendered += others
        run.written, run.removed = writer.finish()
        return run

    def _other_pages(self, ctx: Any, env: Environment, writer: TreeWriter) -> int:
        """Every page but the papers', rendered each run (few pages; written only if their text changed)."""
        count = 0
        for generator in GENERATORS:
            if generator is papers:
                continue
            for page in generator.pages(ctx):
                writer.write(page.path, render_page(env, page, self.engine).encode("utf-8"))
                count += 1
        return count

    def _data_files(self, ctx: Any, writer: TreeWriter) -> int:
        """Assets, exports, rows and feed; how many files changed."""
        from .build import data_files

        if self._pieces is not None:
            self._pieces = self._pieces.next()
        pieces = self._pieces
        if pieces is None and self.output is not None:
            index, store = ctx.index, self.store
            pieces = one_off_pieces(index, self.output, lambda key: store.digest(index.source("paper", key)))
        written = 0
        streams: dict[str, tuple[list[str], Stat | None]] = {}
        for rel, data in data_files(self.project, ctx, pieces):
            if isinstance(data, bytes):
                written += writer.write(rel, data)
            elif self._pieces is None:
                written += writer.write_stream(rel, data)
            else:
                written += self._stream(writer, rel, list(data), streams)
        self._streams = streams
        return written

    def _stream(self, writer: TreeWriter, rel: str, parts: list[str],
                streams: dict[str, tuple[list[str], Stat | None]]) -> bool:
        """A site-wide download made of per-paper pieces (export.Pieces): if every piece is the very object it
        was last time (or equal), and the file is the one written then, the file is left alone: no 100 MB
        written and compared after every edit at 10,000 papers."""
        last = self._streams.get(rel)
        path = self.project.docs_dir / rel
        if (last is not None and last[1] is not None and len(last[0]) == len(parts) and _stat(path) == last[1]
                and all(a is b or a == b for a, b in zip(last[0], parts, strict=True))):
            writer.keep(rel)
            streams[rel] = last
            return False
        changed = writer.write_stream(rel, parts)
        streams[rel] = (parts, _stat(path))
        return changed

    def _stale_papers(self, index: SiteIndex, writer: TreeWriter) -> list[tuple[str, tuple[Any, ...]]]:
        """Papers whose page must be rendered (their inputs changed, or their file is not the one written),
        with their inputs; the pages of the others are kept as they are."""
        docs = self.project.docs_dir
        writer.expect(paper_path(key) for key, _ in index.papers)
        todo = []
        kept = {}
        for key, _ in index.papers:
            path = paper_path(key)
            inputs = paper_inputs(index, key, self.store.digest)
            last = self._papers.get(path)
            if last is not None and last[0] == inputs and last[1] is not None and _stat(docs / path) == last[1]:
                writer.keep(path)
                kept[path] = last
            else:
                todo.append((key, inputs))
        self._papers = kept
        return todo

    def _render_papers(self, ctx: Any, env: Environment, writer: TreeWriter,
                       todo: Sequence[tuple[str, tuple[Any, ...]]], *, remember: bool = False) -> int:
        """Render (or take from the output cache) and write these papers' pages; returns how many files
        changed. With `remember`, keep what each page was made from (for the next run)."""
        written = 0
        output = self.output
        for key, inputs in todo:
            path = paper_path(key)
            stamp = stamp_of(self._fingerprint, inputs) if output is not None else b""
            data = output.get("page", path, stamp) if output is not None else None
            if data is None:
                page = papers.paper_page(ctx, key)
                if page.path != path:  # pragma: no cover - paper_path and paper_page disagree
                    raise AssertionError(f"paper page {page.path!r} is not at {path!r}")
                data = render_page(env, page, self.engine).encode("utf-8")
                if output is not None:
                    output.put("page", path, stamp, data)
            written += writer.write(path, data)
            if remember:
                self._papers[path] = (inputs, _stat(self.project.docs_dir / path))
        return written

    def _environment(self) -> Environment:
        """The templates' environment, made again (and every page rendered again) when anything pages are
        made with besides the content changed."""
        fingerprint = self._fingerprint_now()
        if self._env is None or fingerprint != self._fingerprint:
            self._env = environment(self.project.templates)
            self._papers = {}
            self._streams = {}
            self._fingerprint = fingerprint
        return self._env

    def _fingerprint_now(self) -> str:
        h = hashlib.blake2b(digest_size=16)
        h.update(self.engine.name.encode() + b"\0")
        h.update(json.dumps(self.project.config, sort_keys=True, default=str).encode() + b"\0")
        templates = self.project.templates
        for path in sorted(templates.rglob("*")):
            if path.is_file() and not path.is_symlink():
                h.update(path.relative_to(templates).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()

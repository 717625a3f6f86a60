"""The libyaml fast path of content loading gives exactly what the pure-Python one gives, and front matter
from our own emitter reads back exactly with either.

They exist for speed at 10,000 papers (bench/README.md); behaviour, messages and positions must not
depend on whether PyYAML was built with libyaml.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewsite import render, safeyaml
from reviewsite.engines import get_engine
from reviewsite.safeyaml import YamlError, loads
from reviewsite.views import Page

ROOT = Path(__file__).resolve().parent.parent
needs_libyaml = pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")


def _pure(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(safeyaml, "_FAST_LOADER", None)


def _shape(node: yaml.Node) -> list[tuple]:
    """Everything a caller can read off a node tree: kinds, tags, styles, values and positions."""
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        value = n.value if isinstance(n, yaml.ScalarNode) else None
        out.append((type(n).__name__, n.tag, n.style if isinstance(n, yaml.ScalarNode) else bool(n.flow_style), value,
                    n.start_mark.line, n.start_mark.column, n.end_mark.line, n.end_mark.column))
        if isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))
        elif isinstance(n, yaml.MappingNode):
            for k, v in reversed(n.value):
                stack += [v, k]
    return out


def _outcome(raw: bytes):
    try:
        located = loads(raw)
    except YamlError as exc:
        return ("error", exc.line, exc.col, exc.message)
    return ("ok", located.data, _shape(located.node))


TRICKY = [
    b"title: Caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve \xf0\x9f\x98\x80\nlist: [a, 'b', \"c\"]\nempty:\nq: ''\n",
    b"summary: |\n  Line one [@pmid:1].\n\n  Line two \xc3\xa9.\nfolded: >\n  a\n  b\n",
    b"a: 1\nb:\n  - x: 'y'\n    z: \"w\\u00e9\"\n  - []\n  - {}\n",
    b"key: value\n---\nother: doc\n",
    b"a: &x 1\nb: *x\n",
    b"a: !!str 1\n",
    b"a: !custom 1\n",
    b"a: b: c\n",
    b"a: [1, 2\n",
    b"a: 'unterminated\n",
    b"- just\n- a list\n",
    b"title: x\ntitle: y\n",
    b"<<: {a: 1}\n",
    b"? [complex]\n: key\n",
    b"a:\n  b:\n   c: 1\n  d: 2\n",
    b"a: \"\\x41\\u263A\\U0001F600\"\n",
    b"%YAML 1.1\n---\na: 1\n",
    b"a: 1\n...\n",
    b"# only a comment\n",
    b"",
]


@needs_libyaml
@pytest.mark.parametrize("raw", TRICKY)
def test_fast_and_pure_loading_agree_on_tricky_input(raw, monkeypatch):
    fast = _outcome(raw)
    _pure(monkeypatch)
    assert _outcome(raw) == fast


@needs_libyaml
def test_fast_and_pure_loading_agree_on_every_content_file(monkeypatch):
    files = sorted((ROOT / "content").rglob("*.yaml")) + sorted((ROOT / "tests" / "fixtures").rglob("*.yaml"))
    assert files
    fast = [_outcome(p.read_bytes()) for p in files]
    _pure(monkeypatch)
    assert [_outcome(p.read_bytes()) for p in files] == fast


@needs_libyaml
def test_plain_scalars_keep_style_none():
    """libyaml says '' for plain scalars; fetch's merge and `empty:` -> None rely on PyYAML's None."""
    located = loads(b"a: b\nempty:\nquoted: ''\n")
    styles = [v.style for _, v in located.node.value]
    assert styles == [None, None, "'"]
    assert located.data == {"a": "b", "empty": None, "quoted": ""}


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
_LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


@settings(max_examples=300, deadline=None)
@given(title=_text, description=_text,
       citation=st.lists(st.tuples(st.sampled_from(["citation_title", "citation_author"]), _text), max_size=4))
def test_front_matter_reads_back_exactly_with_every_parser(title, description, citation):
    """Our emitter (yamlemit) writes every string double-quoted on one line with everything unusual escaped:
    PyYAML's pure parser and libyaml read back exactly the escaped values, and nothing ends the block early."""
    page = Page(path="papers/1.md", template="paper.md.j2", source="content/papers/1.yaml", title=title,
                description=description, citation=citation, search_boost=2)
    text = str(render.front_matter(page, get_engine("mkdocs")))
    lines = text.split("\n")
    assert lines[0] == "---" and lines[-2:] == ["---", ""]
    assert not any(line.startswith(("---", "...")) for line in lines[1:-2])  # nothing ends the block early
    for loader in _LOADERS:
        meta = yaml.load(text[4:-4], Loader=loader)  # noqa: S506 - a safe loader
        assert meta["title"] == html.escape(title, quote=True)
        assert meta["description"] == html.escape(description, quote=True)
        assert meta["search"] == {"boost": 2}
        assert [c["content"] for c in meta.get("citation", [])] == [html.escape(v, quote=True) for _, v in citation]


@settings(max_examples=200, deadline=None)
@given(data=st.recursive(st.none() | st.booleans() | st.integers() | _text,
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                         max_leaves=8))
def test_the_emitter_writes_any_nesting_of_strings_and_numbers(data):
    from reviewsite import yamlemit

    doc = {"value": data}
    for loader in _LOADERS:
        assert yaml.load(yamlemit.dump(doc), Loader=loader) == doc  # noqa: S506 - a safe loader


@pytest.mark.parametrize("raw", [r for r in TRICKY if _outcome(r)[0] == "ok"])
def test_a_dropped_node_tree_is_rebuilt_the_same(raw):
    kept = loads(raw)
    lazy = loads(raw, keep_node=False)
    assert lazy._node is None and lazy.data == kept.data
    assert _shape(lazy.node) == _shape(kept.node)
    assert lazy.find(("a",)) == kept.find(("a",))


def test_loaded_content_keeps_no_trees_but_still_places_cross_reference_errors(project):
    from reviewsite.check import check
    from reviewsite.config import find_project

    strategy = project / "content" / "strategies" / "cd22-car.yaml"
    strategy.write_text(strategy.read_text(encoding="utf-8").replace("addresses: [", "addresses: [no-such-mechanism, "),
                        encoding="utf-8")
    content, problems = check(find_project(project))
    assert any(p.path == "content/strategies/cd22-car.yaml" and "unknown mechanism 'no-such-mechanism'" in p.message
               and p.line > 1 for p in problems), problems
    untouched = [s for (kind, _), s in content.sources.items() if kind == "paper"]
    assert untouched and all(s.located._node is None for s in untouched)

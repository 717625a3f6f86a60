"""Contributor Markdown -> safe HTML, with citations turned into numbered references.

Prose is written by strangers in pull requests, so it never reaches Python-Markdown as Markdown:
markdown-it-py renders it with raw HTML off, nh3 sanitises the result against a small allowlist,
and only then are citations (held as private-use placeholders, which the model forbids in input)
swapped for our own trusted citation markup.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt

from .cite import find_citations

_MD = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
_MD.disable(["image", "heading", "lheading", "hr"])


def _https_link(url: str) -> bool:
    """Only absolute https URLs become links; any other link stays literal text. (A relative one such as
    `%6Aavascript:x` or `//host` would otherwise lose its href in `sanitize` and leave an invalid `<a>`.)"""
    return url.lower().startswith("https://")


_MD.validateLink = _https_link  # type: ignore[method-assign]  # markdown-it's documented override point

ALLOWED_TAGS = frozenset(
    {"p", "em", "strong", "a", "ul", "ol", "li", "code", "pre", "blockquote", "br", "sup", "sub", "table",
     "thead", "tbody", "tr", "th", "td", "s"}
)
ALLOWED_ATTRS = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
_PLACEHOLDER = re.compile("\ue000([0-9]+)\ue001")


def sanitize(fragment: str) -> str:
    """The one sanitiser: https links only, no relative URLs, no ids, nothing scriptable."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRS.items()},
        url_schemes={"https"},
        url_relative="deny",
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@dataclass
class Reference:
    number: int
    key: str  # paper key (file stem)


@dataclass
class Citer:
    """Numbers cited papers on one page in order of first use."""

    resolve: Callable[[str], str | None]
    render_marker: Callable[[Citer, list[Reference]], str]
    order: list[str] = field(default_factory=list)

    def number(self, paper_key: str) -> Reference:
        if paper_key not in self.order:
            self.order.append(paper_key)
        return Reference(self.order.index(paper_key) + 1, paper_key)

    def refs(self, citekeys: list[str] | tuple[str, ...]) -> list[Reference]:
        out = []
        for key in citekeys:
            paper = self.resolve(key)
            if paper is not None:
                ref = self.number(paper)
                if ref not in out:
                    out.append(ref)
        return out

    def marker(self, citekeys: list[str] | tuple[str, ...]) -> str:
        refs = self.refs(citekeys)
        return self.render_marker(self, refs) if refs else ""


def render(text: str, citer: Citer | None = None, *, inline: bool = False) -> str:
    """Markdown to sanitised HTML; citations become numbered markers when a `citer` is given."""
    # The placeholder characters are private-use, which the models refuse; drop them anyway, so that no
    # text that reaches here by another road can stand in for a citation.
    text = text.replace("\ue000", "").replace("\ue001", "")
    groups: list[tuple[str, ...]] = []
    pieces, last = [], 0
    for group in find_citations(text):
        pieces.append(text[last:group.start])
        pieces.append(f"\ue000{len(groups)}\ue001")
        groups.append(group.keys)
        last = group.end
    pieces.append(text[last:])
    source = "".join(pieces)
    rendered = _MD.renderInline(source) if inline else _MD.render(source)
    clean = sanitize(rendered).strip()

    def swap(match: re.Match[str]) -> str:
        keys = groups[int(match.group(1))]
        return citer.marker(keys) if citer is not None else ""

    return _PLACEHOLDER.sub(swap, clean)


_PLAIN_ALREADY = re.compile(r"(?:[^\W_]|[ \n,.;:'?%/])*")
"""Text made only of letters, digits, spaces and plain punctuation: Markdown leaves it as it is."""
_LIST_START = re.compile(r"(?m)^\s*\d+[.)]")


@functools.lru_cache(maxsize=16384)
def plain(text: str, limit: int = 300) -> str:
    """Plain text for meta descriptions and feeds: no markup, no citations, one line. Cached: a pure function,
    asked again for the same texts on every regeneration of `reviewsite serve` (snippets, cards, descriptions)."""
    if _PLAIN_ALREADY.fullmatch(text) and not _LIST_START.search(text):
        flat = " ".join(text.split())  # nothing Markdown would change (most descriptions: authors, journal, year)
    else:
        without = re.sub(r"\s*\[@[^\]\n]*\]", "", text)
        stripped = nh3.clean(_MD.render(without), tags=set())
        flat = " ".join(html.unescape(stripped).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rsplit(" ", 1)[0] + "…"
    return flat

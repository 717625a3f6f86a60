"""From validated content to page views: every link, number and sort decided here, none in templates.

The result is plain data (dicts and lists of strings, with HTML fragments already sanitised) so the
templates only loop and branch. Nothing here reads files or knows about MkDocs.
"""

from __future__ import annotations

import html
import posixpath
from dataclasses import dataclass, field
from typing import Any

import yaml
from markupsafe import Markup
from pymdownx.slugs import slugify

from . import charts, prose
from .biblio import (  # noqa: F401  (re-exported: pages.citation_text etc. are part of this module's API)
    author_name,
    authors_short,
    bibtex_entry,
    citation_keys,
    citation_meta,
    citation_text,
    id_links,
    journal_of,
    year_of,
)
from .cite import CiteIndex, find_citations
from .load import Content
from .model import Link, Paper, Record
from .settings import Settings

KIND_TITLES = {"mechanisms": "Mechanism", "strategies": "Strategy", "": "Review summary"}
NO_RELATION = "cited"
NO_RELATION_TITLE = "Cited on this site"
EXPORT_FORMATS = (("bib", "BibTeX"), ("ris", "RIS"), ("json", "CSL-JSON"))
FURTHER_READING = 20  # curated papers listed on a mechanism or strategy page; the rest via the literature
PAPER_EXPORT_FORMATS = (("bib", "BibTeX"), ("ris", "RIS"))
# Colours that keep 3:1 against white (WCAG 1.4.11); the chart's table carries the same numbers.
RELATION_SERIES = [
    charts.Series("reference", "Reference of the review", "#0b63a8"),
    charts.Series("cites-review", "Cites the review", "#00795c"),
    charts.Series("similar", "Similar article", "#b45309"),
    charts.Series(NO_RELATION, NO_RELATION_TITLE, "#8e3a80"),
]
_TAG_SLUG = slugify(case="lower")


@dataclass
class Page:
    """One generated Markdown page: where it goes, which template renders it, and its data."""

    path: str
    template: str
    source: str
    title: str
    description: str
    data: dict[str, Any] = field(default_factory=dict)
    search_boost: float | None = None
    tags: list[str] = field(default_factory=list)
    citation: list[tuple[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return url_of(self.path)


def url_of(path: str) -> str:
    """Directory-style URL of a generated page (`papers/123.md` -> `papers/123/`)."""
    if path == "index.md":
        return ""
    if path.endswith("/index.md"):
        return path[: -len("index.md")]
    return path[: -len(".md")] + "/"


def relative(from_path: str, to: str) -> str:
    """Relative link from page `from_path` to URL `to` (both site-relative)."""
    frm = "/" + url_of(from_path)
    anchor = ""
    if "#" in to:
        to, anchor = to.split("#", 1)
        anchor = "#" + anchor
    target = "/" + to
    rel = posixpath.relpath(target, frm if frm.endswith("/") else posixpath.dirname(frm))
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel + anchor


def trial_href(nct: str) -> str:
    return f"https://clinicaltrials.gov/study/{nct}"


def tag_anchor(name: str) -> str:
    """Anchor of a tag on the tags index, as Material's tags plugin makes it from the (escaped) front matter name."""
    return "tag:" + _TAG_SLUG(html.escape(name, quote=True), "-")


def download_path(kind: str, key: str, ext: str) -> str:
    """Where an export lives in the docs folder: `downloads/literature.bib`, `downloads/mechanisms/x.ris`..."""
    return f"downloads/{key}.{ext}" if kind == "" else f"downloads/{kind}/{key}.{ext}"


_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _external(links: list[Link]) -> list[dict[str, str]]:
    """Curated outside links: their URLs were validated as https at load, titles are escaped by the template."""
    return [{"title": link.title, "url": link.url} for link in links]


def front_matter(page: Page) -> Markup:
    """YAML front matter built by a serializer from escaped values: nothing can break out of it.

    MkDocs and Material print these values unescaped (title, description, tags, citation meta), so every
    string that came from content is HTML-escaped here, once.
    """
    meta: dict[str, Any] = {
        "title": html.escape(page.title, quote=True),
        "description": html.escape(page.description, quote=True),
    }
    if page.tags:
        meta["tags"] = [html.escape(t, quote=True) for t in page.tags]
        meta["hide"] = ["tags"]  # our own labelled chips link to the same tags index
    if page.source:
        meta["source"] = page.source
    if page.search_boost is not None:
        meta["search"] = {"boost": page.search_boost}
    if page.citation:
        meta["citation"] = [
            {"name": name, "content": html.escape(value, quote=True)} for name, value in page.citation
        ]
    # libyaml's emitter when present: the same text as yaml.safe_dump, about 4x faster (bench/README.md).
    dumped = yaml.dump(meta, Dumper=_YAML_DUMPER, sort_keys=True, allow_unicode=True, width=10_000)
    return Markup("---\n" + dumped + "---\n")


def byline(record: Record, indexed: int = 3) -> dict[str, str]:
    """All authors, split so search indexes only the first few and the last (`hidden` is excluded from search)."""
    names = [author_name(a) for a in record.authors]
    if len(names) <= indexed + 1:
        return {"head": ", ".join(names), "hidden": "", "tail": ""}
    return {"head": ", ".join(names[:indexed]), "hidden": ", " + ", ".join(names[indexed:-1]),
            "tail": ", " + names[-1]}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------- the site


class SiteBuilder:
    """Derives every page from the content, once."""

    def __init__(self, content: Content, settings: Settings | None = None, *, repo_url: str | None = None,
                 edit_branch: str = "main"):
        if content.review is None:
            raise ValueError("content has no review")
        self.settings = settings or Settings()
        self.categories = self.settings.vocabulary("categories")
        self.stages = self.settings.vocabulary("stages")
        self.relation_titles = self.settings.relations.titles()
        self.content = content
        self.review = content.review
        self.index = CiteIndex(content.papers)
        self.repo_url = repo_url
        self.edit_branch = edit_branch
        self.mechanisms = sorted(content.mechanisms.items(), key=lambda kv: (kv[1].order, kv[1].title, kv[0]))
        self.strategies = sorted(content.strategies.items(), key=lambda kv: (kv[1].order, kv[1].title, kv[0]))
        self.papers = sorted(content.papers.items(), key=lambda kv: self._paper_sort(kv[1], kv[0]))
        self.citekeys = citation_keys(content.papers)
        self.addressed_by: dict[str, list[str]] = {slug: [] for slug, _ in self.mechanisms}
        for slug, strategy in self.strategies:
            for target in strategy.addresses:
                self.addressed_by.setdefault(target, []).append(slug)
        self.discussed = self._discussed_in()
        self._topics = {key: self._topics_of(key) for key, _ in self.papers}

    @staticmethod
    def _paper_sort(paper: Paper, key: str) -> tuple[str, str, str]:
        year = year_of(paper.record)
        return (f"{9999 - int(year):04d}" if year else "9999", paper.record.title.lower(), key)

    # -- helpers

    def paper_url(self, key: str) -> str:
        return f"papers/{key}/"

    def _discussed_in(self) -> dict[str, list[dict[str, str]]]:
        """Paper key -> the pages and evidence items that cite it ("discussed in"), in site order."""
        found: dict[str, list[dict[str, str]]] = {}

        def add(keys: tuple[str, ...] | list[str], where: str, label: str, what: str, snippet: str = "") -> None:
            for key in keys:
                paper = self.index.resolve(key)
                if paper is None:
                    continue
                entry = {"url": where, "label": label, "what": what, "snippet": snippet}
                if entry not in found.setdefault(paper, []):
                    found[paper].append(entry)

        def prose_keys(text: str) -> list[str]:
            return [k for g in find_citations(text) for k in g.keys]

        for kind, items in (("mechanisms", self.mechanisms), ("strategies", self.strategies)):
            for slug, item in items:
                base = f"{kind}/{slug}/"
                add(prose_keys(item.summary), base, item.title, "summary")
                for trial in getattr(item, "trials", []):
                    add(trial.cites, f"{base}#trials", item.title, f"trial {trial.id}")
                for i, ev in enumerate(item.evidence, 1):
                    add(list(ev.cites) + prose_keys(ev.finding), f"{base}#evidence-{i}", item.title, f"evidence {i}",
                        prose.plain(ev.finding, 80))
        for point in self.review.key_points:
            add(prose_keys(point), "#key-points", "Home page", "key points")
        if self.review.overview:
            add(prose_keys(self.review.overview), "#overview", "Home page", "overview")
        return found

    def _citer(self) -> prose.Citer:
        def marker(citer: prose.Citer, refs: list[prose.Reference]) -> str:
            out = []
            for ref in refs:
                tip = html.escape(citation_text(self.content.papers[ref.key].record))
                out.append(
                    f'<a class="rs-cite" href="#ref-{ref.number}">{ref.number}'
                    f'<span class="rs-tip" role="tooltip" data-search-exclude>{tip}</span></a>'
                )
            return '<sup class="rs-cites">[' + ", ".join(out) + "]</sup>"

        return prose.Citer(resolve=self.index.resolve, render_marker=marker)

    def _references(self, page_path: str, citer: prose.Citer) -> list[dict[str, Any]]:
        refs = []
        for number, key in enumerate(citer.order, 1):
            paper = self.content.papers[key]
            refs.append(
                {
                    "number": number,
                    "text": citation_text(paper.record),
                    "url": relative(page_path, self.paper_url(key)),
                    "links": id_links(paper.record),
                }
            )
        return refs

    def _source(self, kind: str, key: str) -> str:
        return self.content.source(kind, key).path

    def relation_keys(self, key: str) -> list[str]:
        return list(self.content.papers[key].relations) or [NO_RELATION]

    def paper_row(self, page_path: str, key: str) -> dict[str, Any]:
        paper = self.content.papers[key]
        rec = paper.record
        topics = self.topics_of(key)
        return {
            "key": key,
            "url": relative(page_path, self.paper_url(key)),
            "title": rec.title,
            "authors": authors_short(rec),
            "first_author": author_name(rec.authors[0]) if rec.authors else "",
            "year": year_of(rec),
            "journal": journal_of(rec),
            "relation_text": "; ".join(self.relation_titles[r] for r in paper.relations) or NO_RELATION_TITLE,
            "relation_keys": " ".join(self.relation_keys(key)),
            "topics": [
                {"slug": t["slug"], "title": t["title"], "url": relative(page_path, t["url"])} for t in topics
            ],
            "topic_keys": " ".join(f"{t['kind']}:{t['slug']}" for t in topics),
            "types": "|".join(rec.publication_types),
            "tags": "|".join(paper.curation.tags),
        }

    def topics_of(self, key: str) -> list[dict[str, str]]:
        return self._topics[key]

    def _topics_of(self, key: str) -> list[dict[str, str]]:
        """Mechanisms and strategies a paper informs: curated lists plus every page that cites it."""
        paper = self.content.papers[key]
        slugs: list[tuple[str, str]] = [("mechanisms", s) for s in paper.curation.mechanisms]
        slugs += [("strategies", s) for s in paper.curation.strategies]
        for entry in self.discussed.get(key, []):
            kind, _, rest = entry["url"].partition("/")
            if kind in ("mechanisms", "strategies"):
                slugs.append((kind, rest.split("/")[0]))
        out, seen = [], set()
        for kind, slug in slugs:
            if (kind, slug) in seen:
                continue
            seen.add((kind, slug))
            item = (self.content.mechanisms if kind == "mechanisms" else self.content.strategies).get(slug)
            if item is not None:
                out.append({"slug": slug, "title": item.title, "url": f"{kind}/{slug}/", "kind": kind})
        return sorted(out, key=lambda t: (t["kind"], t["title"]))

    def topic_papers(self, kind: str, slug: str) -> list[str]:
        """Paper keys informing a mechanism or strategy (curated or cited), in literature order."""
        return [key for key, _ in self.papers
                if any(t["kind"] == kind and t["slug"] == slug for t in self._topics[key])]

    def _downloads(self, path: str, kind: str, key: str, formats: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
        return [{"label": label, "ext": ext, "url": relative(path, download_path(kind, key, ext))}
                for ext, label in formats]

    def _chips(self, path: str, diseases: list[str], antigens: list[str], products: list[str]) -> list[dict[str, str]]:
        chips = []
        for kind, label, names in (("disease", "Disease", diseases), ("antigen", "Target antigen", antigens),
                                   ("product", "Product", products)):
            for name in names:
                chips.append({"name": name, "kind": kind, "label": label,
                              "url": relative(path, "tags/#" + tag_anchor(name))})
        return chips

    # -- pages

    def build(self) -> list[Page]:
        pages = [self.home(), self.mechanisms_index(), self.strategies_index(), self.literature(), self.matrix(),
                 self.tags_index(), self.about()]
        pages += [self.mechanism(slug) for slug, _ in self.mechanisms]
        pages += [self.strategy(slug) for slug, _ in self.strategies]
        pages += [self.paper(key) for key, _ in self.papers]
        return pages

    def _evidence(self, path: str, citer: prose.Citer, items: list[Any]) -> list[dict[str, Any]]:
        out = []
        for i, ev in enumerate(items, 1):
            finding = prose.render(ev.finding, citer)
            out.append({"n": i, "finding": Markup(finding), "cites": Markup(citer.marker(ev.cites))})
        return out

    def _strategy_links(self, path: str, slugs: list[str]) -> list[dict[str, str]]:
        out = []
        for slug in slugs:
            s = self.content.strategies[slug]
            out.append({"title": s.title, "url": relative(path, f"strategies/{slug}/"), "stage": self.stages[s.stage]})
        return out

    def _mechanism_links(self, path: str, slugs: list[str]) -> list[dict[str, str]]:
        out = []
        for slug in slugs:
            m = self.content.mechanisms.get(slug)
            if m is not None:
                out.append({"title": m.title, "url": relative(path, f"mechanisms/{slug}/"),
                            "category": self.categories[m.category]})
        return out

    def _finish(self, page: Page, citer: prose.Citer) -> Page:
        page.data["references"] = self._references(page.path, citer)
        if self.repo_url and page.source:
            page.data["edit_url"] = f"{self.repo_url}/edit/{self.edit_branch}/{page.source}"
        return page

    def _year_chart(self, ident: str) -> dict[str, Any] | None:
        items = []
        for key, paper in self.papers:
            year = year_of(paper.record)
            relations = self.relation_keys(key)
            primary = next((s.key for s in RELATION_SERIES if s.key in relations), NO_RELATION)
            items.append((int(year) if year else None, primary))
        chart = charts.year_chart(items, RELATION_SERIES, ident=ident,
                                  title="Papers by year and relation to the review")
        if chart is None:
            return None
        return {"svg": chart.svg, "head": chart.head, "rows": chart.rows, "note": chart.note}

    def _diagram(self, path: str) -> dict[str, Any] | None:
        if not self.mechanisms or not self.strategies:
            return None
        left = [charts.Node(slug, m.title, relative(path, f"mechanisms/{slug}/"), self.categories[m.category])
                for slug, m in self.mechanisms]
        right = [charts.Node(slug, s.title, relative(path, f"strategies/{slug}/"), self.stages[s.stage])
                 for slug, s in self.strategies]
        edges = [(m, slug) for slug, s in self.strategies for m in s.addresses]
        svg = charts.flow_diagram(left, right, edges, ident="rs-diagram", title="Which strategies address which "
                                  "mechanisms of resistance", left_heading="Mechanisms", right_heading="Strategies")
        rows = [{"title": m.title, "url": relative(path, f"mechanisms/{slug}/"),
                 "strategies": self._strategy_links(path, self.addressed_by.get(slug, []))}
                for slug, m in self.mechanisms]
        return {"svg": svg, "rows": rows}

    def home(self) -> Page:
        path = "index.md"
        citer = self._citer()
        rec = self.review.record
        key_points = [Markup(prose.render(p, citer)) for p in self.review.key_points]
        overview = Markup(prose.render(self.review.overview, citer)) if self.review.overview else ""
        groups = self._mechanism_groups(path)
        page = Page(
            path=path,
            template="home.md.j2",
            source="content/review.yaml",
            title=rec.title,
            description=prose.plain(" ".join(s.text for s in rec.abstract) or rec.title, 200),
            data={
                "record": rec,
                "authors": ", ".join(author_name(a) for a in rec.authors),
                "journal": rec.journal or journal_of(rec),
                "year": year_of(rec),
                "citation": citation_text(rec),
                "links": id_links(rec),
                "abstract": [{"label": s.label, "text": s.text} for s in rec.abstract],
                "key_points": key_points,
                "overview": overview,
                "groups": groups,
                "strategies": [self._strategy_card(path, slug) for slug, _ in self.strategies],
                "counts": self._counts(),
                "diagram": self._diagram(path),
                "chart": self._year_chart("rs-chart-home"),
                "literature_url": relative(path, "literature/"),
                "matrix_url": relative(path, "matrix/"),
            },
        )
        return self._finish(page, citer)

    def _counts(self) -> dict[str, int]:
        counts = {"papers": len(self.papers), "mechanisms": len(self.mechanisms), "strategies": len(self.strategies)}
        for rel in self.relation_titles:
            counts[rel] = sum(1 for _, p in self.papers if rel in p.relations)
        return counts

    def _mechanism_groups(self, path: str) -> list[dict[str, Any]]:
        groups = []
        for cat, title in self.categories.items():
            items = [
                {
                    "title": m.title,
                    "url": relative(path, f"mechanisms/{slug}/"),
                    "summary": prose.plain(m.summary, 220),
                    "diseases": ", ".join(m.diseases),
                    "strategies": self._strategy_links(path, self.addressed_by.get(slug, [])),
                    "evidence": len(m.evidence),
                }
                for slug, m in self.mechanisms
                if m.category == cat
            ]
            if items:
                groups.append({"key": cat, "title": title, "entries": items})
        return groups

    def _strategy_card(self, path: str, slug: str) -> dict[str, Any]:
        s = self.content.strategies[slug]
        return {
            "title": s.title,
            "url": relative(path, f"strategies/{slug}/"),
            "stage": self.stages[s.stage],
            "summary": prose.plain(s.summary, 220),
            "mechanisms": self._mechanism_links(path, s.addresses),
            "evidence": len(s.evidence),
        }

    def mechanisms_index(self) -> Page:
        path = "mechanisms/index.md"
        return Page(path, "mechanisms.md.j2", "templates/mechanisms.md.j2", "Mechanisms of resistance",
                    "Why CAR T cells fail: antigen escape, T-cell dysfunction, microenvironment and manufacturing.",
                    {"groups": self._mechanism_groups(path), "matrix_url": relative(path, "matrix/")})

    def strategies_index(self) -> Page:
        path = "strategies/index.md"
        by_stage = []
        for stage, title in self.stages.items():
            items = [self._strategy_card(path, slug) for slug, s in self.strategies if s.stage == stage]
            if items:
                by_stage.append({"key": stage, "title": title, "entries": items})
        return Page(path, "strategies.md.j2", "templates/strategies.md.j2", "Strategies to overcome resistance",
                    "Approaches to prevent or treat relapse after CAR T cell therapy, with their evidence.",
                    {"stages": by_stage, "matrix_url": relative(path, "matrix/")})

    def _topic_downloads(self, path: str, kind: str, slug: str) -> list[dict[str, str]]:
        return self._downloads(path, kind, slug, EXPORT_FORMATS) if self.topic_papers(kind, slug) else []

    def mechanism(self, slug: str) -> Page:
        m = self.content.mechanisms[slug]
        path = f"mechanisms/{slug}.md"
        citer = self._citer()
        summary = Markup(prose.render(m.summary, citer))
        evidence = self._evidence(path, citer, m.evidence)
        related = self._related_papers(path, "mechanisms", slug, citer)
        page = Page(
            path=path,
            template="mechanism.md.j2",
            source=self._source("mechanism", slug),
            title=m.title,
            description=prose.plain(m.summary, 200),
            tags=_unique([*m.diseases, *m.antigens, *m.products]),
            search_boost=2,
            data={
                "category": self.categories[m.category],
                "category_url": relative(path, f"mechanisms/#{m.category}"),
                "chips": self._chips(path, m.diseases, m.antigens, m.products),
                "summary": summary,
                "evidence": evidence,
                "strategies": self._strategy_links(path, self.addressed_by.get(slug, [])),
                "external": _external(m.links),
                **related,
                "matrix_url": relative(path, "matrix/"),
                "downloads": self._topic_downloads(path, "mechanisms", slug),
            },
        )
        return self._finish(page, citer)

    def _related_papers(self, path: str, kind: str, slug: str, citer: prose.Citer) -> dict[str, Any]:
        """Papers tagged with this topic by curators but not cited in its text: the newest FURTHER_READING,
        and a link to the literature page filtered on the topic for the rest, so that a topic page does
        not grow with the literature (bench/README.md)."""
        cited = set(citer.order)
        keys = [key for key, paper in self.papers
                if slug in (paper.curation.mechanisms if kind == "mechanisms" else paper.curation.strategies)
                and key not in cited]
        more = len(keys) - FURTHER_READING
        url = f"{relative(path, 'literature/')}?topic={kind}:{slug}"  # the literature filter's topic value
        return {
            "papers": [self.paper_row(path, key) for key in keys[:FURTHER_READING]],
            "papers_more": {"count": more, "url": url} if more > 0 else None,
        }

    def strategy(self, slug: str) -> Page:
        s = self.content.strategies[slug]
        path = f"strategies/{slug}.md"
        citer = self._citer()
        summary = Markup(prose.render(s.summary, citer))
        trials = [
            {"id": t.id, "name": t.name or "", "href": trial_href(t.id), "cites": Markup(citer.marker(t.cites))}
            for t in s.trials
        ]
        evidence = self._evidence(path, citer, s.evidence)
        related = self._related_papers(path, "strategies", slug, citer)
        page = Page(
            path=path,
            template="strategy.md.j2",
            source=self._source("strategy", slug),
            title=s.title,
            description=prose.plain(s.summary, 200),
            tags=_unique([*s.diseases, *s.antigens, *s.products]),
            search_boost=2,
            data={
                "stage": self.stages[s.stage],
                "chips": self._chips(path, s.diseases, s.antigens, s.products),
                "summary": summary,
                "mechanisms": self._mechanism_links(path, s.addresses),
                "trials": trials,
                "external": _external(s.links),
                "evidence": evidence,
                **related,
                "matrix_url": relative(path, "matrix/"),
                "downloads": self._topic_downloads(path, "strategies", slug),
            },
        )
        return self._finish(page, citer)

    def _discussed_groups(self, path: str, key: str) -> list[dict[str, Any]]:
        """Where a paper is cited, one entry per page with its citing items (summary, evidence n, trial...)."""
        groups: dict[str, dict[str, Any]] = {}
        for d in self.discussed.get(key, []):
            base = d["url"].split("#", 1)[0]
            kind = base.split("/", 1)[0]
            group = groups.setdefault(base, {"title": d["label"], "url": relative(path, base),
                                             "kind": KIND_TITLES.get(kind, ""), "entries": []})
            group["entries"].append({"label": d["what"], "url": relative(path, d["url"]), "snippet": d["snippet"]})
        return list(groups.values())

    def paper(self, key: str) -> Page:
        paper = self.content.papers[key]
        rec = paper.record
        path = f"papers/{key}.md"
        citer = self._citer()
        summary = Markup(prose.render(paper.curation.summary, citer)) if paper.curation.summary else ""
        notes = Markup(prose.render(paper.curation.notes, citer)) if paper.curation.notes else ""
        page = Page(
            path=path,
            template="paper.md.j2",
            source=self._source("paper", key),
            title=rec.title,
            description=prose.plain(
                paper.curation.summary or f"{authors_short(rec)} {journal_of(rec)} {year_of(rec)}".strip(), 200
            ),
            tags=_unique(list(paper.curation.tags)),
            citation=citation_meta(rec),
            data={
                "record": rec,
                "byline": byline(rec),
                "journal": rec.journal or journal_of(rec),
                "year": year_of(rec),
                "citation": citation_text(rec),
                "citekey": self.citekeys[key],
                "bibtex": bibtex_entry(self.citekeys[key], rec).rstrip("\n"),
                "downloads": self._downloads(path, "papers", key, PAPER_EXPORT_FORMATS),
                "links": id_links(rec),
                "relations": [self.relation_titles[r] for r in paper.relations],
                "abstract": [{"label": s.label, "text": s.text} for s in rec.abstract],
                "summary": summary,
                "notes": notes,
                "chips": [{"name": t, "kind": "tag", "label": "Tag", "url": relative(path, "tags/#" + tag_anchor(t))}
                          for t in _unique(list(paper.curation.tags))],
                "topics": [
                    {"title": t["title"], "url": relative(path, t["url"]), "kind": KIND_TITLES[t["kind"]].lower()}
                    for t in self.topics_of(key)
                ],
                "discussed": self._discussed_groups(path, key),
                "trials": [{"id": t, "href": trial_href(t)} for t in paper.curation.trials],
                "external": _external(paper.curation.links),
                "literature_url": relative(path, "literature/"),
                "review_url": relative(path, ""),
            },
        )
        return self._finish(page, citer)

    def literature(self) -> Page:
        path = "literature/index.md"
        rows = [self.paper_row(path, key) for key, _ in self.papers]
        years = [int(r["year"]) for r in rows if r["year"]]
        relations = [{"value": k, "label": v} for k, v in self.relation_titles.items()]
        relations.append({"value": NO_RELATION, "label": NO_RELATION_TITLE + " only"})
        topic_groups = [
            {"label": label, "options": [{"value": f"{kind}:{slug}", "label": item.title} for slug, item in items]}
            for kind, label, items in (("mechanisms", "Mechanisms", self.mechanisms),
                                       ("strategies", "Strategies", self.strategies))
        ]
        types = sorted({t for _, p in self.papers for t in p.record.publication_types}, key=str.lower)
        downloads = self._downloads(path, "", "literature", EXPORT_FORMATS)
        downloads.append({"label": "JSON data (mechanisms, strategies, papers)", "ext": "json",
                          "url": relative(path, download_path("", "reviewsite", "json"))})
        return Page(path, "literature.md.j2", "templates/literature.md.j2", "Literature",
                    "Every paper behind this site: the review's references, similar articles and papers citing it.",
                    {"rows": rows, "counts": self._counts(), "relations": relations, "topic_groups": topic_groups,
                     "types": types, "year_min": min(years, default=""), "year_max": max(years, default=""),
                     "downloads": downloads, "feed_url": relative(path, "feed.xml"),
                     "chart": self._year_chart("rs-chart-literature")})

    def matrix(self) -> Page:
        path = "matrix.md"
        topics = {key: {(t["kind"], t["slug"]) for t in self.topics_of(key)} for key, _ in self.papers}

        def linked(items: list[Any], kind: str, slug: str) -> int:
            """Evidence items citing (in `cites` or in the finding's text) a paper that informs the other side."""
            return sum(
                1 for ev in items
                if any((kind, slug) in topics.get(self.index.resolve(k) or "", set())
                       for k in [*ev.cites, *(k for g in find_citations(ev.finding) for k in g.keys)])
            )

        rows = []
        for mslug, m in self.mechanisms:
            cells = []
            for sslug, s in self.strategies:
                addresses = mslug in s.addresses
                from_strategy = linked(s.evidence, "mechanisms", mslug)
                from_mechanism = linked(m.evidence, "strategies", sslug)
                count = from_strategy + from_mechanism
                target = f"mechanisms/{mslug}/#evidence" if from_mechanism and not from_strategy else \
                    f"strategies/{sslug}/#evidence"
                cells.append({
                    "addresses": addresses,
                    "count": count,
                    "url": relative(path, target),
                    "label": (f"{s.title} addresses {m.title}" if addresses else f"{s.title}: not aimed at {m.title}")
                    + f"; {count} linked evidence item{'' if count == 1 else 's'}",
                })
            rows.append({"title": m.title, "url": relative(path, f"mechanisms/{mslug}/"), "cells": cells})
        columns = [{"title": s.title, "url": relative(path, f"strategies/{slug}/"), "stage": self.stages[s.stage]}
                   for slug, s in self.strategies]
        return Page(path, "matrix.md.j2", "templates/matrix.md.j2", "Evidence matrix",
                    "Which strategy addresses which mechanism of resistance, and how much evidence links them.",
                    {"rows": rows, "columns": columns})

    def tags_index(self) -> Page:
        return Page("tags.md", "tags.md.j2", "templates/tags.md.j2", "Tags",
                    "Diseases, target antigens and products named on this site, with the pages that mention them.",
                    {})

    def about(self) -> Page:
        path = "about.md"
        downloads = self._downloads(path, "", "literature", EXPORT_FORMATS)
        downloads.append({"label": "JSON data", "ext": "json",
                          "url": relative(path, download_path("", "reviewsite", "json"))})
        return Page(path, "about.md.j2", "templates/about.md.j2", "About and contributing",
                    "How this site is made, how to cite it and how to contribute.",
                    {"repo_url": self.repo_url or "", "counts": self._counts(), "downloads": downloads,
                     "feed_url": relative(path, "feed.xml")})


def build_pages(content: Content, settings: Settings | None = None, *, repo_url: str | None = None) -> list[Page]:
    """The pure function at the heart of the generator: validated content in, page views out."""
    return SiteBuilder(content, settings, repo_url=repo_url).build()

"""Exports import cleanly: BibTeX, RIS, CSL-JSON and the JSON dump parse back to what the content says.

Parsed with the libraries reference managers' users reach for (bibtexparser 2, rispy), then compared field
by field with the source records, including a synthetic paper full of characters that must be escaped.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import bibtexparser
import pytest
import rispy

from reviewsite.biblio import (
    bibtex_entry,
    bibtex_escape,
    citation_keys,
    csl_item,
    page_range,
    ris_author,
    ris_entry,
)
from reviewsite.export import DUMP_FORMAT, export_files
from reviewsite.feed import ATOM_NS, atom_feed
from reviewsite.model import Author, Paper, Record
from reviewsite.siteindex import REVIEW_KEY, SiteIndex
from support.builtsite import HOSTILE_KEY, HOSTILE_TITLE, build_site

A = "{" + ATOM_NS + "}"


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("built"))


# ---------------------------------------------------------------- reading BibTeX back exactly

_UNESCAPE = {
    r"\textbackslash{}": "\\", r"\textbraceleft{}": "{", r"\textbraceright{}": "}", r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^", r"\%": "%", r"\&": "&", r"\#": "#", r"\_": "_", r"\$": "$",
}
_UNESCAPE_RE = re.compile("|".join(re.escape(k) for k in _UNESCAPE))


def unescape(value: str) -> str:
    """The exact inverse of biblio.bibtex_escape (pylatexenc's decoder is lossy for braces and ^)."""
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPE[m.group()], value)


def split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside braces."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        depth += (c == "{") - (c == "}")
        if depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def unbrace(text: str) -> str:
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


def bib_authors(value: str) -> list[str]:
    """`{O'Brien}, Ana and {The Group}` -> ["O'Brien, Ana", "The Group"] (RIS-style names)."""
    out = []
    for name in split_top(value, " and "):
        pieces = [unescape(unbrace(p.strip())) for p in split_top(name, ", ")]
        out.append(", ".join(pieces))
    return out


def parse_bib(text: str) -> dict[str, dict[str, str]]:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    keys = [e.key for e in library.entries]
    assert len(keys) == len(set(keys)), "citation keys are unique"
    return {e.key: {f.key: f.value for f in e.fields} for e in library.entries}


def expected_pages(record: Record) -> tuple[str, str | None]:
    return page_range(record.pages)


def check_bib_entry(fields: dict[str, str], record: Record) -> None:
    assert unescape(unbrace(fields["title"])) == record.title
    assert bib_authors(fields["author"]) if record.authors else "author" not in fields
    if record.authors:
        assert bib_authors(fields["author"]) == [ris_author(a) for a in record.authors]
    assert unescape(fields["journal"]) == (record.journal or record.journal_abbrev)
    date = record.published or record.epublished
    assert fields.get("year") == (date[:4] if date else None)
    for name, value in (("volume", record.volume), ("number", record.issue), ("doi", record.doi),
                        ("pmid", record.pmid), ("pmcid", record.pmcid)):
        assert (unescape(fields[name]) if name in fields else None) == value, name
    if record.pages:
        first, last = expected_pages(record)
        assert fields["pages"] == (f"{first}--{last}" if last else first)


# ---------------------------------------------------------------- whole-site exports


def test_literature_bib_parses_back_to_every_record(site):
    bib = parse_bib(site.read("downloads/literature.bib"))
    keys = site.index.citekeys
    assert set(bib) == {keys[k] for k in site.content.papers} | {keys[REVIEW_KEY]}
    for key, paper in site.content.papers.items():
        check_bib_entry(bib[keys[key]], paper.record)
    check_bib_entry(bib[keys[REVIEW_KEY]], site.content.review.record)  # the review itself comes first
    assert next(iter(bib)) == keys[REVIEW_KEY]


def test_bibtex_escaping_survives_hostile_text(site):
    bib = parse_bib(site.article(f"papers/{HOSTILE_KEY}/").select_one("pre#cite-bib").get_text())
    (fields,) = bib.values()
    assert unescape(unbrace(fields["title"])) == HOSTILE_TITLE
    assert "Ünïcödé" in fields["title"] and "α-CD19" in fields["title"], "Unicode stays UTF-8, not LaTeX"
    assert bib_authors(fields["author"]) == ["O'Brien & {Co}, Ana María", "van der Berg, J. W.",
                                             "The <b>Study</b> Group and Friends"]
    assert fields["month"] == "mar"


@pytest.mark.parametrize("text", ["lone { brace", "lone } brace", "}{ reversed", "back\\slash {{{", "50% & #1_a $x$ ~^"])
def test_bibtex_escape_keeps_braces_balanced(text):
    escaped = bibtex_escape(text)
    depth = 0
    for c in escaped:
        depth += (c == "{") - (c == "}")
        assert depth >= 0
    assert depth == 0
    record = Record(title=text, authors=[Author(family="Doe", given=text)], journal=text, published="2020")
    fields = parse_bib(bibtex_entry("doe2020", record) + "\n" + bibtex_entry("next2020", Record(title="x")))
    assert set(fields) == {"doe2020", "next2020"}, "a stray brace must not swallow the next entry"
    assert unescape(unbrace(fields["doe2020"]["title"])) == text
    assert unescape(fields["doe2020"]["journal"]) == text


def test_ris_parses_back_to_every_record(site):
    entries = rispy.loads(site.read("downloads/literature.ris"))
    by_id = {e["id"]: e for e in entries}
    keys = site.index.citekeys
    assert len(entries) == len(site.content.papers) + 1 == len(by_id)
    assert entries[0]["id"] == keys[REVIEW_KEY] and entries[0]["title"] == site.content.review.record.title
    for key, paper in site.content.papers.items():
        rec = paper.record
        e = by_id[keys[key]]
        assert e["type_of_reference"] == "JOUR"
        assert e["title"] == rec.title
        assert e.get("authors", []) == [ris_author(a) for a in rec.authors]
        assert e.get("secondary_title") == (rec.journal or rec.journal_abbrev)
        assert e.get("doi") == rec.doi
        assert e.get("accession_number") == rec.pmid
        assert e.get("volume") == rec.volume
        assert e.get("number") == rec.issue
        first, last = expected_pages(rec)
        assert e.get("start_page") == (first or None)
        assert e.get("end_page") == last
        date = rec.published or rec.epublished
        assert e.get("year") == (date[:4] if date else None)
    hostile = by_id[keys[HOSTILE_KEY]]
    assert hostile["title"] == HOSTILE_TITLE
    assert hostile["abstract"] == "BACKGROUND: Zanzibarquux is a word that appears only in this abstract."


def test_csl_json_matches_records(site):
    items = json.loads(site.read("downloads/literature.json"))
    assert [i["id"] for i in items] == ["review", *(k for k, _ in site.index.papers)]
    for item in items:
        rec = site.content.review.record if item["id"] == "review" else site.content.papers[item["id"]].record
        assert item["type"] == "article-journal"
        assert item["title"] == rec.title
        assert item.get("DOI") == rec.doi and item.get("PMID") == rec.pmid
        assert item.get("volume") == rec.volume and item.get("issue") == rec.issue
        date = rec.published or rec.epublished
        assert item.get("issued") == ({"date-parts": [[int(p) for p in date.split("-")]]} if date else None)
        names = [a.get("literal") or f"{a['family']}, {a.get('given', '')}".rstrip(", ") for a in item.get("author", [])]
        assert names == [ris_author(a) for a in rec.authors]
        assert item["citation-key"] == site.index.citekeys[REVIEW_KEY if item["id"] == "review" else item["id"]]


def test_topic_exports_hold_exactly_the_topic_papers(site):
    b = site.index
    review = b.citekeys[REVIEW_KEY]
    for kind, items in (("mechanisms", b.mechanisms), ("strategies", b.strategies)):
        for slug, _ in items:
            keys = b.topic_papers(kind, slug)
            path = site.site / "downloads" / kind / f"{slug}.bib"
            if not keys:
                assert not path.exists()
                continue
            assert set(parse_bib(path.read_text(encoding="utf-8"))) == {b.citekeys[k] for k in keys} | {review}
            assert {e["id"] for e in rispy.loads((path.with_suffix(".ris")).read_text(encoding="utf-8"))} == \
                {b.citekeys[k] for k in keys} | {review}
            assert [i["id"] for i in json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))] == \
                ["review", *keys]
    # The fixture's mechanism is informed by three papers: two cited on its page, one tagged by curators.
    assert set(b.topic_papers("mechanisms", "cd19-genetic-loss")) >= {"26516065", "rosenbaum-2017", "29155426"}


def test_json_dump_for_reuse(site):
    dump = json.loads(site.read("downloads/reviewsite.json"))
    assert dump["format"] == DUMP_FORMAT
    assert [m["slug"] for m in dump["mechanisms"]] == [s for s, _ in site.index.mechanisms]
    assert [s["slug"] for s in dump["strategies"]] == [s for s, _ in site.index.strategies]
    assert {p["key"] for p in dump["papers"]} == set(site.content.papers)
    mech = next(m for m in dump["mechanisms"] if m["slug"] == "cd19-genetic-loss")
    assert mech["strategies"] == ["cd22-car"]
    assert mech["evidence"][1]["cites"] == ["pmid:26516065", "paper:rosenbaum-2017"]
    # The papers an evidence item cites: its `cites` and the citations in its finding, as the matrix counts them.
    assert mech["evidence"][1]["papers"] == ["26516065", "rosenbaum-2017", "29155426"]
    for p in dump["papers"]:
        assert Paper.model_validate({k: p[k] for k in ("record", "relations", "curation") if k in p}) == \
            site.content.papers[p["key"]]
    assert dump["review"]["record"]["pmid"] == site.content.review.record.pmid


def test_exports_are_deterministic(site):
    first = export_files(SiteIndex(site.content, site.project.settings))
    second = export_files(SiteIndex(site.content, site.project.settings))
    assert first == second
    for rel, data in first.items():
        assert (site.docs / rel).read_bytes() == data, rel
    assert atom_feed(SiteIndex(site.content, site.project.settings)) == (site.docs / "feed.xml").read_bytes()


def test_citation_keys_are_ascii_unique_and_stable():
    rec = Record(title="The CD19 story", authors=[Author(family="Müller-Łukasz", given="Ö")], published="2020")
    papers = {"b": Paper(record=rec), "a": Paper(record=rec), "c": Paper(record=Record(title="A", published="2019"))}
    keys = citation_keys(papers)
    assert keys == {"a": "mullerlukasz2020cd19a", "b": "mullerlukasz2020cd19b", "c": "anon2019"}


def test_single_record_formats_agree():
    rec = Record(pmid="26516065", doi="10.1158/2159-8290.CD-15-1020", title="T", pages="1282-95",
                 authors=[Author(family="Sotillo", initials="E")], journal="Cancer discovery", published="2015-12")
    assert page_range("1282-95") == ("1282", "1295") and page_range("e002056") == ("e002056", None)
    assert csl_item("k", rec)["page"] == "1282-1295"
    ris = rispy.loads(ris_entry("k", rec))[0]
    assert (ris["start_page"], ris["end_page"], ris["authors"]) == ("1282", "1295", ["Sotillo, E."])
    assert "pages = {1282--1295}" in bibtex_entry("k", rec)


# ---------------------------------------------------------------- Atom feed


def test_atom_feed_is_valid_and_ordered_by_date_added(site):
    root = ET.fromstring(site.read("feed.xml"))
    assert root.tag == A + "feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(A + required) is not None, required
    entries = root.findall(A + "entry")
    assert len(entries) == len(site.content.papers)
    updated = [e.findtext(A + "updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert root.findtext(A + "updated") == updated[0]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", u) for u in updated)
    ids = [e.findtext(A + "id") for e in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)
    # The newest is the paper added last (curation.added 2026-12-01); one without `added` falls back to its date.
    first = entries[0]
    assert first.findtext(A + "title") == HOSTILE_TITLE
    assert first.find(A + "link").get("href") == f"papers/{HOSTILE_KEY}/"
    by_title = {e.findtext(A + "title"): e for e in entries}
    fry = by_title[site.content.papers["29155426"].record.title]
    assert fry.findtext(A + "updated") == "2018-01-01T00:00:00Z"
    for e in entries:
        href = e.find(A + "link").get("href")
        assert (site.site / href / "index.html").is_file(), href


def test_feed_is_linked_from_every_page_head(site):
    for url in ("", "literature/", f"papers/{HOSTILE_KEY}/"):
        link = site.html(url).head.find("link", rel="alternate", type="application/atom+xml")
        assert link is not None, url
        assert (site.site / url / link["href"]).resolve() == (site.site / "feed.xml").resolve()


def test_downloads_are_linked_and_exist(site):
    for url in ("literature/", "about/", "mechanisms/cd19-genetic-loss/"):
        links = site.article(url).select("a[download]")
        assert links, url
        for a in links:
            assert site.file(url, a["href"]).is_file(), (url, a["href"])


def test_a_paper_page_offers_its_bibtex_and_ris_from_its_own_text(site):
    """One paper's citation is saved by the page's script from the text the page shows: no file per paper."""
    page = site.article(f"papers/{HOSTILE_KEY}/")
    links = {a.get_text(): a for a in page.select(".rs-cite-block a[data-rs-save]")}
    assert set(links) == {"BibTeX", "RIS"}
    bib = parse_bib(page.find(id=links["BibTeX"]["data-rs-save"]).get_text())
    assert set(bib) == {site.index.citekeys[HOSTILE_KEY]}
    (entry,) = rispy.loads(page.find(id=links["RIS"]["data-rs-save"]).get_text() + "\n")
    assert entry["id"] == site.index.citekeys[HOSTILE_KEY]
    assert {links[k]["data-rs-file"] for k in links} == {f"{HOSTILE_KEY}.bib", f"{HOSTILE_KEY}.ris"}
    assert not (site.site / "downloads" / "papers").exists()

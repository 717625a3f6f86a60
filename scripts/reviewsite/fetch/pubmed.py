"""E-utilities XML into `Record`s and link sets.

Parsed with defusedxml: a DOCTYPE line is fine (NCBI sends one), but entity declarations and external
references are refused, so a hostile or broken proxy cannot expand entities or make us read files.
Every path below is anchored at the article (`MedlineCitation/PMID`, `PubmedData/ArticleIdList`), never
`.//`: reference lists and comments/corrections carry PMIDs and DOIs of *other* articles.
Characters no text field may hold are dropped (the model's own rule), but never silently: each record's
removals are counted per field while it is built, and come back as notes beside the records.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import get_args
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from pydantic import ValidationError

from ..model import DOI_RE, ORCID_RE, PMCID_RE, PMID_RE, Author, CorrectionType, Record, strip_forbidden

# What `model.Line`/`Prose` reject (controls, bidi, zero-width, private use) plus what YAML cannot print.
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_ORCID_IN = re.compile(r"([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9Xx])")
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_LINK_SIMILAR = "pubmed_pubmed"
_LINK_REFS = "pubmed_pubmed_refs"
_LINK_CITEDIN = "pubmed_pubmed_citedin"
_CORRECTION_TYPES = frozenset(get_args(CorrectionType))
_FIELD_NAMES = {"authors": "the author names", "abstract": "the abstract", "corrections": "the correction notices",
                "mesh": "the MeSH terms", "publication_types": "the publication types"}


class BadResponse(Exception):
    """The answer cannot be used. `retryable`: asking again may help (truncated, transient NCBI error)."""

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass
class ArticleSet:
    """What one efetch answer held: records by PMID, and PMIDs whose record was present but unusable."""

    records: dict[str, Record] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)  # PMID -> what was removed from its text
    keywords: dict[str, list[str]] = field(default_factory=dict)  # PMID -> author keywords (not in Record)


@dataclass(frozen=True)
class Links:
    """PubMed's links of one article: its references, its similar articles (best first), who cites it."""

    refs: tuple[str, ...] = ()
    similar: tuple[str, ...] = ()
    citedin: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------- text


@dataclass
class _Removed:
    """Characters dropped while one record is built, by the field being built at the time."""

    current: str = "record"
    by_field: dict[str, Counter] = field(default_factory=dict)

    def notes(self) -> list[str]:
        out = []
        for name, chars in self.by_field.items():
            n = sum(chars.values())
            codes = ", ".join(f"U+{ord(ch):04X}" for ch in sorted(chars))
            where = _FIELD_NAMES.get(name, f"the {name.replace('_', ' ')}")
            out.append(f"removed {n} invisible character{'s' if n != 1 else ''} ({codes}) from {where}")
        return out


_REMOVED: ContextVar[_Removed | None] = ContextVar("reviewsite_removed", default=None)


def clean(text: str | None) -> str:
    """One plain line: characters no text field may hold dropped (the model's own rule, counted for the
    record being built), every run of whitespace (incl. U+2028) one space."""
    if not text:
        return ""
    joined = " ".join(text.split())
    kept = strip_forbidden(joined)
    removed = _REMOVED.get()
    if removed is not None and len(kept) != len(joined):
        counts = removed.by_field.setdefault(removed.current, Counter())
        counts.update(Counter(joined) - Counter(kept))
    return " ".join(kept.split())


def _build(fields: dict[str, Callable[[], object]]) -> dict:
    """Each field's value, with removals counted against that field's name."""
    removed = _REMOVED.get()
    out = {}
    for name, make in fields.items():
        if removed is not None:
            removed.current = name
        out[name] = make()
    return out


def plain_text(element: Element | None) -> str:
    """Inline markup (`<i>`, `<sup>`, `<u>`, badly nested or not) as plain text; MathML as its tokens."""
    if element is None:
        return ""
    parts: list[str] = []

    def walk(node: Element) -> None:
        if isinstance(node.tag, str) and node.tag.startswith(_MATHML):
            # Indentation inside MathML is layout, not text: keep tokens, drop the whitespace between.
            tokens = [(t.text or "") if t.tag == f"{_MATHML}mtext" else (t.text or "").strip() for t in node.iter()]
            parts.append("".join(tokens))
            return
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")

    walk(element)
    return clean("".join(parts))


def _line(value: str | None) -> str | None:
    value = clean(value)
    return value or None


def _title(element: Element | None) -> str:
    """PubMed ends every title with a period it adds itself; our records (and citations) do not."""
    title = plain_text(element)
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title


# --------------------------------------------------------------------------------------------- parse


def parse_xml(body: bytes, roots: tuple[str, ...]) -> Element:
    """Bytes into an element tree, or BadResponse: empty, HTML, truncated, unsafe, wrong document, ERROR."""
    head = body.lstrip()[:200].lower()
    if not head:
        raise BadResponse("empty answer (expected XML)", retryable=True)
    if head.startswith((b"<html", b"<!doctype html")) or (b"<html" in head and not head.startswith(b"<?xml")):
        raise BadResponse("the answer is an HTML page, not E-utilities XML (check --eutils-url)", retryable=False)
    try:
        root = SafeET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadResponse(f"unsafe XML refused ({type(exc).__name__}: entity or external reference)",
                          retryable=False) from None
    except ParseError as exc:
        raise BadResponse(f"malformed or truncated XML ({exc})", retryable=True) from None
    errors = [clean("".join(e.itertext())) for e in root.findall("ERROR")]
    if root.tag == "ERROR":
        errors.append(clean("".join(root.itertext())))
    if errors:
        # NCBI answers HTTP 200 with <ERROR> for backend trouble as well as for bad requests.
        raise BadResponse(f"NCBI error: {'; '.join(e for e in errors if e) or 'empty ERROR element'}", retryable=True)
    if root.tag not in roots:
        raise BadResponse(f"unexpected XML document <{root.tag}> (expected <{'> or <'.join(roots)}>)",
                          retryable=False)
    return root


def uid_errors(root: Element) -> dict[str, str]:
    """Errors NCBI reports for single IDs inside an otherwise good answer (`<DocumentSummary uid><error>`)."""
    out: dict[str, str] = {}
    for summary in root.iter("DocumentSummary"):
        err = summary.find("error")
        uid = summary.get("uid", "")
        if err is not None and uid:
            out[uid] = clean("".join(err.itertext())) or "error"
    for linkset in root.iter("LinkSet"):
        err = linkset.find("ERROR")
        if err is not None:
            for uid_element in linkset.findall("IdList/Id"):
                out[clean(uid_element.text)] = clean("".join(err.itertext())) or "error"
    return out


def parse_efetch(body: bytes) -> ArticleSet:
    """An efetch `PubmedArticleSet` into records keyed by PMID; an empty set is a valid (empty) answer."""
    root = parse_xml(body, ("PubmedArticleSet",))
    result = ArticleSet()
    result.rejected.update(uid_errors(root))
    for node in root:
        if node.tag == "PubmedArticle":
            pmid = clean(node.findtext("MedlineCitation/PMID"))
            build = _journal_article
        elif node.tag == "PubmedBookArticle":
            pmid = clean(node.findtext("BookDocument/PMID"))
            build = _book_article
        else:
            continue  # DeleteCitation and friends: nothing to record
        if not PMID_RE.match(pmid):
            continue
        removed = _Removed()
        token = _REMOVED.set(removed)
        try:
            result.records[pmid] = Record.model_validate(build(node, pmid))
            if removed.by_field:
                result.notes[pmid] = removed.notes()
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"]) or "record"
            result.rejected[pmid] = f"record rejected: {where}: {str(err['msg']).removeprefix('Value error, ')}"
        except ValueError as exc:
            result.rejected[pmid] = f"record rejected: {exc}"
        finally:
            _REMOVED.reset(token)
        keywords = _unique([plain_text(k) for k in node.findall("MedlineCitation/KeywordList/Keyword")])
        if keywords and pmid in result.records:
            result.keywords[pmid] = keywords
    return result


def _ids(lists: list[Element | None]) -> tuple[str | None, str | None]:
    doi = pmcid = None
    for id_list in lists:
        if id_list is None:
            continue
        for item in id_list.findall("ArticleId"):
            kind, value = item.get("IdType", ""), clean(item.text)
            if kind == "doi" and doi is None:
                doi = _doi(value)
            elif kind == "pmc" and pmcid is None:
                value = value if value.upper().startswith("PMC") else f"PMC{value}"
                pmcid = value.upper() if PMCID_RE.match(value.upper()) else None
    return doi, pmcid


def _doi(value: str) -> str | None:
    value = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.IGNORECASE)
    return value if value and len(value) <= 300 and DOI_RE.match(value) else None


def _date(node: Element | None) -> str | None:
    """Year[-Month[-Day]] from Year/Month/Day; Year+Season and MedlineDate ("1998 Dec-1999 Jan") give the year."""
    if node is None:
        return None
    year = clean(node.findtext("Year"))
    if not re.fullmatch(r"[0-9]{4}", year):
        match = re.match(r"\s*([0-9]{4})", node.findtext("MedlineDate") or "")
        return match.group(1) if match else None
    if node.find("Season") is not None:
        return year
    month_text = clean(node.findtext("Month")).lower()
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text[:3], 0)
    if not 1 <= month <= 12:
        return year
    day_text = clean(node.findtext("Day"))
    if day_text.isdigit():
        try:
            return _dt.date(int(year), month, int(day_text)).isoformat()
        except ValueError:
            pass
    return f"{year}-{month:02d}"


def _pages(node: Element | None) -> str | None:
    """StartPage-EndPage when given; else MedlinePgn with its abbreviated end expanded ("1282-95" -> "1282-1295")."""
    if node is None:
        return None
    start, end = clean(node.findtext("StartPage")), clean(node.findtext("EndPage"))
    if start:
        return f"{start}-{end}" if end and end != start else start
    pages = clean(node.findtext("MedlinePgn"))
    match = re.fullmatch(r"([0-9]+)-([0-9]+)", pages)
    if match and len(match.group(2)) < len(match.group(1)):
        first, last = match.groups()
        pages = f"{first}-{first[: len(first) - len(last)]}{last}"
    return pages or None


def _authors(author_list: Element | None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if author_list is None:
        return out
    for author in author_list.findall("Author"):
        if author.get("ValidYN", "Y") == "N":
            continue
        entry: dict[str, str] = {}
        collective = plain_text(author.find("CollectiveName"))
        if collective:
            entry["collective"] = collective
        else:
            for key, tag in (("family", "LastName"), ("given", "ForeName"), ("initials", "Initials")):
                value = _line(author.findtext(tag))
                if value:
                    entry[key] = value
            if "family" not in entry and "given" not in entry:
                continue
        for ident in author.findall("Identifier"):
            match = _ORCID_IN.search(ident.text or "") if ident.get("Source") == "ORCID" else None
            if match and ORCID_RE.match(match.group(1).upper()):
                entry["orcid"] = match.group(1).upper()
                break
        out.append(Author.model_validate(entry).model_dump(exclude_none=True))
    return out


def _abstract(abstract: Element | None) -> list[dict[str, str]]:
    sections: list[dict[str, str]] = []
    if abstract is None:
        return sections
    for part in abstract.findall("AbstractText"):
        text = plain_text(part)
        if not text:
            continue
        label = _line(part.get("Label"))
        sections.append({"label": label, "text": text} if label else {"text": text})
    return sections


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _journal_article(node: Element, pmid: str) -> dict:
    citation = node.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if citation is None or article is None:
        raise ValueError("no MedlineCitation/Article")
    journal = article.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    electronic = next((d for d in article.findall("ArticleDate") if d.get("DateType") == "Electronic"), None)
    doi, pmcid = _article_ids(node, article)
    return _drop_empty(_build({
        "pmid": lambda: pmid,
        "pmcid": lambda: pmcid,
        "doi": lambda: doi,
        "title": lambda: _title(article.find("ArticleTitle")) or _title(article.find("VernacularTitle")),
        "authors": lambda: _authors(article.find("AuthorList")),
        "journal": lambda: _line(plain_text(journal.find("Title"))) if journal is not None else None,
        "journal_abbrev": lambda: _line(journal.findtext("ISOAbbreviation") if journal is not None else None)
        or _line(citation.findtext("MedlineJournalInfo/MedlineTA")),
        "published": lambda: _date(issue.find("PubDate")) if issue is not None else None,
        "epublished": lambda: _date(electronic),
        "volume": lambda: _line(issue.findtext("Volume")) if issue is not None else None,
        "issue": lambda: _line(issue.findtext("Issue")) if issue is not None else None,
        "pages": lambda: _pages(article.find("Pagination")),
        "abstract": lambda: _abstract(article.find("Abstract")),
        "publication_types": lambda: _texts(article, "PublicationTypeList/PublicationType"),
        "mesh": lambda: _texts(citation, "MeshHeadingList/MeshHeading/DescriptorName"),
        "language": lambda: _line(article.findtext("Language")),
        "corrections": lambda: _corrections(citation),
    }))


def _texts(node: Element, path: str) -> list[str]:
    return _unique([clean(e.text) for e in node.findall(path)])


def _article_ids(node: Element, article: Element) -> tuple[str | None, str | None]:
    """DOI and PMCID from PubmedData's ArticleIdList; the DOI from a valid ELocationID when it has none."""
    doi, pmcid = _ids([node.find("PubmedData/ArticleIdList")])
    if doi is None:
        for loc in article.findall("ELocationID"):
            if loc.get("EIdType") == "doi" and loc.get("ValidYN", "Y") != "N":
                doi = _doi(clean(loc.text))
                if doi:
                    break
    return doi, pmcid


def _corrections(citation: Element) -> list[dict[str, str]]:
    """The notices that change how a paper may be used (retractions, errata, concerns, updates), in
    PubMed's order; comments and citations are left out. A notice without a PMID keeps its source."""
    out: list[dict[str, str]] = []
    for item in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        kind = item.get("RefType", "")
        if kind not in _CORRECTION_TYPES:
            continue
        entry = {"type": kind}
        pmid = clean(item.findtext("PMID"))
        if PMID_RE.match(pmid):
            entry["pmid"] = pmid
        source = _line(plain_text(item.find("RefSource")))
        if source:
            entry["source"] = source[:2000]
        if entry not in out:
            out.append(entry)
    return out


def _book_article(node: Element, pmid: str) -> dict:
    document = node.find("BookDocument")
    if document is None:
        raise ValueError("no BookDocument")
    book = document.find("Book")
    book_title = _title(book.find("BookTitle")) if book is not None else ""
    chapter = _title(document.find("ArticleTitle"))
    authors = next((a for a in document.findall("AuthorList") if a.get("Type", "authors") == "authors"), None)
    if authors is None and book is not None:
        authors = next((a for a in book.findall("AuthorList") if a.get("Type", "authors") == "authors"), None)
    doi, pmcid = _ids([node.find("PubmedBookData/ArticleIdList"), document.find("ArticleIdList")])
    return _drop_empty(_build({
        "pmid": lambda: pmid,
        "pmcid": lambda: pmcid,
        "doi": lambda: doi,
        "title": lambda: chapter or book_title,
        "authors": lambda: _authors(authors),
        "journal": lambda: book_title if chapter else None,
        "published": lambda: _date(book.find("PubDate")) if book is not None else None,
        "volume": lambda: _line(book.findtext("Volume")) if book is not None else None,
        "abstract": lambda: _abstract(document.find("Abstract")),
        "publication_types": lambda: _unique([clean(p.text) for p in document.findall("PublicationType")]),
        "language": lambda: _line(document.findtext("Language")),
    }))


def _drop_empty(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", []) or k in ("title", "authors")}


# ---------------------------------------------------------------------------------------------- links


def parse_elink(body: bytes, pmid: str) -> Links:
    """The link sets of `pmid` from one ELink answer asked for every PubMed->PubMed link (no linkname).

    Similar articles come best first: by `<Score>` when NCBI sends one (cmd=neighbor_score), else in
    NCBI's order, which is already by score. The article itself (first among its own) is dropped.
    """
    root = parse_xml(body, ("eLinkResult",))
    errors = uid_errors(root)
    if pmid in errors:
        raise BadResponse(f"ELink error for PMID {pmid}: {errors[pmid]}", retryable=False)
    wanted: dict[str, list[tuple[str, int | None]]] = {_LINK_REFS: [], _LINK_SIMILAR: [], _LINK_CITEDIN: []}
    for linkset in root.findall("LinkSet"):
        ids = [clean(i.text) for i in linkset.findall("IdList/Id")]
        if ids != [pmid]:
            continue  # comma-joined requests merge several IDs into one set: not attributable, not ours
        for db in linkset.findall("LinkSetDb"):
            name = clean(db.findtext("LinkName"))
            if name not in wanted or clean(db.findtext("DbTo")) not in ("", "pubmed"):
                continue
            for link in db.findall("Link"):
                uid = clean(link.findtext("Id"))
                score = clean(link.findtext("Score"))
                if PMID_RE.match(uid) and uid != pmid:
                    wanted[name].append((uid, int(score) if score.isdigit() else None))
    similar = wanted[_LINK_SIMILAR]
    if any(score is not None for _, score in similar):
        similar = sorted(similar, key=lambda item: -(item[1] or 0))  # stable: ties keep NCBI's order

    def ordered(items: list[tuple[str, int | None]]) -> tuple[str, ...]:
        return tuple(_unique([uid for uid, _ in items]))

    return Links(refs=ordered(wanted[_LINK_REFS]), similar=ordered(similar), citedin=ordered(wanted[_LINK_CITEDIN]))

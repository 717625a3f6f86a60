"""E-utilities XML into `Record`s and link sets.

Parsed with defusedxml: a DOCTYPE line is fine (NCBI sends one), but entity declarations and external
references are refused, so a hostile or broken proxy cannot expand entities or make us read files.
Every path below is anchored at the article (`MedlineCitation/PMID`, `PubmedData/ArticleIdList`), never
`.//`: reference lists and comments/corrections carry PMIDs and DOIs of *other* articles.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from pydantic import ValidationError

from ..model import DOI_RE, ORCID_RE, PMCID_RE, PMID_RE, Author, Record, strip_forbidden

# What `model.Line`/`Prose` reject (controls, bidi, zero-width, private use) plus what YAML cannot print.
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_ORCID_IN = re.compile(r"([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9Xx])")
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_LINK_SIMILAR = "pubmed_pubmed"
_LINK_REFS = "pubmed_pubmed_refs"
_LINK_CITEDIN = "pubmed_pubmed_citedin"


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


@dataclass(frozen=True)
class Links:
    """PubMed's links of one article: its references, its similar articles (best first), who cites it."""

    refs: tuple[str, ...] = ()
    similar: tuple[str, ...] = ()
    citedin: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------- text


def clean(text: str | None) -> str:
    """One plain line: characters no text field may hold dropped (the model's own rule), every run of
    whitespace (incl. U+2028) one space."""
    if not text:
        return ""
    return " ".join(strip_forbidden(" ".join(text.split())).split())


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
            for uid in linkset.findall("IdList/Id"):
                out[clean(uid.text)] = clean("".join(err.itertext())) or "error"
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
        try:
            result.records[pmid] = Record.model_validate(build(node, pmid))
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"]) or "record"
            result.rejected[pmid] = f"record rejected: {where}: {str(err['msg']).removeprefix('Value error, ')}"
        except ValueError as exc:
            result.rejected[pmid] = f"record rejected: {exc}"
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
    doi, pmcid = _ids([node.find("PubmedData/ArticleIdList")])
    if doi is None:
        for loc in article.findall("ELocationID"):
            if loc.get("EIdType") == "doi" and loc.get("ValidYN", "Y") != "N":
                doi = _doi(clean(loc.text))
                if doi:
                    break
    electronic = next((d for d in article.findall("ArticleDate") if d.get("DateType") == "Electronic"), None)
    title = _title(article.find("ArticleTitle")) or _title(article.find("VernacularTitle"))
    return _drop_empty({
        "pmid": pmid,
        "pmcid": pmcid,
        "doi": doi,
        "title": title,
        "authors": _authors(article.find("AuthorList")),
        "journal": _line(plain_text(journal.find("Title"))) if journal is not None else None,
        "journal_abbrev": _line(journal.findtext("ISOAbbreviation") if journal is not None else None)
        or _line(citation.findtext("MedlineJournalInfo/MedlineTA")),
        "published": _date(issue.find("PubDate")) if issue is not None else None,
        "epublished": _date(electronic),
        "volume": _line(issue.findtext("Volume")) if issue is not None else None,
        "issue": _line(issue.findtext("Issue")) if issue is not None else None,
        "pages": _pages(article.find("Pagination")),
        "abstract": _abstract(article.find("Abstract")),
        "publication_types": _unique([clean(p.text) for p in article.findall("PublicationTypeList/PublicationType")]),
        "mesh": _unique([clean(m.text) for m in citation.findall("MeshHeadingList/MeshHeading/DescriptorName")]),
        "language": _line(article.findtext("Language")),
    })


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
    return _drop_empty({
        "pmid": pmid,
        "pmcid": pmcid,
        "doi": doi,
        "title": chapter or book_title,
        "authors": _authors(authors),
        "journal": book_title if chapter else None,
        "published": _date(book.find("PubDate")) if book is not None else None,
        "volume": _line(book.findtext("Volume")) if book is not None else None,
        "abstract": _abstract(document.find("Abstract")),
        "publication_types": _unique([clean(p.text) for p in document.findall("PublicationType")]),
        "language": _line(document.findtext("Language")),
    })


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

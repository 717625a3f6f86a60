"""Bibliographic formatting of one record: reference text, identifier links, BibTeX, RIS, CSL-JSON, meta tags.

Pure functions of a validated `Record`; nothing here knows about pages or files. Every output format escapes
for itself: BibTeX special characters become LaTeX commands (Unicode stays UTF-8), RIS values are flattened
to one line, CSL-JSON is plain data for `json.dumps`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any
from urllib.parse import quote

from .model import Author, Paper, Record

# ---------------------------------------------------------------- names, years, references


def author_name(author: Author) -> str:
    """Vancouver form: `Smith JA`, or the collective name."""
    if author.collective:
        return author.collective
    initials = author.initials or "".join(p[0] for p in (author.given or "").replace("-", " ").split() if p)
    return f"{author.family} {initials}".strip() if author.family else (author.given or "")


def authors_short(record: Record, limit: int = 3) -> str:
    names = [author_name(a) for a in record.authors[:limit]]  # only those shown (listings call this per paper)
    if not names:
        return ""
    if len(record.authors) > limit:
        return ", ".join(names) + ", et al."
    return ", ".join(names)


def year_of(record: Record) -> str:
    return (record.published or record.epublished or "")[:4]


def journal_of(record: Record) -> str:
    return record.journal_abbrev or record.journal or ""


def citation_text(record: Record) -> str:
    """Vancouver-style reference: Authors. Title. Journal. Year;Vol(Issue):Pages. doi:..."""
    parts = []
    who = authors_short(record, 6)
    if who:
        parts.append(who.rstrip(".") + ".")
    title = record.title.rstrip()
    parts.append(title if title.endswith((".", "?", "!")) else title + ".")
    source = journal_of(record)
    where = year_of(record)
    if record.volume:
        where += f";{record.volume}"
        if record.issue:
            where += f"({record.issue})"
    if record.pages:
        where += f":{record.pages}"
    if source:
        parts.append(f"{source}. {where}." if where else f"{source}.")
    elif where:
        parts.append(where + ".")
    if record.doi:
        parts.append(f"doi:{record.doi}")
    return " ".join(parts)


def doi_url(doi: str) -> str:
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def id_links(record: Record) -> list[dict[str, str]]:
    """Links built from validated identifiers only (never from contributor-supplied URLs)."""
    links = []
    if record.pmid:
        links.append({"label": f"PubMed {record.pmid}", "href": f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/"})
    if record.pmcid:
        links.append({"label": record.pmcid, "href": f"https://pmc.ncbi.nlm.nih.gov/articles/{record.pmcid}/"})
    if record.doi:
        links.append({"label": f"DOI {record.doi}", "href": doi_url(record.doi)})
    if record.pmid:
        links.append({"label": "Europe PMC", "href": f"https://europepmc.org/article/MED/{record.pmid}"})
    elif record.pmcid:
        links.append({"label": "Europe PMC", "href": f"https://europepmc.org/article/PMC/{record.pmcid}"})
    return links


def primary_url(record: Record) -> str | None:
    """The one landing URL of a record: DOI, else PubMed, else PMC."""
    if record.doi:
        return doi_url(record.doi)
    if record.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/"
    if record.pmcid:
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{record.pmcid}/"
    return None


def date_parts(value: str | None) -> list[int]:
    """`2015-12` -> [2015, 12]."""
    return [int(p) for p in value.split("-")] if value else []


def page_range(pages: str | None) -> tuple[str, str | None]:
    """PubMed's abbreviated ranges expanded: `1282-95` -> (`1282`, `1295`); `e002056` -> (`e002056`, None)."""
    if not pages:
        return "", None
    parts = re.split(r"\s*[-\u2013\u2014]+\s*", pages.strip(), maxsplit=1)
    if len(parts) == 1 or not parts[1]:
        return parts[0], None
    first, last = parts
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


def abstract_text(record: Record) -> str:
    """The abstract as one paragraph of plain text, section labels kept."""
    pieces = []
    for section in record.abstract:
        text = " ".join(section.text.split())
        pieces.append(f"{section.label}: {text}" if section.label else text)
    return " ".join(pieces)


# ---------------------------------------------------------------- citation keys

_STOPWORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with"]
)
_ASCII_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l",
                             "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "ı": "i"})


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode("ascii").lower())


def _key_stem(record: Record) -> str:
    first = record.authors[0] if record.authors else None
    name = (first.family or first.collective or first.given or "") if first is not None else ""
    return _stem(name, bool(first is not None and first.family), record.title, year_of(record))


@functools.lru_cache(maxsize=65536)
def _stem(name: str, family: bool, title: str, year: str) -> str:
    """Cached: `reviewsite serve` asks again for every paper's key after each edit."""
    who = _ascii_word(name) if family else (_ascii_word(name.split()[0]) if name.split() else "")
    words = (_ascii_word(w) for w in re.split(r"[\s\-/]+", title))  # lazily: only up to the first word kept
    word = next((w for w in words if w and w not in _STOPWORDS), "")
    return f"{who or 'anon'}{year}{word}"


def citation_keys(papers: dict[str, Paper]) -> dict[str, str]:
    """Paper key -> BibTeX key (`sotillo2015convergence`), unique and stable: clashes get a, b, c by paper key."""
    stems: dict[str, list[str]] = {}
    for key in sorted(papers):
        stems.setdefault(_key_stem(papers[key].record), []).append(key)
    out: dict[str, str] = {}
    for stem, keys in stems.items():
        if len(keys) == 1:
            out[keys[0]] = stem
        else:
            for i, key in enumerate(keys):
                out[key] = stem + _suffix(i)
    return out


def _suffix(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return letters


# ---------------------------------------------------------------- BibTeX

_BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",  # `\{` would unbalance BibTeX's brace counting
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIB_SPECIAL_RE = re.compile("[" + re.escape("".join(_BIB_SPECIAL)) + "]")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex_escape(text: str) -> str:
    """Text safe inside a braced BibTeX field: specials as LaTeX commands, braces always balanced, UTF-8 kept."""
    flat = " ".join(text.split())
    return _BIB_SPECIAL_RE.sub(lambda m: _BIB_SPECIAL[m.group()], flat)


def _bib_name_part(text: str) -> str:
    escaped = bibtex_escape(text)
    if re.search(r"[\s,]", text) or re.search(r"\band\b", text, re.IGNORECASE):
        return "{" + escaped + "}"
    return escaped


def _spaced_initials(initials: str) -> str:
    return " ".join(c + "." for c in initials if c.isalpha()) if initials.isalpha() and initials.isupper() else initials


def bibtex_author(author: Author) -> str:
    if author.collective:
        return "{" + bibtex_escape(author.collective) + "}"
    given = author.given or (_spaced_initials(author.initials) if author.initials else "")
    if not author.family:
        return "{" + bibtex_escape(given) + "}"
    family = _bib_name_part(author.family)
    return f"{family}, {bibtex_escape(given)}" if given else family


def bibtex_entry(citekey: str, record: Record) -> str:
    """One `@article` entry. The title is double-braced so styles keep its capitals (DNA, HIV)."""
    fields: list[tuple[str, str]] = []
    if record.authors:
        fields.append(("author", "{" + " and ".join(bibtex_author(a) for a in record.authors) + "}"))
    fields.append(("title", "{{" + bibtex_escape(record.title) + "}}"))
    if record.journal or record.journal_abbrev:
        fields.append(("journal", "{" + bibtex_escape(record.journal or record.journal_abbrev or "") + "}"))
    if record.journal_abbrev and record.journal and record.journal_abbrev != record.journal:
        fields.append(("shortjournal", "{" + bibtex_escape(record.journal_abbrev) + "}"))
    parts = date_parts(record.published or record.epublished)
    if parts:
        fields.append(("year", "{" + str(parts[0]) + "}"))
    if len(parts) > 1:
        fields.append(("month", _MONTHS[parts[1] - 1]))
    for name, value in (("volume", record.volume), ("number", record.issue)):
        if value:
            fields.append((name, "{" + bibtex_escape(value) + "}"))
    if record.pages:
        first, last = page_range(record.pages)
        pages = f"{first}--{last}" if last else first
        fields.append(("pages", "{" + bibtex_escape(pages) + "}"))
    if record.doi:
        fields.append(("doi", "{" + bibtex_escape(record.doi) + "}"))
    if record.pmid:
        fields.append(("pmid", "{" + record.pmid + "}"))
    if record.pmcid:
        fields.append(("pmcid", "{" + record.pmcid + "}"))
    if record.language:
        fields.append(("language", "{" + bibtex_escape(record.language) + "}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@article{{{citekey},\n{body}\n}}\n"


# ---------------------------------------------------------------- RIS


def _ris_value(text: str) -> str:
    return " ".join(text.split())


def ris_author(author: Author) -> str:
    if author.collective:
        return author.collective
    given = author.given or (_spaced_initials(author.initials) if author.initials else "")
    if author.family:
        return f"{author.family}, {given}" if given else author.family
    return given


def ris_entry(key: str, record: Record, *, citekey: str | None = None) -> str:
    """One RIS record (`TY  - JOUR` ... `ER  - `), every value on one line."""
    lines: list[tuple[str, str]] = [("TY", "JOUR")]
    if citekey:
        lines.append(("ID", citekey))
    lines.append(("TI", record.title))
    lines += [("AU", ris_author(a)) for a in record.authors]
    if record.journal or record.journal_abbrev:
        lines.append(("T2", record.journal or record.journal_abbrev or ""))
    if record.journal_abbrev:
        lines.append(("J2", record.journal_abbrev))
    parts = date_parts(record.published or record.epublished)
    if parts:
        lines.append(("PY", str(parts[0])))
        lines.append(("DA", "/".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])]) + "/" * (3 - len(parts))))
    if record.volume:
        lines.append(("VL", record.volume))
    if record.issue:
        lines.append(("IS", record.issue))
    if record.pages:
        first, last = page_range(record.pages)
        lines.append(("SP", first))
        if last:
            lines.append(("EP", last))
    if record.doi:
        lines.append(("DO", record.doi))
    if record.pmid:
        lines.append(("AN", record.pmid))
        lines.append(("DB", "PubMed"))
    if record.pmcid:
        lines.append(("C2", record.pmcid))
    url = primary_url(record)
    if url:
        lines.append(("UR", url))
    if record.language:
        lines.append(("LA", record.language))
    if record.abstract:
        lines.append(("AB", abstract_text(record)))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_ris_value(value)}\n" for tag, value in lines) + "\n"


# ---------------------------------------------------------------- CSL-JSON


def csl_item(key: str, record: Record, *, citekey: str | None = None) -> dict[str, Any]:
    """One CSL-JSON item (the format of citeproc, Zotero and Pandoc)."""
    item: dict[str, Any] = {"id": key, "type": "article-journal", "title": record.title}
    if citekey:
        item["citation-key"] = citekey
    authors = []
    for a in record.authors:
        if a.collective:
            authors.append({"literal": a.collective})
        elif a.family:
            person = {"family": a.family}
            given = a.given or (_spaced_initials(a.initials) if a.initials else "")
            if given:
                person["given"] = given
            authors.append(person)
        elif a.given:
            authors.append({"literal": a.given})
    if authors:
        item["author"] = authors
    if record.journal or record.journal_abbrev:
        item["container-title"] = record.journal or record.journal_abbrev
    if record.journal_abbrev:
        item["container-title-short"] = record.journal_abbrev
    if record.published or record.epublished:
        item["issued"] = {"date-parts": [date_parts(record.published or record.epublished)]}
    if record.epublished:
        item["available-date"] = {"date-parts": [date_parts(record.epublished)]}
    if record.volume:
        item["volume"] = record.volume
    if record.issue:
        item["issue"] = record.issue
    if record.pages:
        first, last = page_range(record.pages)
        item["page"] = f"{first}-{last}" if last else first
    if record.doi:
        item["DOI"] = record.doi
    if record.pmid:
        item["PMID"] = record.pmid
    if record.pmcid:
        item["PMCID"] = record.pmcid
    url = primary_url(record)
    if url:
        item["URL"] = url
    if record.abstract:
        item["abstract"] = abstract_text(record)
    return item


# ---------------------------------------------------------------- Highwire Press meta tags (Zotero, Google Scholar)


def citation_meta(record: Record) -> list[tuple[str, str]]:
    """`citation_*` (name, value) pairs, unescaped: the caller escapes them for HTML."""
    meta = [("citation_title", record.title)]
    meta += [("citation_author", ris_author(a)) for a in record.authors if ris_author(a)]
    if record.published or record.epublished:
        meta.append(("citation_publication_date", (record.published or record.epublished or "").replace("-", "/")))
    if record.epublished:
        meta.append(("citation_online_date", record.epublished.replace("-", "/")))
    if record.journal or record.journal_abbrev:
        meta.append(("citation_journal_title", record.journal or record.journal_abbrev or ""))
    if record.journal_abbrev:
        meta.append(("citation_journal_abbrev", record.journal_abbrev))
    if record.volume:
        meta.append(("citation_volume", record.volume))
    if record.issue:
        meta.append(("citation_issue", record.issue))
    if record.pages:
        first, last = page_range(record.pages)
        meta.append(("citation_firstpage", first))
        if last:
            meta.append(("citation_lastpage", last))
    if record.doi:
        meta.append(("citation_doi", record.doi))
    if record.pmid:
        meta.append(("citation_pmid", record.pmid))
    if record.language:
        meta.append(("citation_language", record.language))
    return meta

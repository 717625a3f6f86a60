"""Content models: one pydantic model per kind of YAML file, validated once at load.

Identifiers are constrained strings (never ints): a PMID `012345` must fail, not turn into 5349.
Text is split into two kinds: `Line` (one line, plain text; titles, names) and `Prose` (Markdown
written by contributors, rendered and sanitised later). Neither may carry control, bidi or
private-use characters: those are how look-alike text and our citation placeholders get forged.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PMID_RE = re.compile(r"^[1-9][0-9]{0,8}$")
PMCID_RE = re.compile(r"^PMC[0-9]+$")
DOI_RE = re.compile(r"^10\.[0-9]{4,9}/[^\s\"<>\\]+$")
NCT_RE = re.compile(r"^NCT[0-9]{8}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
ORCID_RE = re.compile(r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$")
CITEKEY_RE = re.compile(r"^(?:pmid:[1-9][0-9]{0,8}|doi:10\.[0-9]{4,9}/[^\s\"<>\\;\]]+|paper:[a-z0-9]+(?:-[a-z0-9]+)*)$")

_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029\x85]")
# Letters that render as nothing (Hangul fillers, the Khmer inherent vowels, braille blank): not in a
# format category, so named here; everything else invisible is refused by its Unicode category.
_BLANK_LETTERS = frozenset("\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _forbidden(ch: str, previous: str) -> bool:
    """Control (Cc), format (Cf: bidi marks, zero-width, soft hyphen, tags...), private-use (Co),
    surrogate (Cs) and unassigned (Cn) characters, blank letters, and variation selectors except
    the emoji ones right after a symbol. Newline and tab are judged by each text kind."""
    if ch in "\n\t":
        return False
    if ch in _BLANK_LETTERS:
        return True
    if _VARIATION_SELECTORS.match(ch):
        return not (ch in "\ufe0e\ufe0f" and previous and unicodedata.category(previous) == "So")
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn")


_SUSPECT = re.compile("[^\t\n\x20-\x7e]")
"""Characters `_forbidden` has to judge: everything but printable ASCII, newline and tab."""


def first_forbidden(value: str) -> int:
    """Index of the first character no text field may hold, or -1 (only non-ASCII and control characters are
    judged one by one: the character loop was a fifth of loading a large site)."""
    for match in _SUSPECT.finditer(value):
        i = match.start()
        if _forbidden(match.group(), value[i - 1] if i else ""):
            return i
    return -1


def strip_forbidden(value: str) -> str:
    """`value` without the characters no text field may hold (for text fetched from elsewhere)."""
    out: list[str] = []
    previous = ""
    for ch in value:
        if (ch < " " or ch >= "\x7f") and _forbidden(ch, previous):
            continue
        out.append(ch)
        previous = ch
    return "".join(out)


def _no_forbidden(value: str) -> str:
    i = first_forbidden(value)
    if i >= 0:
        ch = value[i]
        name = unicodedata.name(ch, "unnamed")
        raise ValueError(
            f"character U+{ord(ch):04X} ({name.lower()}) at position {i + 1} is not allowed: it is invisible "
            "or changes text direction; delete it (retype the text around it if you cannot see it)"
        )
    return value


def _line(value: str) -> str:
    _no_forbidden(value)
    if _LINE_BREAKS.search(value):
        raise ValueError("must be a single line (no newline or tab)")
    if value != value.strip():
        raise ValueError("must not start or end with spaces")
    if not value:
        raise ValueError("must not be empty")
    return value


def _prose(value: str) -> str:
    _no_forbidden(value)
    if "\t" in value or "\r" in value:
        raise ValueError("tabs and carriage returns are not allowed")
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _pattern(regex: re.Pattern[str], what: str, hint: str):
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(f"{what} must be {hint} (got {value!r})")
        return value

    return check


def _date(value: str) -> str:
    match = DATE_RE.match(value)
    if not match:
        raise ValueError(f"date must be YYYY, YYYY-MM or YYYY-MM-DD (got {value!r})")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        _dt.date(year or 1, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError(f"invalid date {value!r}: {exc}") from None
    return value


_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".test", ".invalid", ".example")


def public_host(host: str) -> str | None:
    """Why `host` is not a public DNS name, or None when it is.

    The host is normalised first as a browser would (lower case, trailing dots dropped), so
    `localhost.` and `LOCALHOST` are judged alike; a name whose last label is a number (decimal,
    octal or hex: `127.1`, `0x7f000001`, `2130706433`) is an address, whatever its spelling."""
    name = host.lower().rstrip(".")
    if not name:
        return "has no host"
    if ":" in name or name.startswith("["):
        return f"uses an IP address ({host})"
    if _NUMERIC_LABEL.match(name.split(".")[-1]):  # the WHATWG URL rule: a numeric last label means IPv4
        return f"uses an IP address ({host})"
    if "." not in name or name == "localhost" or name.endswith(_LOCAL_SUFFIXES):
        return f"host {host!r} is not a public name"
    return None


def check_https_url(value: str) -> str:
    """Accept only plain https URLs: no userinfo, quotes, spaces or backslashes, a public ASCII host."""
    _line(value)
    if any(c in value for c in "\"'<>\\ `"):
        raise ValueError("URL must not contain quotes, spaces, angle brackets or backslashes")
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise ValueError(f"URL must use https (got {value!r})")
    host = parts.hostname or ""
    if not host or "@" in parts.netloc or not host.isascii() or not value.isascii():
        raise ValueError(f"URL must have a plain ASCII host and no user name (got {value!r})")
    why = public_host(host)
    if why:
        raise ValueError(f"URL {why}: link to a public https address")
    return value


Line = Annotated[str, Field(max_length=2000), AfterValidator(_line)]
Prose = Annotated[str, Field(max_length=20000), AfterValidator(_prose)]
Pmid = Annotated[str, AfterValidator(_pattern(PMID_RE, "PMID", "1-9 digits with no leading zero"))]
Pmcid = Annotated[str, AfterValidator(_pattern(PMCID_RE, "PMCID", "'PMC' followed by digits"))]
Doi = Annotated[str, Field(max_length=300), AfterValidator(_pattern(DOI_RE, "DOI", "'10.NNNN/suffix'"))]
NctId = Annotated[str, AfterValidator(_pattern(NCT_RE, "trial ID", "'NCT' followed by 8 digits"))]
Slug = Annotated[str, AfterValidator(_pattern(SLUG_RE, "slug", "lowercase words joined by '-'"))]
Orcid = Annotated[str, AfterValidator(_pattern(ORCID_RE, "ORCID", "NNNN-NNNN-NNNN-NNNX"))]
CiteKey = Annotated[
    str, AfterValidator(_pattern(CITEKEY_RE, "citation key", "'pmid:N', 'doi:10.N/x' or 'paper:slug'"))
]
DateStr = Annotated[str, AfterValidator(_date)]
HttpsUrl = Annotated[str, Field(max_length=2000), AfterValidator(check_https_url)]
Tag = Annotated[str, Field(max_length=60), AfterValidator(_line)]

Relation = Literal["reference", "similar", "cites-review"]
RELATIONS: tuple[str, ...] = ("reference", "similar", "cites-review")
"""How PubMed links a paper to the review; their labels are settings (`extra.reviewsite.relations`)."""

CorrectionType = Literal[
    "RetractionIn", "RetractionOf", "ErratumIn", "ErratumFor", "ExpressionOfConcernIn", "ExpressionOfConcernFor",
    "UpdateIn", "UpdateOf", "CorrectedandRepublishedIn", "CorrectedandRepublishedFrom",
    "RetractedandRepublishedIn", "RetractedandRepublishedFrom",
]
"""PubMed `CommentsCorrections` RefTypes that change how a paper may be used (comments are left out)."""

CheckedSource = Literal["pubmed", "pmc", "europepmc", "medline", "csl-pubmed", "publisher", "trial-registry"]
CHECKED_TITLES: dict[str, str] = {
    "pubmed": "PubMed record",
    "pmc": "PMC article page",
    "europepmc": "Europe PMC record",
    "medline": "MEDLINE record",
    "csl-pubmed": "citation record generated from PubMed",
    "publisher": "publisher's page",
    "trial-registry": "trial registry entry",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Author(_Strict):
    """A person (family name plus given name or initials) or a collective author."""

    family: Line | None = None
    given: Line | None = None
    initials: Line | None = None
    collective: Line | None = None
    orcid: Orcid | None = None


class AbstractSection(_Strict):
    label: Line | None = None
    text: Prose


class Correction(_Strict):
    """A linked notice from PubMed's CommentsCorrectionsList: what kind, which PMID, its citation."""

    type: CorrectionType
    pmid: Pmid | None = None
    source: Line | None = None


class Record(_Strict):
    """Bibliographic record: owned by `reviewsite fetch`, never by curation."""

    pmid: Pmid | None = None
    pmcid: Pmcid | None = None
    doi: Doi | None = None
    title: Line
    authors: list[Author] = []
    journal: Line | None = None
    journal_abbrev: Line | None = None
    published: DateStr | None = None
    epublished: DateStr | None = None
    volume: Line | None = None
    issue: Line | None = None
    pages: Line | None = None
    abstract: list[AbstractSection] = []
    publication_types: list[Line] = []
    mesh: list[Line] = []
    language: Line | None = None
    corrections: list[Correction] = []
    """Retractions, errata, expressions of concern and updates PubMed links to this record."""
    fetched: DateStr | None = None
    """When `reviewsite fetch` last wrote this record with a change (shown as provenance)."""


class Link(_Strict):
    """An outside resource (a label, a registry entry): https only."""

    title: Line
    url: HttpsUrl


class Checked(_Strict):
    """Where a curator confirmed a paper's identifiers and record by hand (shown to readers as provenance)."""

    source: CheckedSource
    url: HttpsUrl | None = None
    date: DateStr


class Curation(_Strict):
    """What people write about a paper; fetch never touches it."""

    summary: Prose | None = None
    tags: list[Tag] = []
    mechanisms: list[Slug] = []
    strategies: list[Slug] = []
    trials: list[NctId] = []
    links: list[Link] = []
    notes: Prose | None = None
    """Curators' working notes: kept in the file, never shown on the site."""
    checked: list[Checked] = []
    added: DateStr | None = None
    updated: DateStr | None = None


class Paper(_Strict):
    record: Record
    relations: list[Relation] = []
    curation: Curation = Curation()


class Evidence(_Strict):
    finding: Prose
    cites: list[CiteKey] = Field(min_length=1)
    kind: Slug
    """Kind of evidence, one of `extra.reviewsite.evidence_kinds` (randomised trial, observational...)."""
    context: Line
    """Disease or model the finding comes from ("adults, phase 2", "cell lines", "mouse xenograft")."""


class Trial(_Strict):
    id: NctId
    name: Line | None = None
    cites: list[CiteKey] = []


class Mechanism(_Strict):
    title: Line
    order: int = 100
    category: Slug
    """One of `extra.reviewsite.categories` in mkdocs.yml."""
    diseases: list[Tag] = []
    antigens: list[Tag] = []
    products: list[Tag] = []
    summary: Prose
    evidence: list[Evidence] = []
    links: list[Link] = []
    added: DateStr | None = None
    updated: DateStr | None = None


class Strategy(_Strict):
    title: Line
    order: int = 100
    stage: Slug
    """One of `extra.reviewsite.stages` in mkdocs.yml."""
    addresses: list[Slug] = Field(min_length=1)
    diseases: list[Tag] = []
    antigens: list[Tag] = []
    products: list[Tag] = []
    summary: Prose
    trials: list[Trial] = []
    evidence: list[Evidence] = []
    links: list[Link] = []
    added: DateStr | None = None
    updated: DateStr | None = None


class OverviewSection(_Strict):
    heading: Line
    body: Prose


class Overview(_Strict):
    """A page that draws the mechanisms together (patterns of failure, a glossary...), linked from home."""

    title: Line
    order: int = 100
    summary: Prose
    sections: list[OverviewSection] = []
    evidence: list[Evidence] = []
    links: list[Link] = []
    added: DateStr | None = None
    updated: DateStr | None = None


class Review(_Strict):
    record: Record
    key_points: list[Prose] = []
    overview: Prose | None = None
    updated: DateStr | None = None


KINDS: dict[str, type[BaseModel]] = {
    "review": Review,
    "mechanism": Mechanism,
    "strategy": Strategy,
    "overview": Overview,
    "paper": Paper,
}

"""Content models: one pydantic model per kind of YAML file, validated once at load.

Identifiers are constrained strings (never ints): a PMID `012345` must fail, not turn into 5349.
Text is split into two kinds: `Line` (one line, plain text; titles, names) and `Prose` (Markdown
written by contributors, rendered and sanitised later). Neither may carry control, bidi or
private-use characters: those are how look-alike text and our citation placeholders get forged.
"""

from __future__ import annotations

import datetime as _dt
import re
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

# C0/C1 controls (tab and newline handled per kind), bidi overrides, zero-width and private-use characters.
_FORBIDDEN_ANY = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ue000-\uf8ff]"
)
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029\x85]")


def _no_forbidden(value: str) -> str:
    match = _FORBIDDEN_ANY.search(value)
    if match:
        raise ValueError(f"character U+{ord(match.group()):04X} is not allowed (control, bidi or invisible)")
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
        _dt.date(year, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError(f"invalid date {value!r}: {exc}") from None
    return value


def check_https_url(value: str) -> str:
    """Accept only plain https URLs: no userinfo, quotes, spaces or backslashes, an ASCII host."""
    _line(value)
    if any(c in value for c in "\"'<>\\ `"):
        raise ValueError("URL must not contain quotes, spaces, angle brackets or backslashes")
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise ValueError(f"URL must use https (got {value!r})")
    host = parts.hostname or ""
    if not host or "@" in parts.netloc or not host.isascii() or not value.isascii():
        raise ValueError(f"URL must have a plain ASCII host and no user name (got {value!r})")
    if host in {"localhost"} or re.match(r"^[0-9.]+$", host) or ":" in host:
        raise ValueError(f"URL host {host!r} is not a public name")
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

Category = Literal["antigen-escape", "t-cell-dysfunction", "microenvironment", "manufacturing"]
Stage = Literal["preclinical", "early-trial", "late-trial", "approved"]
Relation = Literal["reference", "similar", "cites-review"]

CATEGORY_TITLES: dict[str, str] = {
    "antigen-escape": "Antigen escape",
    "t-cell-dysfunction": "T-cell dysfunction",
    "microenvironment": "Tumour microenvironment",
    "manufacturing": "Manufacturing",
}
STAGE_TITLES: dict[str, str] = {
    "preclinical": "Preclinical",
    "early-trial": "Early-phase trials",
    "late-trial": "Late-phase trials",
    "approved": "Approved",
}
RELATION_TITLES: dict[str, str] = {
    "reference": "Reference of the review",
    "similar": "Similar article",
    "cites-review": "Cites the review",
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


class Link(_Strict):
    """An outside resource (a label, a registry entry): https only."""

    title: Line
    url: HttpsUrl


class Curation(_Strict):
    """What people write about a paper; fetch never touches it."""

    summary: Prose | None = None
    tags: list[Tag] = []
    mechanisms: list[Slug] = []
    strategies: list[Slug] = []
    trials: list[NctId] = []
    links: list[Link] = []
    notes: Prose | None = None
    added: DateStr | None = None


class Paper(_Strict):
    record: Record
    relations: list[Relation] = []
    curation: Curation = Curation()


class Evidence(_Strict):
    finding: Prose
    cites: list[CiteKey] = Field(min_length=1)


class Trial(_Strict):
    id: NctId
    name: Line | None = None
    cites: list[CiteKey] = []


class Mechanism(_Strict):
    title: Line
    order: int = 100
    category: Category
    diseases: list[Tag] = []
    antigens: list[Tag] = []
    products: list[Tag] = []
    summary: Prose
    evidence: list[Evidence] = []
    links: list[Link] = []


class Strategy(_Strict):
    title: Line
    order: int = 100
    stage: Stage
    addresses: list[Slug] = Field(min_length=1)
    diseases: list[Tag] = []
    antigens: list[Tag] = []
    products: list[Tag] = []
    summary: Prose
    trials: list[Trial] = []
    evidence: list[Evidence] = []
    links: list[Link] = []


class Review(_Strict):
    record: Record
    key_points: list[Prose] = []
    overview: Prose | None = None


KINDS: dict[str, type[BaseModel]] = {
    "review": Review,
    "mechanism": Mechanism,
    "strategy": Strategy,
    "paper": Paper,
}

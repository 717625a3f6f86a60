"""Where pages and downloads live, and how one page links to another.

Every URL in the views is a site URL (`papers/123/`, `mechanisms/x/#evidence-2`); `Linker` turns it
into the href a page writes. Links are either relative to the page's own URL, or paths from the site's
root under `site_url`: the second mean the same to every engine, including those that rewrite relative
links in raw HTML as if they were relative to the source file.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from urllib.parse import urlsplit

EXPORT_FORMATS = (("bib", "BibTeX"), ("ris", "RIS"), ("json", "CSL-JSON"))
PAPER_EXPORT_FORMATS = (("bib", "BibTeX"), ("ris", "RIS"))


def url_of(path: str) -> str:
    """Directory-style URL of a generated page (`papers/123.md` -> `papers/123/`)."""
    if path == "index.md":
        return ""
    if path.endswith("/index.md"):
        return path[: -len("index.md")]
    return path[: -len(".md")] + "/"


def download_path(kind: str, key: str, ext: str) -> str:
    """Where an export lives: `downloads/literature.bib`, `downloads/mechanisms/x.ris`..."""
    return f"downloads/{key}.{ext}" if kind == "" else f"downloads/{kind}/{key}.{ext}"


def trial_href(nct: str) -> str:
    return f"https://clinicaltrials.gov/study/{nct}"


def slugify(text: str) -> str:
    """An anchor for a tag or heading: ASCII words joined by '-' (`Stage II (adults)` -> `stage-ii-adults`)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "tag"


def site_base(site_url: str | None) -> str:
    """The URL path the site is published under (`https://x.org/docs` -> `/docs/`)."""
    path = urlsplit(site_url or "/").path or "/"
    return path if path.endswith("/") else path + "/"


class Linker:
    """Turns site URLs into hrefs from one page: relative (`root=None`) or from the site's root path."""

    def __init__(self, root: str | None = None):
        self.root = root

    def href(self, from_path: str, to: str) -> str:
        anchor = ""
        if "#" in to:
            to, anchor = to.split("#", 1)
            anchor = "#" + anchor
        query = ""
        if "?" in to:
            to, query = to.split("?", 1)
            query = "?" + query
        if self.root is not None:
            return self.root + to + query + anchor
        here = "/" + url_of(from_path)
        target = "/" + to
        rel = posixpath.relpath(target, here if here.endswith("/") else posixpath.dirname(here))
        if target.endswith("/") and not rel.endswith("/"):
            rel += "/"
        return rel + query + anchor

"""What readers get, read as text: the repository's own content built into a site, every HTML page scanned
for curators' working notes (`curation.notes`), a mirror's IP address and the words of internal research
("seed file", "research notes", "UNVERIFIED"); and the about page's "cite this site" agrees with CITATION.cff.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from reviewsite import prose
from support.sitetools import ROOT, build, make_project

WORDS = re.compile(r"seed file|research notes|UNVERIFIED|working notes", re.IGNORECASE)
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
NOTE_FRAGMENT = 60
"""Characters of each curator's note (as plain text) that must appear on no page."""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("public") / "project", ROOT / "content")
    result = build(project)
    assert result.returncode == 0, result.stdout + result.stderr
    return project


@pytest.fixture(scope="module")
def pages(project: Path) -> dict[str, str]:
    """Site path -> what a reader can see or follow on that page: its text and its link targets."""
    out = {}
    for path in sorted((project / "site").rglob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for tag in soup(["script", "style", "svg"]):
            tag.decompose()
        links = [str(t.get(attr, "")) for t in soup.find_all(True) for attr in ("href", "src", "action")]
        out[path.relative_to(project / "site").as_posix()] = soup.get_text(" ") + "\n" + "\n".join(links)
    assert len(out) > 50
    return out


def _notes(project: Path) -> dict[str, str]:
    from reviewsite.load import load_content

    content, problems = load_content(project)
    assert not problems
    notes = {key: prose.plain(p.curation.notes, 10_000) for key, p in content.papers.items() if p.curation.notes}
    assert notes, "the content has working notes (else this test proves nothing)"
    return notes


def test_no_page_carries_working_words_or_an_ip_address(pages: dict[str, str]):
    found = []
    for path, text in pages.items():
        found += [f"{path}: {m.group(0)!r}" for m in WORDS.finditer(text)]
        for m in IPV4.finditer(text):
            try:
                ipaddress.ip_address(m.group(0))
            except ValueError:
                continue
            found.append(f"{path}: IP address {m.group(0)}")
    assert found == []


def test_no_page_carries_a_curators_note(project: Path, pages: dict[str, str]):
    flat = {path: " ".join(text.split()) for path, text in pages.items()}
    leaks = [f"{path}: note of {key}" for key, note in _notes(project).items()
             for path, text in flat.items() if " ".join(note.split())[:NOTE_FRAGMENT] in text]
    assert leaks == []


def test_paper_pages_show_provenance_as_one_clean_line(project: Path):
    site = project / "site" / "papers"
    for page in sorted(site.glob("*/index.html")):
        line = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("p.rs-provenance")
        assert line is not None, page
        text = " ".join(line.get_text(" ").split())
        assert re.match(r"(Record from PubMed, fetched \d{4}-\d\d-\d\d\.|Identifiers checked against: |"
                        r"Record entered by the curators( on \d{4}-\d\d-\d\d)?; not yet refreshed from PubMed\.|Not yet identified: )", text), f"{page}: {text}"


def test_the_json_download_carries_no_working_notes(project: Path):
    dump = (project / "site" / "downloads" / "reviewsite.json").read_text(encoding="utf-8")
    assert not WORDS.search(dump)


def test_cite_this_site_is_what_citation_cff_says(project: Path):
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    cite = config["extra"]["reviewsite"]["citation"]
    assert cite["title"] == cff["title"]
    assert cite["url"] == cff["url"]
    assert cite["authors"] == [a.get("name") or f"{a['family-names']} {a.get('given-names', '')}".strip()
                               for a in cff["authors"]]
    about = BeautifulSoup((project / "site" / "about" / "index.html").read_text(encoding="utf-8"), "html.parser")
    shown = about.select_one("#cite ~ p.rs-citation").get_text()
    assert cff["title"] in shown and cff["url"] in shown and all(a in shown for a in cite["authors"])
    licence = about.select_one("#licence ~ ul").get_text(" ")
    assert "CC BY 4.0" in licence and "publishers" in licence


def test_every_page_says_when_its_content_last_changed(project: Path):
    """From the content's dates, not the build clock: listings (literature, tags, what's new) included."""
    site = project / "site"
    missing = []
    for page in sorted(site.rglob("index.html")):
        rel = page.relative_to(site).as_posix()
        if rel.startswith(("search/", "404")):
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        stamp = soup.select_one("p.rs-updated time")
        if stamp is None or not re.fullmatch(r"\d{4}-\d\d-\d\d", stamp.get("datetime", "")):
            missing.append(rel)
    assert not missing, f"pages without a 'Last updated' line: {missing}"

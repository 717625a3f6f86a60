"""What's new and the feed: dated by the content (`added`, `updated`, `record.fetched`), never the clock."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from reviewsite.check import check
from reviewsite.config import find_project
from reviewsite.feed import ATOM_NS, atom_feed
from reviewsite.siteindex import SiteIndex
from support.projects import views_of

A = f"{{{ATOM_NS}}}"


def dated(project: Path) -> Path:
    """The minimal fixture with papers added on different days and one mechanism updated later."""
    papers = project / "content" / "papers"
    (papers / "29155426.yaml").write_text((papers / "29155426.yaml").read_text().replace(
        "curation:\n", 'curation:\n  added: "2026-10-05"\n', 1))
    (papers / "rosenbaum-2017.yaml").write_text((papers / "rosenbaum-2017.yaml").read_text()
                                                + 'curation:\n  added: "2025-02-14"\n')
    mechanism = project / "content" / "mechanisms" / "cd19-genetic-loss.yaml"
    mechanism.write_text(mechanism.read_text() + 'added: "2026-11-23"\nupdated: "2026-12-02"\n')
    return project


def test_whats_new_lists_changes_newest_first_by_month(project):
    _, pages = views_of(dated(project))
    page = next(p for p in pages if p.path == "whats-new.md")
    months = [m["key"] for m in page.data["months"]]
    assert months == ["2026-12", "2026-11", "2026-10", "2025-02"]
    first = page.data["months"][0]["entries"][0]
    assert first["what"] == "Mechanism updated" and first["url"] == "/fixture/mechanisms/cd19-genetic-loss/"
    november = [(e["date"], e["what"]) for e in page.data["months"][1]["entries"]]
    assert november == sorted(november, reverse=True)
    assert ("2026-11-23", "Paper added") in november
    home = next(p for p in pages if p.path == "index.md")
    assert [c["date"] for c in home.data["latest"]][:2] == ["2026-12-02", "2026-11-23"]


def test_the_feed_dates_each_paper_by_when_it_was_added(project):
    site = find_project(dated(project))
    content, problems = check(site)
    assert problems == []
    feed = ET.fromstring(atom_feed(SiteIndex(content, site.settings)))
    entries = {e.find(A + "link").get("href"): e.find(A + "updated").text for e in feed.findall(A + "entry")}
    assert entries["papers/26516065/"] == "2026-11-23T00:00:00Z"
    assert entries["papers/29155426/"] == "2026-10-05T00:00:00Z"
    assert entries["papers/rosenbaum-2017/"] == "2025-02-14T00:00:00Z"
    assert list(entries.values()) == sorted(entries.values(), reverse=True)
    assert feed.find(A + "updated").text == "2026-11-23T00:00:00Z"

"""`reviewsite fetch` / `reviewsite add` end to end, against a local server answering like E-utilities.

Projects are temporary copies of tests/fixtures/minimal (never content/ of the real site). Time is
injected: rate limits and back-off advance a fake clock, so nothing waits except the one timeout test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from reviewsite import cli
from reviewsite.check import check
from reviewsite.config import find_project
from reviewsite.fetch.client import Timeouts
from reviewsite.fetch.command import Runtime, run_add, run_fetch
from reviewsite.safeyaml import loads
from test_fetch_fakes import FIXTURES, FakeEutils, Fault, elink_body, fixture, recorded_articles, synthetic_article

MINIMAL = Path(__file__).parent / "fixtures" / "minimal"
REVIEW = "30837712"
REFS = ["26516065", "29155426", "27797938", "20301577", "28775130"]
SIMILAR = [("30108519", 50), ("38534005", 60), ("29226023", 10), ("29963580", 5)]
CITEDIN = ["39364306", "21860499", "27933116", "12091962"]
KEY = "SECRETkey0123456789abcdef"


class FakeTime:
    def __init__(self) -> None:
        self.t = 0.0

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def server():
    fake = FakeEutils().start()
    fake.articles = recorded_articles()
    fake.links[REVIEW] = elink_body(REVIEW, REFS, SIMILAR, CITEDIN)
    yield fake
    fake.stop()


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(MINIMAL, root, ignore=shutil.ignore_patterns("build", "site"))
    return root


def bare_project(tmp_path: Path) -> Path:
    """A project holding only a review (no papers): request counts depend on nothing else."""
    root = tmp_path / "bare"
    (root / "content").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: bare\nextra:\n  reviewsite:\n    email: bare@example.org\n")
    (root / "content" / "review.yaml").write_text(f'record:\n  pmid: "{REVIEW}"\n  title: "A review"\n')
    return root


def run(root: Path, server: FakeEutils, command: str = "fetch", *, env: dict | None = None, tty: bool = False,
        timeouts: Timeouts | None = None, today: dt.date = dt.date(2026, 11, 24), wait_every: float | None = None,
        **options) -> tuple[int, str]:
    args = argparse.Namespace(pmid=None, similar=None, eutils_url=server.base, europepmc_url=None,
                              email="t@example.org", dry_run=False, cache_dir=None, no_cache=False, pmids=[])
    for key, value in options.items():
        setattr(args, key, value)
    stream = io.StringIO()
    clock = FakeTime()
    extra = {} if wait_every is None else {"wait_every": wait_every}
    runtime = Runtime(env=env or {}, sleep=clock.sleep, clock=clock.clock, today=lambda: today,
                      stream=stream, tty=tty, timeouts=timeouts or Timeouts(connect=2, read=5, total=20), **extra)
    code = (run_fetch if command == "fetch" else run_add)(find_project(root), args, runtime)
    return code, stream.getvalue()


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "content").rglob("*")) if p.is_file()}


def curation_part(text: str) -> str:
    return text[text.index("\ncuration:") :] if "\ncuration:" in text else ""


def relations(root: Path, pmid: str) -> list[str]:
    return loads((root / "content" / "papers" / f"{pmid}.yaml").read_bytes()).data["relations"]


# --- done when: fills papers, a second run changes nothing, check passes --------------------------------


def test_fetch_fills_papers_and_a_second_run_changes_nothing(project, server):
    assert check(find_project(project))[1] == []
    before = snapshot(project)
    code, out = run(project, server)
    assert code == 0, out
    after = snapshot(project)

    linked = set(REFS) | {p for p, _ in SIMILAR} | set(CITEDIN)
    papers = {Path(p).stem for p in after if p.startswith("content/papers/")}
    assert linked <= papers
    assert relations(project, "27797938") == ["reference"]
    assert relations(project, "38534005") == ["similar"]
    assert relations(project, "12091962") == ["cites-review"]
    assert relations(project, "26516065") == ["reference"]  # existing file: relation added
    assert "created content/papers/20301577.yaml (reference)" in out
    created = (project / "content/papers/27797938.yaml").read_text()
    assert created.startswith("# yaml-language-server: $schema=../../schemas/paper.schema.json\nrecord:\n")
    assert created.endswith('relations: [reference]\ncuration:\n  added: "2026-11-24"\n')

    for path, data in before.items():  # curated text of every existing file is byte-identical
        assert curation_part(after[path].decode()) == curation_part(data.decode()), path
    review_before, review_after = before["content/review.yaml"].decode(), after["content/review.yaml"].decode()
    assert review_after[review_after.index("key_points:") :] == review_before[review_before.index("key_points:") :]
    assert 'title: "SYNTHETIC article 30837712"' in review_after  # the review's record was refreshed

    assert check(find_project(project))[1] == []
    assert server.count("elink.fcgi") == 1 and server.count("efetch.fcgi") == 1

    code, out = run(project, server)  # again, answered from the cache
    assert code == 0 and snapshot(project) == after
    assert "0 created, 0 updated" in out and "0 requests (2 answered from cache)" in out
    code, out = run(project, server, no_cache=True)  # again, asking the server
    assert code == 0 and snapshot(project) == after and "2 requests" in out


def test_dry_run_writes_nothing(project, server):
    before = snapshot(project)
    code, out = run(project, server, dry_run=True)
    assert code == 0
    assert snapshot(project) == before
    assert "would create content/papers/27797938.yaml (reference)" in out
    assert "would update content/papers/26516065.yaml: record (" in out and "relations +reference" in out
    assert "would update content/review.yaml: record (" in out


def test_similar_count_is_configurable(project, server):
    code, _ = run(project, server, similar=2)
    assert code == 0
    papers = project / "content" / "papers"
    assert (papers / "38534005.yaml").exists() and (papers / "30108519.yaml").exists()  # scores 60, 50
    assert not (papers / "29226023.yaml").exists() and not (papers / "29963580.yaml").exists()


# --- request counts grow as ceil(N/200) ----------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 199, 200, 201, 1000])
def test_requests_grow_as_ceil_n_over_200(tmp_path, server, n, monkeypatch):
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # durability is not what is measured here; speed is
    root = bare_project(tmp_path)
    linked = [str(10_000_000 + i) for i in range(n)]
    server.links[REVIEW] = elink_body(REVIEW, refs=linked[: n // 2], similar=[(p, 1) for p in linked[n // 2 :]],
                                      citedin=linked[:3])
    code, out = run(root, server, no_cache=True, similar=n)
    assert code == 0, out
    assert server.count("elink.fcgi") == 1
    assert server.count("efetch.fcgi") == math.ceil((n + 1) / 200)  # +1: the review's own record
    assert all(len(s.params["id"].split(",")) <= 200 for s in server.seen if s.endpoint == "efetch.fcgi")
    assert len(list((root / "content" / "papers").glob("*.yaml"))) == n


def test_real_elink_answer_end_to_end(tmp_path, server, monkeypatch):
    """The recorded elink1.xml (every link set in one answer, no scores), served verbatim."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    from reviewsite.fetch.pubmed import parse_elink

    root = bare_project(tmp_path)
    (root / "content" / "review.yaml").write_text('record:\n  pmid: "9298984"\n  title: "A review"\n')
    server.verbatim[("elink.fcgi", "9298984")] = fixture("elink1.xml")
    code, out = run(root, server, similar=20)
    assert code == 0, out
    links = parse_elink(fixture("elink1.xml"), "9298984")
    expected = set(links.refs) | set(links.citedin) | set(links.similar[:20])
    assert {p.stem for p in (root / "content" / "papers").glob("*.yaml")} == expected
    assert "PMID 9298984: 56 references, 20 similar articles, 39 citing papers" in out
    assert relations(root, "8794856") == ["reference", "similar"]  # first similar article, also a reference
    assert server.count("efetch.fcgi") == 1
    elink = next(s for s in server.seen if s.endpoint == "elink.fcgi")
    assert elink.params == {"dbfrom": "pubmed", "db": "pubmed", "id": "9298984", "cmd": "neighbor", "retmode": "xml",
                            "tool": "reviewsite", "email": "t@example.org"}


def test_progress_lines_when_not_a_terminal(tmp_path, server, monkeypatch):
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    root = bare_project(tmp_path)
    server.links[REVIEW] = elink_body(REVIEW, refs=[str(20_000_000 + i) for i in range(250)])
    _, out = run(root, server, no_cache=True)
    assert "efetch: 200/251 papers\nefetch: 251/251 papers\n" in out
    _, out = run(root, server, no_cache=True, tty=True)
    assert "efetch:" in out and "\r" in out  # tqdm's bar


# --- failures: clear messages, exit 3, nothing half-written, successes kept, resume from the cache -------


def test_failed_batch_keeps_the_rest_and_a_rerun_resumes(tmp_path, server, monkeypatch):
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    root = bare_project(tmp_path)
    linked = [str(30_000_000 + i) for i in range(450)]
    server.links[REVIEW] = elink_body(REVIEW, refs=linked)
    server.faults = [Fault("efetch.fcgi", "status", 500, when=linked[300], times=99)]  # the 2nd batch
    code, out = run(root, server)
    assert code == 3
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert errors == [f"error: efetch of 200 PMIDs ({linked[200]} to {linked[399]}): HTTP 500: "
                      '{"error":"API rate limit exceeded"} (after 5 tries); not updated']
    papers = root / "content" / "papers"
    written = {p.stem for p in papers.glob("*.yaml")}
    assert written == set(linked[:200]) | set(linked[400:])
    assert not [p for p in papers.iterdir() if p.name.startswith(".")]  # no temporary file left behind

    server.faults = []
    server.seen.clear()
    code, out = run(root, server)
    assert code == 0, out
    assert [(s.endpoint, s.params["id"].split(",")[0]) for s in server.seen] == [("efetch.fcgi", linked[200])]
    assert {p.stem for p in papers.glob("*.yaml")} == set(linked)


def test_transient_faults_are_retried_to_success(project, server):
    server.faults = [
        Fault("elink.fcgi", "status", 429, {"Retry-After": "1"}),
        Fault("elink.fcgi", "drop"),
        Fault("efetch.fcgi", "status", 500),
        Fault("efetch.fcgi", "hang", seconds=0.5),
        Fault("efetch.fcgi", "truncate"),
        Fault("efetch.fcgi", "body", body=fixture("esummary8.xml")),  # HTTP 200 with <ERROR>
    ]  # each within the 5 tries a request gets
    code, out = run(project, server, timeouts=Timeouts(connect=2, read=0.2, total=5))
    assert code == 0, out
    assert server.count("elink.fcgi") == 3 and server.count("efetch.fcgi") == 5
    assert check(find_project(project))[1] == []


@pytest.mark.parametrize(("fault", "message", "requests"), [
    (Fault("efetch.fcgi", "truncate", times=99), "connection broken", 5),
    (Fault("efetch.fcgi", "body", body=fixture("pubmed4.xml")[:9000], times=99), "malformed or truncated XML", 5),
    (Fault("efetch.fcgi", "body", body=fixture("SYNTHETIC-efetch-error.xml"), times=99),
     "NCBI error: Unable to obtain query #1", 5),
    (Fault("efetch.fcgi", "body", body=fixture("pubmed3.html"), times=99), "HTML page", 1),
    (Fault("efetch.fcgi", "body", body=fixture("SYNTHETIC-entity-bomb.xml"), times=99), "unsafe XML refused", 1),
    (Fault("efetch.fcgi", "status", 400, body=b"<ERROR>bad</ERROR>", times=99), "HTTP 400", 1),
])
def test_unusable_answers_fail_cleanly_without_touching_files(project, server, fault, message, requests):
    before = snapshot(project)
    server.faults = [fault]
    code, out = run(project, server)
    assert code == 3
    after = snapshot(project)
    assert set(after) == set(before)  # no new file: no record to make one from
    for path, data in before.items():  # existing files: record and curation as they were
        old, new = loads(data).data, loads(after[path]).data
        assert (old.get("record"), old.get("curation")) == (new.get("record"), new.get("curation")), path
    assert relations(project, "26516065") == ["reference"]  # the links were fine: relations are recorded
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0]
    assert server.count("efetch.fcgi") == requests


def test_elink_failure_still_refreshes_records(project, server):
    server.faults = [Fault("elink.fcgi", "status", 404, body=b"gone", times=9)]
    code, out = run(project, server)
    assert code == 3
    assert "error: ELink PMID 30837712: HTTP 404: gone; relations not updated" in out
    assert "updated content/papers/26516065.yaml: record (" in out  # records still refreshed
    assert not (project / "content" / "papers" / "27797938.yaml").exists()


def test_unknown_pmid_in_add(project, server):
    server.unknown = {"37909814"}
    server.verbatim[("efetch.fcgi", "9997,12091962,37909814")] = fixture("pubmed1.xml")  # what NCBI sends
    code, out = run(project, server, "add", pmids=["12091962", "9997", "37909814", "9997"])
    assert code == 3
    assert "error: PMID 37909814: not found in PubMed (efetch returned no record for it" in out
    papers = project / "content" / "papers"
    assert (papers / "9997.yaml").exists() and (papers / "12091962.yaml").exists()
    assert not (papers / "37909814.yaml").exists()
    assert relations(project, "9997") == []


def test_add_from_a_verbatim_recorded_answer(project, server):
    server.verbatim[("efetch.fcgi", "9997,12091962")] = fixture("pubmed1.xml")
    code, out = run(project, server, "add", pmids=["12091962", "9997"])
    assert code == 0, out
    text = (project / "content" / "papers" / "12091962.yaml").read_text()
    assert 'published: "1990"' in text and 'title: "The treatment of AIDS behind the walls' in text
    assert check(find_project(project))[1] == []


def test_add_refuses_the_review_and_bad_pmids(project, server):
    code, out = run(project, server, "add", pmids=[REVIEW])
    assert code == 3 and "is the review itself" in out
    assert not (project / "content" / "papers" / f"{REVIEW}.yaml").exists()
    with pytest.raises(cli.ReviewsiteError, match="not a PMID"):
        run(project, server, "add", pmids=["012345"])


def test_broken_existing_file_is_reported_and_left_alone(project, server):
    path = project / "content" / "papers" / "29155426.yaml"
    broken = path.read_bytes().replace(b"record:\n", b"record:\n\t# tab\n", 1)
    path.write_bytes(broken)
    code, out = run(project, server)
    assert code == 3
    assert "error: content/papers/29155426.yaml:3:1: tab character not allowed (indent with spaces); not updated" in out
    assert path.read_bytes() == broken
    assert (project / "content" / "papers" / "27797938.yaml").exists()


def test_write_error_leaves_the_old_file_whole(project, server, monkeypatch):
    path = project / "content" / "papers" / "26516065.yaml"
    old = path.read_bytes()
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("26516065.yaml"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    code, out = run(project, server)
    assert code == 3
    assert "error: content/papers/26516065.yaml: cannot write file: No space left on device; left as it was" in out
    assert path.read_bytes() == old
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_doi_of_a_slug_paper_is_not_duplicated(project, server):
    slug = project / "content" / "papers" / "lee-2015.yaml"
    slug.write_text('record:\n  doi: "10.1016/S0140-6736(14)61403-3"\n  title: "T cells expressing CD19 CARs"\n'
                    "relations: []\ncuration:\n  summary: \"Kept.\"\n")
    server.articles["25319501"] = synthetic_article("25319501", "10.1016/s0140-6736(14)61403-3")
    server.links[REVIEW] = elink_body(REVIEW, refs=["25319501"])
    code, out = run(project, server)
    assert code == 0, out
    assert "note: PMID 25319501 not created: its DOI 10.1016/s0140-6736(14)61403-3 is already in" in out
    assert not (project / "content" / "papers" / "25319501.yaml").exists()
    assert slug.read_text().endswith('relations: [reference]\ncuration:\n  summary: "Kept."\n')
    assert check(find_project(project))[1] == []


def test_pmid_override_leaves_the_review_alone(project, server):
    review = (project / "content" / "review.yaml").read_bytes()
    server.links["27797938"] = elink_body("27797938", refs=["9997"])
    code, out = run(project, server, pmid="27797938")
    assert code == 0, out
    assert (project / "content" / "review.yaml").read_bytes() == review
    assert "note: content/review.yaml is not PMID 27797938" in out
    assert relations(project, "9997") == ["reference"]
    assert not (project / "content" / "papers" / "27797938.yaml").exists()


def test_byte_order_mark_is_kept(project, server):
    path = project / "content" / "papers" / "29155426.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run(project, server)[0] == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbfrecord:") or path.read_bytes().startswith(b"\xef\xbb\xbf#")


# --- the key never shows -------------------------------------------------------------------------------


def test_api_key_is_sent_but_never_shown_or_stored(project, server):
    echo = b'{"error":"API rate limit exceeded","api-key":"' + KEY.encode() + b'"}'
    server.faults = [Fault("efetch.fcgi", "status", 429, body=echo, times=99)]
    code, out = run(project, server, env={"NCBI_API_KEY": KEY})
    assert code == 3 and KEY not in out and "***" in out
    assert all(s.params.get("api_key") == KEY for s in server.seen)
    server.faults = []
    assert run(project, server, env={"NCBI_API_KEY": KEY})[0] == 0
    for path in project.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


# --- Europe PMC as a second source ----------------------------------------------------------------------


def test_europe_pmc_adds_references_and_citations(project, server):
    server.links[REVIEW] = elink_body(REVIEW, refs=["27797938"])
    server.epmc_pages[f"MED/{REVIEW}/references?page=1"] = (FIXTURES / "SYNTHETIC-europepmc-references.json").read_bytes()
    server.epmc_pages[f"MED/{REVIEW}/citations?page=1"] = (FIXTURES / "SYNTHETIC-europepmc-citations.json").read_bytes()
    code, out = run(project, server, europepmc_url=server.epmc)
    assert code == 0, out
    assert relations(project, "26516065") == ["reference"] and relations(project, "29155426") == ["reference"]
    assert relations(project, "39364306") == ["cites-review"]
    assert server.count(f"MED/{REVIEW}/references") == 1 and server.count(f"MED/{REVIEW}/citations") == 1


# --- through the command line --------------------------------------------------------------------------


def test_cli_fetch_and_usage_errors(project, server, monkeypatch, capsys):
    monkeypatch.setenv("NCBI_EMAIL", "cli@example.org")
    monkeypatch.setenv("REVIEWSITE_EUTILS_URL", server.base)
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    assert cli.main(["--project", str(project), "fetch", "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert "created content/papers/27797938.yaml" in err
    assert server.seen[0].params["email"] == "cli@example.org"

    monkeypatch.delenv("NCBI_EMAIL")
    assert cli.main(["--project", str(project), "fetch"]) == 2
    assert "contact e-mail" in capsys.readouterr().err
    assert cli.main(["--project", str(project), "fetch", "--email", "a@b.org", "--pmid", "0123"]) == 2
    assert cli.main(["--project", str(project), "fetch", "--email", "a@b.org",
                     "--eutils-url", "http://eutils.example.org/"]) == 2
    assert "must use https" in capsys.readouterr().err
    assert cli.main(["--project", str(project), "fetch", "--email", "a@b.org", "--cache-dir", "content/x"]) == 2


# --- issue 11: one fetch at a time --------------------------------------------------------------------


def test_a_fetch_is_refused_while_another_holds_the_project(project, server, monkeypatch, capsys):
    from reviewsite.fetch.lock import LOCK_NAME, project_lock

    before = snapshot(project)
    with project_lock(project, "fetch"):
        with pytest.raises(cli.ReviewsiteError, match=rf"another fetch is working on this project \(`reviewsite "
                                                       rf"fetch`, process {os.getpid()} on "):
            run(project, server)
        monkeypatch.setenv("NCBI_EMAIL", "cli@example.org")
        monkeypatch.setenv("REVIEWSITE_EUTILS_URL", server.base)
        assert cli.main(["--project", str(project), "add", "9997"]) == 2
        assert "another fetch is working on this project" in capsys.readouterr().err
    assert snapshot(project) == before and server.count() == 0  # nothing asked, nothing written
    assert not (project / LOCK_NAME).exists()
    (project / LOCK_NAME).write_text("left behind by a run that crashed")  # no process holds it: not a lock
    assert run(project, server)[0] == 0
    assert not (project / LOCK_NAME).exists()


def test_two_fetches_at_once_only_one_creates_the_files(project, server):
    server.faults = [Fault("elink.fcgi", "hang", seconds=1.0)]
    results: dict[str, tuple[int, str]] = {}
    first = threading.Thread(target=lambda: results.setdefault("first", run(project, server)))
    first.start()
    deadline = time.monotonic() + 5
    while server.count("elink.fcgi") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(cli.ReviewsiteError, match="another fetch is working on this project"):
        run(project, server)
    first.join()
    code, out = results["first"]
    assert code == 0 and "created content/papers/27797938.yaml" in out
    assert server.count("elink.fcgi") == 1  # the second never asked


# --- issue 11: an honest summary ------------------------------------------------------------------------


def test_unchanged_never_counts_a_paper_whose_record_was_not_fetched(project, server):
    assert run(project, server)[0] == 0
    server.faults = [Fault("efetch.fcgi", "status", 500, times=99)]
    code, out = run(project, server, no_cache=True)
    assert code == 3
    n = len(list((project / "content" / "papers").glob("[0-9]*.yaml")))
    assert (f"papers: 0 created, 0 updated, 0 unchanged, {n} not refreshed (their records could not be fetched: "
            "see the errors below); review record not refreshed;") in out


def test_a_failed_elink_never_reads_as_no_links(project, server):
    server.faults = [Fault("elink.fcgi", "status", 404, body=b"gone", times=9)]
    code, out = run(project, server)
    assert code == 3
    assert "PMID 30837712: links not fetched (ELink failed: see the errors below)" in out
    assert "0 references" not in out and "0 citing papers" not in out


# --- issue 11: waits are shown -------------------------------------------------------------------------


def test_a_retry_after_wait_is_a_line_in_logs_and_a_countdown_on_a_terminal(project, server):
    server.faults = [Fault("elink.fcgi", "status", 429, {"Retry-After": "20"})]
    code, out = run(project, server)
    assert code == 0, out
    assert ("waiting 20 s: elink.fcgi: HTTP 429: {\"error\":\"API rate limit exceeded\"}; try 2 of 5 next "
            "(the server asked for 20 s)\n") in out
    server.faults = [Fault("elink.fcgi", "status", 429, {"Retry-After": "3"})]
    code, out = run(project, server, no_cache=True, tty=True)
    assert code == 0
    assert "\r\x1b[Kelink.fcgi: HTTP 429" in out and "retrying in 3 s" in out and "retrying in 1 s" in out


def test_a_slow_answer_is_announced_while_it_is_awaited(project, server):
    server.faults = [Fault("efetch.fcgi", "hang", seconds=1.0)]
    code, out = run(project, server, wait_every=0.2)
    assert code == 0, out
    assert "still waiting for efetch.fcgi (0 s so far)" in out or "still waiting for efetch.fcgi (1 s so far)" in out


# --- issue 11: what was fetched is kept, and a report lists every failure ------------------------------------


def test_a_pmid_pubmed_no_longer_returns_costs_only_itself_and_is_reported(project, server, tmp_path):
    server.unknown = {"29155426"}  # an existing paper that PubMed no longer returns
    server.articles["38534005"] = synthetic_article("38534005", title="Zero\u200bwidth")  # SYNTHETIC, invisible char
    report = tmp_path / "out" / "report.json"
    code, out = run(project, server, env={"REVIEWSITE_FETCH_REPORT": str(report)})
    assert code == 3
    assert (project / "content" / "papers" / "27797938.yaml").exists()  # everything else was written
    assert "note: PMID 38534005: removed 1 invisible character (U+200B) from the title" in out
    data = json.loads(report.read_text())
    assert data["failures"] == [{"where": "PMID 29155426", "pmid": "29155426", "kind": "missing",
                                 "message": "not found in PubMed (efetch returned no record for it: unknown or "
                                            "withdrawn PMID?)"}]
    assert data["papers"]["not_refreshed"] == ["29155426"] and "27797938" in data["papers"]["created"]
    assert data["links"] == {"references": 5, "similar": 4, "citing": 4}
    assert data["relations"]["27797938"] == ["reference"] and data["target"] == REVIEW
    assert data["notes"] == {"38534005": ["removed 1 invisible character (U+200B) from the title"]}
    with pytest.raises(cli.ReviewsiteError, match="outside content/"):
        run(project, server, env={"REVIEWSITE_FETCH_REPORT": str(project / "content" / "r.json")})


def test_a_curators_key_inside_record_is_never_dropped(project, server):
    path = project / "content" / "papers" / "29155426.yaml"
    text = path.read_text().replace("record:\n", 'record:\n  my_note: "seen on the publisher page"\n', 1)
    path.write_text(text)
    code, out = run(project, server)
    assert code == 3
    assert ("error: content/papers/29155426.yaml:3:3: unknown field 'my_note' inside record:, which fetch owns "
            "and rewrites: move it to curation: (e.g. curation.notes) or delete it; not updated") in out
    assert path.read_text() == text


# --- issue 15: record.fetched and curation.added ---------------------------------------------------------


def test_fetched_date_moves_only_when_the_record_changes(project, server):
    assert run(project, server)[0] == 0
    created = project / "content" / "papers" / "27797938.yaml"
    existing = project / "content" / "papers" / "26516065.yaml"
    assert '  fetched: "2026-11-24"\n' in created.read_text() and 'added: "2026-11-24"' in created.read_text()
    assert '  fetched: "2026-11-24"\n' in existing.read_text()  # its record was refreshed: changed
    before = snapshot(project)
    assert run(project, server, no_cache=True, today=dt.date(2026, 12, 1))[0] == 0
    assert snapshot(project) == before  # a week later, nothing new upstream: not one file rewritten
    server.articles["26516065"] = synthetic_article("26516065", "10.5555/synthetic.26516065", title="New title")
    code, out = run(project, server, no_cache=True, today=dt.date(2026, 12, 8))
    assert code == 0 and "updated content/papers/26516065.yaml: record (title)" in out
    text = existing.read_text()
    assert '  fetched: "2026-12-08"\n' in text and 'SYNTHETIC New title' in text
    assert curation_part(text) == curation_part(before["content/papers/26516065.yaml"].decode())

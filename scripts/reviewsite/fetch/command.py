"""`reviewsite fetch` and `reviewsite add`: ask PubMed, then merge the answers into `content/`.

Order of work: links (one ELink request for every link set), then records in batches of at most 200
PMIDs (so requests grow as ceil(N/200)), then files. A failed request costs only the papers it was for:
every other paper is still written, each problem is reported on one line, and the exit code is 3.
The summary counts each paper once, by what happened to it (a paper whose record could not be fetched
is "not refreshed", never "unchanged"); with REVIEWSITE_FETCH_REPORT set, the same goes into a JSON
report. One fetch at a time holds the project (lock.py); waits are announced (progress.py).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from ..config import Project
from ..errors import ExitCode, ReviewsiteError
from ..files import atomic_write
from ..model import PMID_RE, Paper, Record
from ..safeyaml import YamlError, decode, loads
from . import europepmc
from .client import (
    DEFAULT_EUROPEPMC_URL,
    DEFAULT_EUTILS_URL,
    TOOL,
    Client,
    FetchFailed,
    RateLimiter,
    ResponseCache,
    RetryPolicy,
    Timeouts,
    check_base_url,
)
from .lock import project_lock
from .merge import MergeError, new_paper, update
from .progress import BatchProgress, WaitReport
from .pubmed import Links, parse_efetch, parse_elink
from .report import Failure, FetchReport

BATCH = 200
REPORT_ENV = "REVIEWSITE_FETCH_REPORT"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BOM = b"\xef\xbb\xbf"


@dataclass
class Runtime:
    """The outside world, injectable: tests run without waiting, without a network, at a fixed date."""

    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    today: Callable[[], _dt.date] = _dt.date.today
    timeouts: Timeouts = field(default_factory=Timeouts)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    stream: TextIO | None = None  # messages; None: sys.stderr at call time
    tty: bool | None = None  # progress bar; None: when the stream is a terminal
    wait_every: float = 15.0  # seconds between "still waiting" lines while a slow answer is awaited


@dataclass(frozen=True)
class Options:
    email: str
    eutils_url: str
    europepmc_url: str | None
    api_key: str | None
    cache_dir: Path | None
    cache_hours: float
    dry_run: bool
    similar: int
    report: Path | None = None


def options(project: Project, args: Any, env: Mapping[str, str]) -> Options:
    """Command line over environment over `extra.reviewsite` in mkdocs.yml; bad values are usage errors."""
    settings = project.settings
    email = str(getattr(args, "email", None) or env.get("NCBI_EMAIL") or settings.email or "").strip()
    if not _EMAIL.match(email):
        raise ReviewsiteError("NCBI asks every client for a contact e-mail: set extra.reviewsite.email in "
                              "mkdocs.yml, NCBI_EMAIL, or --email" + (f" (got {email!r})" if email else ""))
    api_key = (env.get("NCBI_API_KEY") or "").strip() or None
    if api_key is not None and not re.fullmatch(r"[A-Za-z0-9_-]{8,128}", api_key):
        raise ReviewsiteError("NCBI_API_KEY is not a valid key (letters and digits expected)")
    try:
        eutils = check_base_url(getattr(args, "eutils_url", None) or env.get("REVIEWSITE_EUTILS_URL")
                                or DEFAULT_EUTILS_URL, "E-utilities URL")
        epmc = getattr(args, "europepmc_url", None) or env.get("REVIEWSITE_EUROPEPMC_URL")
        if not epmc and settings.europepmc:
            epmc = DEFAULT_EUROPEPMC_URL
        epmc = check_base_url(epmc, "Europe PMC URL") if epmc else None
    except ValueError as exc:
        raise ReviewsiteError(str(exc)) from None
    cache_dir: Path | None = None
    if not getattr(args, "no_cache", False):
        raw = getattr(args, "cache_dir", None) or settings.cache_dir
        cache_dir = (project.root / str(raw)).resolve()
        owned = [project.root / "content", project.root / "schemas", project.root / ".git", project.templates]
        if not cache_dir.is_relative_to(project.root) or cache_dir == project.root or any(
                cache_dir.is_relative_to(p.resolve()) or p.resolve().is_relative_to(cache_dir) for p in owned):
            raise ReviewsiteError(f"the response cache must be a folder of its own inside the project, outside "
                                  f"content/, templates/, schemas/ and .git (got {raw})")
    report = getattr(args, "report", None) or env.get(REPORT_ENV)
    report_path = Path(report).resolve() if report else None
    if report_path is not None and report_path.is_relative_to((project.root / "content").resolve()):
        raise ReviewsiteError(f"the fetch report must be written outside content/ (got {report})")
    similar = getattr(args, "similar", None)
    similar = settings.similar if similar is None else similar
    hours = settings.cache_hours
    try:
        similar, hours = int(similar), float(hours)
    except (TypeError, ValueError):
        raise ReviewsiteError("extra.reviewsite.similar and cache_hours must be numbers") from None
    if similar < 0 or hours < 0:
        raise ReviewsiteError("the number of similar articles and the cache age must not be negative")
    return Options(email, eutils, epmc, api_key, cache_dir, hours, bool(getattr(args, "dry_run", False)), similar,
                   report_path)


class Fetcher:
    """The network side: links and records, with every problem kept as a `Failure`."""

    def __init__(self, opts: Options, rt: Runtime, stream: TextIO, tty: bool):
        self.opts, self.rt, self.stream, self.tty = opts, rt, stream, tty
        self.failures: list[Failure] = []
        self.notes: dict[str, list[str]] = {}  # PMID -> characters stripped from its record's text
        self.keywords: dict[str, list[str]] = {}
        self.waits = WaitReport(stream, tty, rt.sleep, rt.wait_every)
        cache = ResponseCache(opts.cache_dir, opts.cache_hours * 3600, rt.now) if opts.cache_dir else None
        if cache is not None:
            cache.prune()
        common: dict[str, Any] = {"cache": cache, "policy": rt.policy, "timeouts": rt.timeouts, "rng": rt.rng,
                                  "sleep": rt.sleep, "clock": rt.clock, "pause": self.waits.pause,
                                  "watch": self.waits.request}
        self.eutils = Client(opts.eutils_url, identity={"tool": TOOL, "email": opts.email}, api_key=opts.api_key,
                             limiter=RateLimiter(10 if opts.api_key else 3, rt.clock, rt.sleep), **common)
        self.epmc = None
        if opts.europepmc_url:
            self.epmc = Client(opts.europepmc_url, limiter=RateLimiter(5, rt.clock, rt.sleep), **common)

    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    @property
    def requests(self) -> int:
        return sum(self.eutils.requests_made.values()) + (sum(self.epmc.requests_made.values()) if self.epmc else 0)

    @property
    def cache_hits(self) -> int:
        return self.eutils.cache_hits + (self.epmc.cache_hits if self.epmc else 0)

    def links(self, pmid: str) -> Links | None:
        """Every PubMed->PubMed link set of `pmid` in one ELink request (no linkname: all of them); None
        when they could not be fetched (not the same as an article without links).

        `cmd=neighbor` is the form recorded answering with every set at once (elink1.xml, test_elink);
        it lists similar articles best first, and `parse_elink` sorts by `<Score>` whenever one is sent.
        """
        try:
            links = self.eutils.call("elink.fcgi", {"dbfrom": "pubmed", "db": "pubmed", "id": pmid,
                                                    "cmd": "neighbor", "retmode": "xml"},
                                     accept=lambda body: parse_elink(body, pmid))
        except FetchFailed as exc:
            self.failures.append(Failure(f"ELink PMID {pmid}", f"{exc}; relations not updated", pmid, "links"))
            return None
        refs, citedin = list(links.refs), list(links.citedin)
        if self.epmc is not None:
            for kind, target in (("references", refs), ("citations", citedin)):
                try:
                    found = europepmc.linked(self.epmc, pmid, kind, self.say)
                except FetchFailed as exc:
                    self.failures.append(Failure(f"Europe PMC {kind} of PMID {pmid}", str(exc), pmid, "links"))
                    continue
                known = set(target) | {pmid}
                target += [p for p in found if p not in known]
        return Links(tuple(refs), links.similar, tuple(citedin))

    def records(self, pmids: list[str]) -> dict[str, Record]:
        """Records of `pmids`, at most BATCH per request; the failed ones are left out (and reported)."""
        out: dict[str, Record] = {}
        batches = [pmids[i : i + BATCH] for i in range(0, len(pmids), BATCH)]
        progress = BatchProgress(len(pmids), "efetch", self.stream, self.tty) if len(batches) > 1 else None
        for batch in batches:
            try:
                found = self.eutils.call("efetch.fcgi", {"db": "pubmed", "retmode": "xml", "id": ",".join(batch)},
                                         accept=parse_efetch)
            except FetchFailed as exc:
                only = batch[0] if len(batch) == 1 else None
                self.failures.append(Failure(_span(batch), f"{exc}; not updated", only))
            else:
                self.notes.update(found.notes)
                self.keywords.update(found.keywords)
                for pmid in batch:
                    if pmid in found.records:
                        out[pmid] = found.records[pmid]
                    elif pmid in found.rejected:
                        self.failures.append(Failure(f"PMID {pmid}", found.rejected[pmid], pmid, "rejected"))
                    else:
                        self.failures.append(Failure(f"PMID {pmid}", "not found in PubMed (efetch returned no "
                                                     "record for it: unknown or withdrawn PMID?)", pmid, "missing"))
            if progress is not None:
                progress.update(len(batch))
        if progress is not None:
            progress.close()
        return out


def _span(batch: list[str]) -> str:
    if len(batch) == 1:
        return f"efetch PMID {batch[0]}"
    return f"efetch of {len(batch)} PMIDs ({batch[0]} to {batch[-1]})"


class Writer:
    """The file side: create or update paper files, refresh the review's record; nothing half-written.

    Every paper ends in exactly one outcome (report.OUTCOMES), which is what the summary counts."""

    def __init__(self, root: Path, opts: Options, rt: Runtime, fetcher: Fetcher):
        self.root, self.opts, self.rt, self.fetcher = root, opts, rt, fetcher
        self.failures, self.say = fetcher.failures, fetcher.say
        self.papers = root / "content" / "papers"
        self.outcomes: dict[str, list[str]] = {o: [] for o in ("created", "updated", "unchanged", "not_refreshed",
                                                               "not_created")}
        self.noted: dict[str, list[str]] = {}  # notes of the records actually written
        self.today = rt.today().isoformat()
        self._dois: dict[str, str] | None = None

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def dois(self) -> dict[str, str]:
        """DOI (lower case) -> file stem, over every paper file that parses; to avoid duplicate papers."""
        if self._dois is None:
            self._dois = {}
            for path in sorted(self.papers.glob("*.yaml")) if self.papers.is_dir() else []:
                try:
                    data = loads(path.read_bytes()).data
                except (OSError, YamlError):
                    continue
                doi = (data.get("record") or {}).get("doi") if isinstance(data.get("record"), dict) else None
                if isinstance(doi, str):
                    self._dois.setdefault(doi.lower(), path.stem)
        return self._dois

    def _fail(self, where: str, message: str, path: Path) -> None:
        self.failures.append(Failure(where, message, path.stem if PMID_RE.match(path.stem) else None, "file"))

    def _write(self, path: Path, data: bytes) -> bool:
        """Atomic (temporary file, then rename): on any error the old file is still whole."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError as exc:
            self._fail(self.rel(path), f"cannot write file: {exc.strerror or exc}; left as it was", path)
            return False
        return True

    def _read(self, path: Path) -> tuple[bytes, str] | None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self._fail(self.rel(path), f"cannot read file: {exc.strerror}", path)
            return None
        bom = _BOM if raw.startswith(_BOM) else b""
        try:
            return bom, decode(raw)
        except YamlError as exc:
            self._fail(f"{self.rel(path)}:{exc.line}:{exc.col}", f"{exc.message}; not updated", path)
            return None

    def _note(self, pmid: str | None) -> None:
        """Say what was stripped from the text of a record that is being written (never silently)."""
        for note in self.fetcher.notes.get(pmid or "", []):
            self.say(f"note: PMID {pmid}: {note}")
            self.noted.setdefault(pmid or "", []).append(note)

    def _update(self, path: Path, record: Record | None, relations: Iterable[str]) -> str | None:
        """`updated`, `unchanged`, or None when the file could not be updated (a failure says why)."""
        read = self._read(path)
        if read is None:
            return None
        bom, text = read
        try:
            result = update(text, record, relations, today=self.today)
        except MergeError as exc:
            self._fail(f"{self.rel(path)}:{exc.line}:{exc.col}", f"{exc.message}; not updated", path)
            return None
        if not result.changed:
            return "unchanged"
        parts = []
        if result.fields:
            parts.append(f"record ({', '.join(result.fields)})")
        if result.relations:
            parts.append("relations +" + ", +".join(result.relations))
        if record is None:
            parts.append("record not fetched")
        if not self.opts.dry_run and not self._write(path, bom + result.text.encode("utf-8")):
            return None
        self.say(f"{'would update' if self.opts.dry_run else 'updated'} {self.rel(path)}: {'; '.join(parts)}")
        if result.fields and record is not None:
            self._note(record.pmid)
        return "updated"

    def review(self, path: Path, record: Record) -> str:
        """What happened to the review's record: updated, unchanged or not refreshed."""
        return self._update(path, record, ()) or "not refreshed"

    def paper(self, pmid: str, record: Record | None, relations: set[str]) -> None:
        path = self.papers / f"{pmid}.yaml"
        if path.exists():
            outcome = self._update(path, record, relations)
            self.outcomes["not_refreshed" if record is None or outcome is None else outcome].append(pmid)
            return
        if record is None:
            self.outcomes["not_created"].append(pmid)  # its failure is already reported
            return
        other = self.dois().get(record.doi.lower()) if record.doi else None
        if other is not None:
            target = self.papers / f"{other}.yaml"
            self.say(f"note: PMID {pmid} not created: its DOI {record.doi} is already in {self.rel(target)}"
                     + ("; relations recorded there" if relations else ""))
            if relations and not PMID_RE.match(other):
                self._update(target, None, relations)
            return
        self._create(path, pmid, record.model_copy(update={"fetched": self.today}), relations)

    def _create(self, path: Path, pmid: str, record: Record, relations: set[str]) -> None:
        text = new_paper(record, relations, self.today)
        try:
            Paper.model_validate(loads(text.encode("utf-8")).data)
        except (YamlError, ValidationError) as exc:
            message = exc.message if isinstance(exc, YamlError) else str(exc.errors(include_url=False)[0]["msg"])
            self.failures.append(Failure(f"PMID {pmid}", f"cannot write its file: {message}", pmid, "file"))
            self.outcomes["not_created"].append(pmid)
            return
        if not self.opts.dry_run and not self._write(path, text.encode("utf-8")):
            self.outcomes["not_created"].append(pmid)
            return
        self.say(f"{'would create' if self.opts.dry_run else 'created'} {self.rel(path)}"
                 + (f" ({', '.join(sorted(relations))})" if relations else ""))
        self._note(pmid)
        self.outcomes["created"].append(pmid)
        if record.doi:
            self.dois()[record.doi.lower()] = pmid


def _stream(rt: Runtime) -> tuple[TextIO, bool]:
    stream = rt.stream or sys.stderr
    tty = rt.tty if rt.tty is not None else bool(getattr(stream, "isatty", lambda: False)())
    return stream, tty


def _review_pmid(root: Path) -> str | None:
    try:
        data = loads((root / "content" / "review.yaml").read_bytes()).data
    except (OSError, YamlError):
        return None
    pmid = (data.get("record") or {}).get("pmid") if isinstance(data.get("record"), dict) else None
    return pmid if isinstance(pmid, str) and PMID_RE.match(pmid) else None


def _existing_pmids(root: Path) -> set[str]:
    folder = root / "content" / "papers"
    return {p.stem for p in folder.glob("*.yaml") if PMID_RE.match(p.stem)} if folder.is_dir() else set()


def _summary(writer: Writer) -> str:
    """One paper, one outcome: "unchanged" only ever counts papers whose record was fetched."""
    n = {k: len(v) for k, v in writer.outcomes.items()}
    verb = "would be " if writer.opts.dry_run else ""
    text = f"papers: {n['created']} {verb}created, {n['updated']} {verb}updated, {n['unchanged']} unchanged"
    missed = [f"{n[k]} {label}" for k, label in (("not_refreshed", "not refreshed"), ("not_created", "not created"))
              if n[k]]
    if missed:
        text += f", {' and '.join(missed)} (their records could not be fetched: see the errors below)"
    return text


def _finish(fetcher: Fetcher, writer: Writer, report: FetchReport, extra: str = "") -> int:
    fetcher.say(f"{_summary(writer)}{extra}; {fetcher.requests} requests ({fetcher.cache_hits} answered from cache)")
    for failure in fetcher.failures:
        fetcher.say(f"error: {failure}")
    if fetcher.failures:
        n = len(fetcher.failures)
        fetcher.say(f"{n} problem{'s' if n != 1 else ''}: fetch incomplete (what succeeded was kept)")
    if writer.opts.report is not None:
        report.papers = writer.outcomes
        report.failures = fetcher.failures
        report.notes = writer.noted
        report.keywords = {p: fetcher.keywords[p] for p in writer.outcomes["created"] if p in fetcher.keywords}
        report.requests, report.cache_hits, report.dry_run = fetcher.requests, fetcher.cache_hits, writer.opts.dry_run
        try:
            report.write(writer.opts.report)
        except OSError as exc:
            fetcher.say(f"error: cannot write the fetch report {writer.opts.report}: {exc.strerror or exc}")
            return ExitCode.FETCH
    return ExitCode.FETCH if fetcher.failures else ExitCode.OK


def _by_number(pmids: Iterable[str]) -> list[str]:
    return sorted(set(pmids), key=int)


def _links_line(target: str, links: Links | None, similar: int) -> str:
    if links is None:  # a failed ELink is not an article without links
        return (f"PMID {target}: links not fetched (ELink failed: see the errors below); references, similar and "
                "citing papers are unknown this run, and the relations already recorded are kept")
    return (f"PMID {target}: {len(links.refs)} references, {min(len(links.similar), similar)} similar "
            f"articles, {len(links.citedin)} citing papers")


def _relations(target: str, links: Links | None, similar: int) -> dict[str, set[str]]:
    relations: dict[str, set[str]] = {}
    if links is None:
        return relations
    for name, pmids in (("reference", links.refs), ("similar", links.similar[:similar]),
                        ("cites-review", links.citedin)):
        for pmid in pmids:
            if pmid != target:
                relations.setdefault(pmid, set()).add(name)
    return relations


def run_fetch(project: Project, args: Any, runtime: Runtime | None = None) -> int:
    """The review's record, its references, similar articles and citing papers, into content/."""
    rt = runtime or Runtime()
    opts = options(project, args, rt.env)
    review_pmid = _review_pmid(project.root)
    target = getattr(args, "pmid", None) or review_pmid
    if target is None:
        raise ReviewsiteError("content/review.yaml has no valid record.pmid: give one with --pmid")
    if not PMID_RE.match(target):
        raise ReviewsiteError(f"--pmid must be a PMID (1-9 digits, no leading zero), got {target!r}")
    with _locked(project.root, "fetch", opts):
        stream, tty = _stream(rt)
        fetcher = Fetcher(opts, rt, stream, tty)
        links = fetcher.links(target)
        relations = _relations(target, links, opts.similar)
        fetcher.say(_links_line(target, links, opts.similar))
        report = FetchReport("fetch", rt.today().isoformat(), target, relations={
            p: sorted(r) for p, r in sorted(relations.items(), key=lambda item: int(item[0]))})
        if links is not None:
            report.links = {"references": len(links.refs), "similar": min(len(links.similar), opts.similar),
                            "citing": len(links.citedin)}
        papers = set(relations) | (_existing_pmids(project.root) - {target})
        records = fetcher.records(_by_number(papers | {target}))
        writer = Writer(project.root, opts, rt, fetcher)
        extra = ""
        if target in records and target == review_pmid:
            extra = "; review record " + writer.review(project.root / "content" / "review.yaml", records[target])
        elif target == review_pmid:
            extra = "; review record not refreshed"
        elif target in records:
            fetcher.say(f"note: content/review.yaml is not PMID {target}: its record was left as it is")
        for pmid in _by_number(papers):
            writer.paper(pmid, records.get(pmid), relations.get(pmid, set()))
        return _finish(fetcher, writer, report, extra)


def _locked(root: Path, command: str, opts: Options):
    """The project's lock, except for a dry run (which writes nothing)."""
    return contextlib.nullcontext() if opts.dry_run else project_lock(root, command)


def run_add(project: Project, args: Any, runtime: Runtime | None = None) -> int:
    """Just these papers: fetch their records and create (or refresh) their files."""
    rt = runtime or Runtime()
    opts = options(project, args, rt.env)
    wanted: list[str] = []
    for pmid in args.pmids:
        if not PMID_RE.match(pmid):
            raise ReviewsiteError(f"not a PMID: {pmid!r} (1-9 digits, no leading zero)")
        if pmid not in wanted:
            wanted.append(pmid)
    with _locked(project.root, "add", opts):
        stream, tty = _stream(rt)
        fetcher = Fetcher(opts, rt, stream, tty)
        review_pmid = _review_pmid(project.root)
        if review_pmid in wanted:
            wanted.remove(review_pmid)
            fetcher.failures.append(Failure(f"PMID {review_pmid}", "is the review itself (content/review.yaml): "
                                            "not added as a paper", review_pmid, "rejected"))
        records = fetcher.records(_by_number(wanted)) if wanted else {}
        writer = Writer(project.root, opts, rt, fetcher)
        for pmid in _by_number(wanted):
            writer.paper(pmid, records.get(pmid), set())
        return _finish(fetcher, writer, FetchReport("add", rt.today().isoformat()))

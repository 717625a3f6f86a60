"""`reviewsite fetch` and `reviewsite add`: ask PubMed, then merge the answers into `content/`.

Order of work: links (one ELink request for every link set), then records in batches of at most 200
PMIDs (so requests grow as ceil(N/200)), then files. A failed request costs only the papers it was for:
every other paper is still written, each problem is reported on one line, and the exit code is 3.
"""

from __future__ import annotations

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
from . import Failure, europepmc
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
from .merge import MergeError, new_paper, update
from .pubmed import Links, parse_efetch, parse_elink

BATCH = 200
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
    similar = getattr(args, "similar", None)
    similar = settings.similar if similar is None else similar
    hours = settings.cache_hours
    try:
        similar, hours = int(similar), float(hours)
    except (TypeError, ValueError):
        raise ReviewsiteError("extra.reviewsite.similar and cache_hours must be numbers") from None
    if similar < 0 or hours < 0:
        raise ReviewsiteError("the number of similar articles and the cache age must not be negative")
    return Options(email, eutils, epmc, api_key, cache_dir, hours, bool(getattr(args, "dry_run", False)), similar)


class _Progress:
    """A tqdm bar on a terminal; plain lines otherwise (CI logs), one per batch."""

    def __init__(self, total: int, label: str, stream: TextIO, tty: bool):
        self.total, self.done, self.label, self.stream = total, 0, label, stream
        self.bar = None
        if tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="paper", file=stream, leave=False)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        else:
            print(f"{self.label}: {self.done}/{self.total} papers", file=self.stream)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Fetcher:
    """The network side: links and records, with every problem kept as a `Failure`."""

    def __init__(self, opts: Options, rt: Runtime, stream: TextIO, tty: bool):
        self.opts, self.rt, self.stream, self.tty = opts, rt, stream, tty
        self.failures: list[Failure] = []
        cache = ResponseCache(opts.cache_dir, opts.cache_hours * 3600, rt.now) if opts.cache_dir else None
        if cache is not None:
            cache.prune()
        self.eutils = Client(
            opts.eutils_url,
            identity={"tool": TOOL, "email": opts.email},
            api_key=opts.api_key,
            limiter=RateLimiter(10 if opts.api_key else 3, rt.clock, rt.sleep),
            cache=cache, policy=rt.policy, timeouts=rt.timeouts, rng=rt.rng, sleep=rt.sleep, clock=rt.clock,
        )
        self.epmc = None
        if opts.europepmc_url:
            self.epmc = Client(opts.europepmc_url, limiter=RateLimiter(5, rt.clock, rt.sleep), cache=cache,
                               policy=rt.policy, timeouts=rt.timeouts, rng=rt.rng, sleep=rt.sleep, clock=rt.clock)

    def say(self, text: str) -> None:
        print(text, file=self.stream)

    @property
    def requests(self) -> int:
        return sum(self.eutils.requests_made.values()) + (sum(self.epmc.requests_made.values()) if self.epmc else 0)

    @property
    def cache_hits(self) -> int:
        return self.eutils.cache_hits + (self.epmc.cache_hits if self.epmc else 0)

    def links(self, pmid: str) -> Links:
        """Every PubMed->PubMed link set of `pmid` in one ELink request (no linkname: all of them).

        `cmd=neighbor` is the form recorded answering with every set at once (elink1.xml, test_elink);
        it lists similar articles best first, and `parse_elink` sorts by `<Score>` whenever one is sent.
        """
        try:
            links = self.eutils.call("elink.fcgi", {"dbfrom": "pubmed", "db": "pubmed", "id": pmid,
                                                    "cmd": "neighbor", "retmode": "xml"},
                                     accept=lambda body: parse_elink(body, pmid))
        except FetchFailed as exc:
            self.failures.append(Failure(f"ELink PMID {pmid}", f"{exc}; relations not updated"))
            return Links()
        refs, citedin = list(links.refs), list(links.citedin)
        if self.epmc is not None:
            for kind, target in (("references", refs), ("citations", citedin)):
                try:
                    found = europepmc.linked(self.epmc, pmid, kind, self.say)
                except FetchFailed as exc:
                    self.failures.append(Failure(f"Europe PMC {kind} of PMID {pmid}", str(exc)))
                    continue
                known = set(target) | {pmid}
                target += [p for p in found if p not in known]
        return Links(tuple(refs), links.similar, tuple(citedin))

    def records(self, pmids: list[str]) -> dict[str, Record]:
        """Records of `pmids`, at most BATCH per request; the failed ones are left out (and reported)."""
        out: dict[str, Record] = {}
        batches = [pmids[i : i + BATCH] for i in range(0, len(pmids), BATCH)]
        progress = _Progress(len(pmids), "efetch", self.stream, self.tty) if len(batches) > 1 else None
        for batch in batches:
            try:
                found = self.eutils.call("efetch.fcgi", {"db": "pubmed", "retmode": "xml", "id": ",".join(batch)},
                                         accept=parse_efetch)
            except FetchFailed as exc:
                self.failures.append(Failure(_span(batch), f"{exc}; not updated"))
            else:
                for pmid in batch:
                    if pmid in found.records:
                        out[pmid] = found.records[pmid]
                    elif pmid in found.rejected:
                        self.failures.append(Failure(f"PMID {pmid}", found.rejected[pmid]))
                    else:
                        self.failures.append(Failure(f"PMID {pmid}", "not found in PubMed (efetch returned no "
                                                     "record for it: unknown or withdrawn PMID?)"))
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
    """The file side: create or update paper files, refresh the review's record; nothing half-written."""

    def __init__(self, root: Path, opts: Options, rt: Runtime, failures: list[Failure], say: Callable[[str], None]):
        self.root, self.opts, self.rt, self.failures, self.say = root, opts, rt, failures, say
        self.papers = root / "content" / "papers"
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}
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

    def _write(self, path: Path, data: bytes) -> bool:
        """Atomic (temporary file, then rename): on any error the old file is still whole."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError as exc:
            self.failures.append(Failure(self.rel(path), f"cannot write file: {exc.strerror or exc}; left as it was"))
            return False
        return True

    def _read(self, path: Path) -> tuple[bytes, str] | None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.failures.append(Failure(self.rel(path), f"cannot read file: {exc.strerror}"))
            return None
        bom = _BOM if raw.startswith(_BOM) else b""
        try:
            return bom, decode(raw)
        except YamlError as exc:
            self.failures.append(Failure(f"{self.rel(path)}:{exc.line}:{exc.col}", f"{exc.message}; not updated"))
            return None

    def _update(self, path: Path, record: Record | None, relations: Iterable[str], what: str) -> None:
        read = self._read(path)
        if read is None:
            return
        bom, text = read
        try:
            result = update(text, record, relations)
        except MergeError as exc:
            self.failures.append(Failure(f"{self.rel(path)}:{exc.line}:{exc.col}", f"{exc.message}; not updated"))
            return
        if not result.changed:
            self.counts["unchanged"] += 1
            return
        parts = []
        if result.fields:
            parts.append(f"{what} ({', '.join(result.fields)})")
        if result.relations:
            parts.append("relations +" + ", +".join(result.relations))
        if not self.opts.dry_run and not self._write(path, bom + result.text.encode("utf-8")):
            return
        self.say(f"{'would update' if self.opts.dry_run else 'updated'} {self.rel(path)}: {'; '.join(parts)}")
        self.counts["updated"] += 1

    def review(self, path: Path, record: Record) -> None:
        self._update(path, record, (), "record")

    def paper(self, pmid: str, record: Record | None, relations: set[str]) -> None:
        path = self.papers / f"{pmid}.yaml"
        if path.exists():
            self._update(path, record, relations, "record")
            return
        if record is None:
            return  # its failure is already reported; nothing to create a file from
        other = self.dois().get(record.doi.lower()) if record.doi else None
        if other is not None:
            target = self.papers / f"{other}.yaml"
            self.say(f"note: PMID {pmid} not created: its DOI {record.doi} is already in {self.rel(target)}"
                     + ("; relations recorded there" if relations else ""))
            if relations and not PMID_RE.match(other):
                self._update(target, None, relations, "record")
            return
        text = new_paper(record, relations, self.rt.today().isoformat())
        try:
            Paper.model_validate(loads(text.encode("utf-8")).data)
        except (YamlError, ValidationError) as exc:
            message = exc.message if isinstance(exc, YamlError) else str(exc.errors(include_url=False)[0]["msg"])
            self.failures.append(Failure(f"PMID {pmid}", f"cannot write its file: {message}"))
            return
        if not self.opts.dry_run and not self._write(path, text.encode("utf-8")):
            return
        self.say(f"{'would create' if self.opts.dry_run else 'created'} {self.rel(path)}"
                 + (f" ({', '.join(sorted(relations))})" if relations else ""))
        self.counts["created"] += 1
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


def _finish(fetcher: Fetcher, writer: Writer, extra: str = "") -> int:
    c = writer.counts
    verb = "would be " if writer.opts.dry_run else ""
    fetcher.say(f"papers: {c['created']} {verb}created, {c['updated']} {verb}updated, {c['unchanged']} unchanged"
                f"{extra}; {fetcher.requests} requests ({fetcher.cache_hits} answered from cache)")
    for failure in fetcher.failures:
        fetcher.say(f"error: {failure}")
    if fetcher.failures:
        n = len(fetcher.failures)
        fetcher.say(f"{n} problem{'s' if n != 1 else ''}: fetch incomplete (what succeeded was kept)")
        return ExitCode.FETCH
    return ExitCode.OK


def _by_number(pmids: Iterable[str]) -> list[str]:
    return sorted(set(pmids), key=int)


def run_fetch(project: Project, args: Any, runtime: Runtime | None = None) -> int:
    """The review's record, its references, similar articles and citing papers, into content/."""
    rt = runtime or Runtime()
    opts = options(project, args, rt.env)
    stream, tty = _stream(rt)
    review_pmid = _review_pmid(project.root)
    target = getattr(args, "pmid", None) or review_pmid
    if target is None:
        raise ReviewsiteError("content/review.yaml has no valid record.pmid: give one with --pmid")
    if not PMID_RE.match(target):
        raise ReviewsiteError(f"--pmid must be a PMID (1-9 digits, no leading zero), got {target!r}")
    fetcher = Fetcher(opts, rt, stream, tty)
    links = fetcher.links(target)
    relations: dict[str, set[str]] = {}
    for name, pmids in (("reference", links.refs), ("similar", links.similar[: opts.similar]),
                        ("cites-review", links.citedin)):
        for pmid in pmids:
            if pmid != target:
                relations.setdefault(pmid, set()).add(name)
    fetcher.say(f"PMID {target}: {len(links.refs)} references, {min(len(links.similar), opts.similar)} similar "
                f"articles, {len(links.citedin)} citing papers")
    papers = set(relations) | (_existing_pmids(project.root) - {target})
    records = fetcher.records(_by_number(papers | {target}))
    writer = Writer(project.root, opts, rt, fetcher.failures, fetcher.say)
    extra = ""
    if target in records:
        if target == review_pmid:
            before = writer.counts["updated"]
            writer.review(project.root / "content" / "review.yaml", records[target])
            extra = "; review record " + ("updated" if writer.counts["updated"] > before else "unchanged")
            writer.counts["updated"] = before  # the review is not a paper: keep the counts about papers
        else:
            fetcher.say(f"note: content/review.yaml is not PMID {target}: its record was left as it is")
    for pmid in _by_number(papers):
        writer.paper(pmid, records.get(pmid), relations.get(pmid, set()))
    return _finish(fetcher, writer, extra)


def run_add(project: Project, args: Any, runtime: Runtime | None = None) -> int:
    """Just these papers: fetch their records and create (or refresh) their files."""
    rt = runtime or Runtime()
    opts = options(project, args, rt.env)
    stream, tty = _stream(rt)
    wanted: list[str] = []
    for pmid in args.pmids:
        if not PMID_RE.match(pmid):
            raise ReviewsiteError(f"not a PMID: {pmid!r} (1-9 digits, no leading zero)")
        if pmid not in wanted:
            wanted.append(pmid)
    fetcher = Fetcher(opts, rt, stream, tty)
    review_pmid = _review_pmid(project.root)
    if review_pmid in wanted:
        wanted.remove(review_pmid)
        fetcher.failures.append(Failure(f"PMID {review_pmid}", "is the review itself (content/review.yaml): "
                                        "not added as a paper"))
    records = fetcher.records(_by_number(wanted)) if wanted else {}
    writer = Writer(project.root, opts, rt, fetcher.failures, fetcher.say)
    for pmid in _by_number(wanted):
        writer.paper(pmid, records.get(pmid), set())
    return _finish(fetcher, writer)

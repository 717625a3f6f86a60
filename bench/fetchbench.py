"""`reviewsite fetch` against a local server that answers like NCBI E-utilities.

    .venv/bin/python bench/fetchbench.py 100 1000      # N linked papers per run; prints JSON lines

The server (127.0.0.1, threaded `http.server`) answers
- `elink.fcgi`: one `eLinkResult` for the review with the three PubMed->PubMed link sets
  (`pubmed_pubmed_refs`, `pubmed_pubmed` with scores, `pubmed_pubmed_citedin`) holding N distinct
  PMIDs between them (a third each);
- `efetch.fcgi`: a `PubmedArticleSet` with one `PubmedArticle` per requested ID, built from a template
  filled with the same synthetic record as bench/generate.py makes (title, 1-60 authors with
  affiliations, structured or plain abstract, MeSH, IDs, a reference list), GET or POST;
and enforces NCBI's limit for clients without an API key: a request that would be the 4th within one
second is answered 429 with `Retry-After: 1` and NCBI's JSON error body. It counts every request,
per endpoint, and every 429 it gave.

Each run makes a fresh project (mkdocs.yml + content/review.yaml only), runs `reviewsite fetch
--eutils-url http://127.0.0.1:PORT/ --no-cache --similar N` in a subprocess and reports its wall time,
requests per endpoint (server side and as the command reports them), 429s, and files written.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  (bench/ is not a package)

ROOT = Path(__file__).resolve().parent.parent
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
LINK_NAMES = ("pubmed_pubmed_refs", "pubmed_pubmed", "pubmed_pubmed_citedin")
AFFILIATIONS = [
    "Department of Haematology, Synthetic University Hospital, Example City, Country.",
    "Cellular Immunotherapy Program, Institute of Benchmarks, Sample Town, Country.",
    "Center for Cancer Research, National Institute of Synthetic Data, Testville, Country.",
]


# ------------------------------------------------------------------------------------------ answers


def _date_xml(tag: str, value: str, attrs: str = "") -> str:
    parts = value.split("-")
    out = f"<{tag}{attrs}><Year>{parts[0]}</Year>"
    if len(parts) > 1:
        out += f"<Month>{MONTHS[int(parts[1]) - 1]}</Month>"
    if len(parts) > 2:
        out += f"<Day>{parts[2]}</Day>"
    return out + f"</{tag}>"


def article_xml(pmid: int) -> str:
    """One PubmedArticle, as efetch gives it, for a synthetic record derived only from the PMID."""
    rng = random.Random(pmid)
    rec = generate.paper(rng, pmid, 0)["record"]
    e = escape
    authors = []
    for a in rec["authors"]:
        if "collective" in a:
            authors.append(f'<Author ValidYN="Y"><CollectiveName>{e(a["collective"])}</CollectiveName></Author>')
        else:
            authors.append(
                f'<Author ValidYN="Y"><LastName>{e(a["family"])}</LastName><ForeName>{e(a["given"])}</ForeName>'
                f'<Initials>{e(a["initials"])}</Initials><AffiliationInfo><Affiliation>'
                f"{e(rng.choice(AFFILIATIONS))}</Affiliation></AffiliationInfo></Author>"
            )
    abstract = "".join(
        f'<AbstractText Label="{s["label"]}" NlmCategory="{s["label"]}">{e(s["text"])}</AbstractText>'
        if "label" in s else f"<AbstractText>{e(s['text'])}</AbstractText>"
        for s in rec["abstract"]
    )
    start, _, end = rec["pages"].partition("-")
    mesh = "".join(
        f'<MeshHeading><DescriptorName UI="D{rng.randint(1000, 99999):06d}" MajorTopicYN="N">{e(m)}'
        "</DescriptorName></MeshHeading>"
        for m in rec["mesh"]
    )
    types = "".join(f'<PublicationType UI="D016428">{e(t)}</PublicationType>' for t in rec["publication_types"])
    ids = f'<ArticleId IdType="pubmed">{pmid}</ArticleId>'
    if "doi" in rec:
        ids += f'<ArticleId IdType="doi">{e(rec["doi"])}</ArticleId>'
    if "pmcid" in rec:
        ids += f'<ArticleId IdType="pmc">{rec["pmcid"]}</ArticleId>'
    references = "".join(
        f"<Reference><Citation>{e(generate.title(rng))}. Synth J. {rng.randint(1990, 2024)};"
        f"{rng.randint(1, 99)}:{rng.randint(1, 999)}.</Citation><ArticleIdList><ArticleId IdType=\"pubmed\">"
        f"{rng.randint(10_000_000, 39_999_999)}</ArticleId></ArticleIdList></Reference>"
        for _ in range(rng.randint(0, 45))
    )
    epub = _date_xml("ArticleDate", rec["epublished"], ' DateType="Electronic"') if "epublished" in rec else ""
    return (
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM" IndexingMethod="Automated">'
        f'<PMID Version="1">{pmid}</PMID><DateCompleted><Year>2024</Year><Month>01</Month><Day>15</Day>'
        '</DateCompleted><Article PubModel="Print-Electronic"><Journal><ISSN IssnType="Electronic">'
        f'1234-5678</ISSN><JournalIssue CitedMedium="Internet"><Volume>{rec["volume"]}</Volume>'
        f'<Issue>{rec["issue"]}</Issue>{_date_xml("PubDate", rec["published"])}</JournalIssue>'
        f'<Title>{e(rec["journal"])}</Title><ISOAbbreviation>{e(rec["journal_abbrev"])}</ISOAbbreviation>'
        f'</Journal><ArticleTitle>{e(rec["title"])}.</ArticleTitle><Pagination><StartPage>{start}</StartPage>'
        f'<EndPage>{end}</EndPage><MedlinePgn>{rec["pages"]}</MedlinePgn></Pagination>'
        + (f'<ELocationID EIdType="doi" ValidYN="Y">{e(rec["doi"])}</ELocationID>' if "doi" in rec else "")
        + (f"<Abstract>{abstract}</Abstract>" if abstract else "")
        + f'<AuthorList CompleteYN="Y">{"".join(authors)}</AuthorList><Language>eng</Language>'
        f"<PublicationTypeList>{types}</PublicationTypeList>{epub}</Article><MedlineJournalInfo>"
        f'<Country>United States</Country><MedlineTA>{e(rec["journal_abbrev"])}</MedlineTA>'
        f"<NlmUniqueID>9999999</NlmUniqueID></MedlineJournalInfo>"
        + (f"<MeshHeadingList>{mesh}</MeshHeadingList>" if mesh else "")
        + '</MedlineCitation><PubmedData><History><PubMedPubDate PubStatus="pubmed"><Year>2024</Year>'
        "<Month>1</Month><Day>2</Day></PubMedPubDate></History><PublicationStatus>ppublish</PublicationStatus>"
        f"<ArticleIdList>{ids}</ArticleIdList>"
        + (f"<ReferenceList>{references}</ReferenceList>" if references else "")
        + "</PubmedData></PubmedArticle>"
    )


def efetch_xml(ids: list[int]) -> bytes:
    body = "".join(article_xml(i) for i in ids)
    return (
        '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" '
        '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n'
        f"<PubmedArticleSet>{body}</PubmedArticleSet>\n"
    ).encode()


def linked_pmids(review: int, n: int) -> dict[str, list[int]]:
    """N distinct PMIDs after the review's, dealt round-robin to the three link sets."""
    pmids = list(range(review + 1, review + 1 + n))
    return {name: pmids[i::3] for i, name in enumerate(LINK_NAMES)}


def elink_xml(review: int, links: dict[str, list[int]]) -> bytes:
    sets = []
    for name, pmids in links.items():
        if name == "pubmed_pubmed":  # NCBI lists the article itself first among its neighbours, best score
            items = [f"<Link><Id>{review}</Id><Score>99999999</Score></Link>"]
            items += [f"<Link><Id>{p}</Id><Score>{50_000_000 - i}</Score></Link>" for i, p in enumerate(pmids)]
        else:
            items = [f"<Link><Id>{p}</Id></Link>" for p in pmids]
        sets.append(f"<LinkSetDb><DbTo>pubmed</DbTo><LinkName>{name}</LinkName>{''.join(items)}</LinkSetDb>")
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink 20101123//EN" '
        '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">\n'
        f"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>{review}</Id></IdList>{''.join(sets)}"
        "</LinkSet></eLinkResult>\n"
    ).encode()


# ------------------------------------------------------------------------------------------- server


class FakeEutils(ThreadingHTTPServer):
    """E-utilities look-alike with NCBI's 3 requests/s limit (no API key)."""

    daemon_threads = True

    def __init__(self, review: int, n: int, per_second: int = 3):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.review, self.links = review, linked_pmids(review, n)
        self.per_second = per_second
        self.lock = threading.Lock()
        self.recent: deque[float] = deque()
        self.counts: Counter[str] = Counter()
        self.rejected = 0
        self.ids_fetched = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def admit(self) -> bool:
        """Sliding one-second window over admitted requests: the (per_second+1)-th is refused."""
        now = time.monotonic()
        with self.lock:
            while self.recent and now - self.recent[0] >= 1.0:
                self.recent.popleft()
            if len(self.recent) >= self.per_second:
                self.rejected += 1
                return False
            self.recent.append(now)
            return True


class _Handler(BaseHTTPRequestHandler):
    server: FakeEutils
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def _params(self) -> dict[str, str]:
        query = urlsplit(self.path).query
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            query = self.rfile.read(length).decode()
        return {k: v[-1] for k, v in parse_qs(query).items()}

    def _send(self, status: int, body: bytes, ctype: str = "text/xml; charset=UTF-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> None:
        endpoint = urlsplit(self.path).path.rsplit("/", 1)[-1]
        params = self._params()
        if not self.server.admit():
            body = json.dumps({"error": "API rate limit exceeded", "count": "4", "limit": "3"}).encode()
            self._send(429, body, "application/json", Retry_After="1")
            return
        with self.server.lock:
            self.server.counts[endpoint] += 1
        ids = [int(x) for x in re.findall(r"[0-9]+", params.get("id", ""))]
        if endpoint == "elink.fcgi" and ids == [self.server.review]:
            self._send(200, elink_xml(self.server.review, self.server.links))
        elif endpoint == "efetch.fcgi" and ids:
            with self.server.lock:
                self.server.ids_fetched += len(ids)
            self._send(200, efetch_xml(ids))
        else:
            self._send(400, b"<ERROR>unsupported request</ERROR>")

    do_GET = _answer
    do_POST = _answer


# ------------------------------------------------------------------------------------------ the run


def project(dest: Path) -> Path:
    """A project holding only mkdocs.yml and the review's file: fetch creates every paper file."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "content").mkdir(parents=True)
    (dest / "mkdocs.yml").write_text(generate.mkdocs_yml(0), encoding="utf-8")
    generate.dump(dest / "content" / "review.yaml", "review", {
        "record": {"pmid": str(generate.REVIEW_PMID), "title": "[synthetic] Review placeholder, fetch replaces it"},
    })
    return dest


def run(n: int, out: Path) -> dict[str, object]:
    """One fetch of a review with N linked papers; the server is torn down afterwards."""
    root = project(out / f"fetch{n}")
    server = FakeEutils(generate.REVIEW_PMID, n)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    log = out / f"fetch{n}.log"
    try:
        start = time.perf_counter()
        with open(log, "wb") as handle:
            code = subprocess.call(
                [str(Path(sys.executable).parent / "reviewsite"), "--project", str(root), "fetch",
                 "--eutils-url", server.url, "--email", "bench@example.org", "--no-cache", "--similar", str(n)],
                stdout=handle, stderr=subprocess.STDOUT, cwd=root,
            )
        wall = time.perf_counter() - start
    finally:
        server.shutdown()
        server.server_close()
    text = log.read_text(encoding="utf-8", errors="replace")
    reported = re.search(r"([0-9]+) requests \(", text)
    created = len(list((root / "content" / "papers").glob("*.yaml")))
    per_type = math.ceil(n / 3)
    return {
        "n": n,
        "rc": code,
        "wall_s": round(wall, 2),
        "requests": sum(server.counts.values()) + server.rejected,
        "elink": server.counts["elink.fcgi"],
        "efetch": server.counts["efetch.fcgi"],
        "rejected_429": server.rejected,
        "reported_requests": int(reported.group(1)) if reported else None,
        "ids_fetched": server.ids_fetched,
        "files_created": created,
        "target_requests": math.ceil(n / 200) + 5,
        "target_per_type": math.ceil(per_type / 200) + 5,
        "log": str(log.relative_to(ROOT)) if log.is_relative_to(ROOT) else str(log),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        print(json.dumps(run(n, args.out)), flush=True)


if __name__ == "__main__":
    main()

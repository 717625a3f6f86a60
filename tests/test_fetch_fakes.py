"""A local server that answers like E-utilities (and Europe PMC), for the fetch tests; plus its own checks.

Answers are built from the real recordings in tests/fixtures/eutils/: each `<PubmedArticle>` is cut out
of its file byte for byte, and a whole file is served verbatim when the request matches the one it
answered. PMIDs without a recording get `synthetic_article` (titles start with "SYNTHETIC").
Faults are scripted per endpoint: status codes (with headers), a hang past the client's timeout, a body
cut short, a dropped connection, or any body with HTTP 200.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

FIXTURES = Path(__file__).parent / "fixtures" / "eutils"
HEADER = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN"'
    b' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
)
_ARTICLE = re.compile(rb"<(PubmedArticle|PubmedBookArticle)>.*?</\1>", re.DOTALL)


def fixture(name: str) -> bytes:
    """A fixture's bytes; for a vcr cassette, the recorded response body; a `.gz` file unpacked."""
    raw = (FIXTURES / name).read_bytes()
    if name.endswith(".gz"):
        return gzip.decompress(raw)
    if name.endswith(".yaml") or name == "test_elink":
        return yaml.safe_load(raw)["interactions"][0]["response"]["body"]["string"].encode("utf-8")
    return raw


def recorded_articles() -> dict[str, bytes]:
    """PMID -> the raw `<PubmedArticle>` (or book) element of every real efetch recording here."""
    out: dict[str, bytes] = {}
    names = sorted(p.name for p in FIXTURES.glob("*.xml") if re.match(r"(pubmed\d|\d+|sample_article)", p.name))
    names += ["TestPubMedFetch.test_collective_author.yaml", "TestPubMedFetch.test_title_with_child_text.yaml",
              "pubmedsample_2019.xml.gz"]
    for name in names:
        for match in _ARTICLE.finditer(fixture(name)):
            pmid = re.search(rb"<PMID[^>]*>(\d+)</PMID>", match.group()).group(1).decode()
            out.setdefault(pmid, match.group())
    return out


def synthetic_article(pmid: str, doi: str | None = None, *, title: str | None = None, abstract: str = "",
                      mesh: tuple[str, ...] = (), keywords: tuple[str, ...] = ()) -> bytes:
    """SYNTHETIC record in the shape of the real ones (used where no recording exists); the title always
    starts with "SYNTHETIC", whatever words a test adds to it."""
    doi_id = f'<ArticleId IdType="doi">{doi}</ArticleId>' if doi else ""
    heading = f"SYNTHETIC {title}" if title else f"SYNTHETIC article {pmid}"
    abstract_xml = f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract>" if abstract else ""
    mesh_xml = "".join(f"<MeshHeading><DescriptorName>{m}</DescriptorName></MeshHeading>" for m in mesh)
    mesh_xml = f"<MeshHeadingList>{mesh_xml}</MeshHeadingList>" if mesh else ""
    keyword_xml = "".join(f"<Keyword MajorTopicYN=\"N\">{k}</Keyword>" for k in keywords)
    keyword_xml = f"<KeywordList Owner=\"NOTNLM\">{keyword_xml}</KeywordList>" if keywords else ""
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f'<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print"><Volume>1</Volume><Issue>2</Issue>'
        f"<PubDate><Year>2020</Year><Month>Jan</Month></PubDate></JournalIssue><Title>Synthetic journal</Title>"
        f"<ISOAbbreviation>Synth J</ISOAbbreviation></Journal><ArticleTitle>{heading}.</ArticleTitle>"
        f"<Pagination><MedlinePgn>10-9</MedlinePgn></Pagination>{abstract_xml}<AuthorList CompleteYN=\"Y\">"
        f"<Author ValidYN=\"Y\"><LastName>Doe</LastName><ForeName>Jane</ForeName><Initials>J</Initials></Author>"
        f"</AuthorList><Language>eng</Language><PublicationTypeList><PublicationType UI=\"D016428\">Journal Article"
        f"</PublicationType></PublicationTypeList></Article>{mesh_xml}{keyword_xml}</MedlineCitation><PubmedData>"
        f'<ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId>{doi_id}</ArticleIdList></PubmedData>'
        f"</PubmedArticle>"
    ).encode()


def elink_body(pmid: str, refs=(), similar=(), citedin=()) -> bytes:
    """An ELink answer with every link set in one response, the shape of the real elink1.xml (plus scores)."""

    def linkset(name: str, ids, scored: bool) -> str:
        if not ids:
            return ""
        links = "".join(
            f"<Link><Id>{i}</Id>" + (f"<Score>{s}</Score>" if scored else "") + "</Link>"
            for i, s in ((item if isinstance(item, tuple) else (item, 0)) for item in ids)
        )
        return f"<LinkSetDb><DbTo>pubmed</DbTo><LinkName>{name}</LinkName>{links}</LinkSetDb>"

    body = (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink 20101123//EN" '
        '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">\n<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom>'
        f"<IdList><Id>{pmid}</Id></IdList>"
        + linkset("pubmed_pubmed", [(pmid, 99999999), *similar], True)
        + linkset("pubmed_pubmed_citedin", citedin, False)
        + linkset("pubmed_pubmed_refs", refs, False)
        + "</LinkSet></eLinkResult>\n"
    )
    return body.encode()


@dataclass
class Fault:
    """One scripted misbehaviour for requests to `endpoint`, applied `times` times, in order."""

    endpoint: str
    kind: str  # status | hang | truncate | drop | body
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    times: int = 1
    when: str | None = None  # only for requests whose id list contains this PMID


@dataclass
class Seen:
    method: str
    endpoint: str
    params: dict[str, str]
    raw: str  # the whole request line and body, to prove what was (not) sent


class FakeEutils:
    """127.0.0.1 only; `base` is the E-utilities URL, `epmc` the Europe PMC one."""

    def __init__(self) -> None:
        self.articles: dict[str, bytes] = {}
        self.links: dict[str, bytes] = {}  # pmid -> ELink answer
        self.verbatim: dict[tuple[str, str], bytes] = {}  # (endpoint, id param) -> body
        self.epmc_pages: dict[str, bytes] = {}  # "MED/ID/kind?page=N" -> body
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.synthesize = True  # unknown PMIDs get a synthetic record (else: absent, like a bad PMID)
        self.unknown: set[str] = set()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/eutils/"

    @property
    def epmc(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/epmc/"

    def start(self) -> FakeEutils:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, endpoint: str | None = None) -> int:
        return sum(1 for s in self.seen if endpoint is None or s.endpoint == endpoint)

    def efetch(self, ids: list[str]) -> bytes:
        parts = []
        for pmid in ids:
            if pmid in self.unknown:
                continue
            if pmid in self.articles:
                parts.append(self.articles[pmid])
            elif self.synthesize:
                parts.append(synthetic_article(pmid, f"10.5555/synthetic.{pmid}"))
        return HEADER + b"\n".join(parts) + b"\n</PubmedArticleSet>"

    def answer(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        ident = seen.params.get("id", "")
        if (seen.endpoint, ident) in self.verbatim:
            return 200, {}, self.verbatim[(seen.endpoint, ident)]
        if seen.endpoint == "efetch.fcgi":
            return 200, {}, self.efetch([i for i in ident.split(",") if i])
        if seen.endpoint == "elink.fcgi":
            return 200, {}, self.links.get(ident, elink_body(ident))
        key = f"{seen.endpoint}?page={seen.params.get('page', '1')}"
        if key in self.epmc_pages:
            return 200, {"Content-Type": "application/json"}, self.epmc_pages[key]
        return 404, {}, b"<html><body>Not found</body></html>"

    def fault_for(self, seen: Seen) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.endpoint == seen.endpoint and (
                    fault.when is None or fault.when in seen.params.get("id", "").split(",")
                ):
                    fault.times -= 1
                    return fault
        return None

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                body = b""
                if method == "POST":
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                query = parts.query if method == "GET" else body.decode()
                params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
                prefix = "/eutils/" if parts.path.startswith("/eutils/") else "/epmc/"
                seen = Seen(method, parts.path.removeprefix(prefix), params, f"{self.requestline}\n{body.decode()}")
                with fake.lock:
                    fake.seen.append(seen)
                fault = fake.fault_for(seen)
                try:
                    if fault is None:
                        self._send(*fake.answer(seen))
                    elif fault.kind == "status":
                        self._send(fault.status, fault.headers, fault.body or b'{"error":"API rate limit exceeded"}')
                    elif fault.kind == "body":
                        self._send(200, fault.headers, fault.body)
                    elif fault.kind == "hang":
                        time.sleep(fault.seconds)
                        self._send(*fake.answer(seen))
                    elif fault.kind == "truncate":
                        status, headers, full = fake.answer(seen)
                        self.send_response(status)
                        self.send_header("Content-Length", str(len(full)))
                        self.end_headers()
                        self.wfile.write(full[: len(full) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                    elif fault.kind == "drop":
                        self.close_connection = True  # no answer at all
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


# ------------------------------------------------------------------------- checks of the fake itself


def test_fixtures_are_the_recorded_bytes():
    """The real files were copied byte for byte (SHA256SUMS lists every non-synthetic file)."""
    sums = (FIXTURES / "SHA256SUMS").read_text().split("\n")
    checked = 0
    for line in filter(None, sums):
        digest, name = line.split()
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == digest, name
        checked += 1
    real = [p for p in FIXTURES.iterdir() if not p.name.startswith(("SYNTHETIC", "README", "SHA256SUMS"))]
    assert checked == len(real)
    for path in FIXTURES.glob("SYNTHETIC-*"):
        assert b"SYNTHETIC" in path.read_bytes() or path.suffix == ".json", path.name


def test_fake_serves_recorded_articles_verbatim():
    articles = recorded_articles()
    assert {"12091962", "9997", "27797938", "20301577", "21860499", "29963580"} <= set(articles)
    fake = FakeEutils().start()
    try:
        fake.articles = articles
        import requests

        body = requests.get(fake.base + "efetch.fcgi", params={"id": "27797938"}, timeout=5).content
        assert articles["27797938"] in body
    finally:
        fake.stop()

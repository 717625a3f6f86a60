"""What readers download and wait for: a first page view's bytes, and search latency, in Debian's Chromium.

    .venv/bin/python bench/readers.py                       # the real site, 1,000 and 10,000 papers
    .venv/bin/python bench/readers.py --sizes real 1000     # any of: real, or a number of synthetic papers
    .venv/bin/python bench/readers.py --readme              # also rewrite the table in bench/README.md

Per size: build the project (`real`: the repository's own content, mkdocs.yml and templates; N: a project
from bench/generate.py) with `reviewsite build`, serve `site/` from 127.0.0.1 under site_url's path with
gzip on text files (as GitHub Pages does), then in a fresh Chromium context each time:

- first view of the home page and of the literature page: every byte the browser received for the page
  and everything it loaded, compressed as sent (Playwright's request sizes: response headers + body);
- search: open the dialog, let it load, then put a query in the box and time from the input event to
  the first results shown, and to all of the first page of results (the dialog's 30 ms pause after typing
  included; results show as their records arrive), for a title (its first six words),
  an author's surname and a PMID of one paper, and whether that paper is among the results shown; "cold"
  is the first query typed the moment the dialog opens (Pagefind's script and index metadata load first);
- sizes: the literature and tags pages (HTML, raw / gzipped), the explorer's JSON rows, the search bundle.

Results go to bench/out/readers.json; the Markdown table is printed (and written into bench/README.md
between the `readers` markers with --readme).
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
GZIP_TYPES = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".bib", ".ris")
MARKERS = ("<!-- readers:start -->", "<!-- readers:end -->")


def project_for(size: str, out: Path) -> Path:
    """A project to build: the repository's own, or a synthetic one with `size` papers."""
    dest = out / f"readers-{size}"
    if dest.exists():
        shutil.rmtree(dest)
    if size == "real":
        dest.mkdir(parents=True)
        for name in ("content", "templates"):
            shutil.copytree(ROOT / name, dest / name)
        shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    else:
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), size, str(dest)], check=True)
    return dest


def build(project: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run([str(BIN / "reviewsite"), "build"], cwd=project, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"build failed in {project}:\n{result.stderr[-3000:]}")
    return time.perf_counter() - started


def base_path(project: Path) -> str:
    config = yaml.load((project / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506
    path = urlsplit(str(config.get("site_url") or "/")).path or "/"
    return path if path.endswith("/") else path + "/"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files under a path prefix, text gzipped when the browser accepts it (like GitHub Pages)."""

    prefix = "/"
    protocol_version = "HTTP/1.1"  # keep-alive, as any real host (GitHub Pages even speaks HTTP/2)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        path = urlsplit(self.path).path
        if not path.startswith(self.prefix):
            self.send_error(404)
            return
        file = Path(self.translate_path("/" + path[len(self.prefix):]))
        if file.is_dir():
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            file = file / "index.html"
        if not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(file)))
        if file.suffix in GZIP_TYPES and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, 6)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")  # what GitHub Pages sends
        self.end_headers()
        self.wfile.write(body)


class Server:
    def __init__(self, site: Path, prefix: str):
        handler = type("Handler", (_Handler,), {"prefix": prefix})
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), lambda *a, **k: handler(*a, directory=str(site), **k))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def first_view(browser: Any, url: str) -> dict[str, Any]:
    """Bytes received for one page view from an empty cache (headers + compressed bodies), and requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    done: list[Any] = []
    page.on("requestfinished", lambda request: done.append(request))
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)
    sizes = [(r.url, r.sizes()) for r in done]
    context.close()
    total = sum(s["responseBodySize"] + s["responseHeadersSize"] for _, s in sizes)
    biggest = sorted(((s["responseBodySize"], u.rsplit("/", 1)[-1] or "index") for u, s in sizes), reverse=True)
    return {"bytes": total, "requests": len(sizes), "biggest": biggest[:4],
            "search_requests": [u for u, _ in sizes if "/pagefind/" in u]}


TIME_QUERY = """async (q) => {
  const input = document.getElementById('rs-search-input');
  const status = document.getElementById('rs-search-status');
  const t0 = performance.now();
  input.value = q;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  const until = (test) => new Promise((resolve) => {
    const check = () => test() ? resolve() : requestAnimationFrame(check);
    check();
  });
  const answered = () => status.textContent.includes('\u201c' + q + '\u201d');
  await until(() => answered() && (/^Nothing/.test(status.textContent)
                                   || document.querySelector('#rs-search-results a.rs-search__link')));
  const ms = performance.now() - t0;
  await until(() => !document.querySelector('#rs-search-results li.rs-search__hit[hidden]'));
  const all = performance.now() - t0;
  const links = [...document.querySelectorAll('#rs-search-results a.rs-search__link')].map(a => a.pathname);
  return {ms, all, links, status: status.textContent};
}"""


def search_time(browser: Any, url: str, query: str, target: str, *, cold: bool = False) -> dict[str, Any]:
    """Typing `query` into the search dialog on `url` until results show; whether `target` is among them."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    page.locator("[data-rs-search-open]").first.click()
    if not cold:
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(200)
    out = page.evaluate(TIME_QUERY, query)
    context.close()
    found = [i for i, path in enumerate(out["links"]) if path.endswith(target)]
    counts = re.findall(r"(\d[\d,]*) ", out["status"].split(" for \u201c")[0])  # per group: "2 topics, 7 by author"
    return {"ms": round(out["ms"]), "all_ms": round(out["all"]), "rank": found[0] + 1 if found else None,
            "results": sum(int(c.replace(",", "")) for c in counts)}


def sample_paper(project: Path) -> dict[str, str]:
    """A paper from the middle of the literature with a PMID and authors: its key, title words, a surname."""
    rows = json.loads((project / "site" / "literature" / "rows.json").read_text(encoding="utf-8"))
    fields = rows["fields"]
    papers = [dict(zip(fields, r, strict=True)) for r in rows["rows"]]
    candidates = [p for p in papers if p["key"].isdigit() and p["author"]]
    paper = candidates[len(candidates) // 2]
    words = [w for w in paper["title"].replace("[synthetic]", "").split() if w.isalnum() or "-" in w]
    return {"key": paper["key"], "title": " ".join(words[:6]), "author": paper["author"].split(" ")[0]}


def sizes(site: Path) -> dict[str, Any]:
    def kb(path: Path) -> tuple[float, float]:
        data = path.read_bytes()
        return round(len(data) / 1024, 1), round(len(gzip.compress(data, 6)) / 1024, 1)

    bundle = site / "pagefind"
    return {"literature_kb": kb(site / "literature" / "index.html"), "tags_kb": kb(site / "tags" / "index.html"),
            "rows_json_kb": kb(site / "literature" / "rows.json"),
            "bundle_mb": round(sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file()) / 2**20, 2),
            "bundle_files": sum(1 for p in bundle.rglob("*") if p.is_file())}


def measure(size: str, browser: Any, out: Path) -> dict[str, Any]:
    project = project_for(size, out)
    seconds = build(project)
    site = project / "site"
    server = Server(site, base_path(project))
    try:
        paper = sample_paper(project)
        target = f"/papers/{paper['key']}/"
        home, literature = first_view(browser, server.url), first_view(browser, server.url + "literature/")
        searches = {}
        for what, query in (("title", paper["title"]), ("author", paper["author"]), ("pmid", paper["key"])):
            runs = [search_time(browser, server.url, query, target) for _ in range(3)]
            searches[what] = {"query": query, "ms": statistics.median(r["ms"] for r in runs),
                              "all_ms": statistics.median(r["all_ms"] for r in runs),
                              "rank": runs[0]["rank"], "results": runs[0]["results"]}
        cold = search_time(browser, server.url, paper["key"], target, cold=True)
    finally:
        server.close()
    papers = len(json.loads((site / "literature" / "rows.json").read_text(encoding="utf-8"))["rows"])
    return {"size": size, "papers": papers, "build_s": round(seconds, 1), "home": home, "literature": literature,
            "search": searches, "cold_ms": cold["ms"], **sizes(site)}


def table(results: list[dict[str, Any]]) -> str:
    head = ("| site | papers | first view: home | first view: literature | literature page (raw / gzip) "
            "| tags page (raw / gzip) | explorer JSON rows (raw / gzip, on demand) | search: title | search: author "
            "| search: PMID | first query as search opens | search bundle |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    lines = [head]
    for r in results:
        def s(what: str, r: dict[str, Any] = r) -> str:
            x = r["search"][what]
            rank = f"#{x['rank']}" if x["rank"] else "not shown"
            return f"{x['ms']:.0f} / {x['all_ms']:.0f} ms ({rank} of {x['results']:,})"

        lines.append(
            f"| {'real (content/)' if r['size'] == 'real' else 'synthetic'} | {r['papers']:,} "
            f"| {r['home']['bytes'] / 1024:.0f} KB, {r['home']['requests']} requests "
            f"| {r['literature']['bytes'] / 1024:.0f} KB, {r['literature']['requests']} requests "
            f"| {r['literature_kb'][0]:,.0f} / {r['literature_kb'][1]:,.0f} KB "
            f"| {r['tags_kb'][0]:,.0f} / {r['tags_kb'][1]:,.0f} KB "
            f"| {r['rows_json_kb'][0]:,.0f} / {r['rows_json_kb'][1]:,.0f} KB "
            f"| {s('title')} | {s('author')} | {s('pmid')} | {r['cold_ms']} ms "
            f"| {r['bundle_mb']:.1f} MB, {r['bundle_files']:,} files |")
    return "\n".join(lines)


def write_readme(text: str, command: str) -> None:
    readme = ROOT / "bench" / "README.md"
    doc = readme.read_text(encoding="utf-8")
    start, end = doc.index(MARKERS[0]) + len(MARKERS[0]), doc.index(MARKERS[1])
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    readme.write_text(doc[:start] + f"\nMeasured {stamp}. Command: `{command}`\n\n{text}\n" + doc[end:],
                      encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["real", "1000", "10000"])
    parser.add_argument("--readme", action="store_true", help="rewrite the readers table in bench/README.md")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox",
                                                                              "--disable-gpu"])
        for size in args.sizes:
            results.append(measure(size, browser, OUT))
            print(json.dumps(results[-1]), flush=True)
        browser.close()
    (OUT / "readers.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    text = table(results)
    print(text)
    if args.readme:
        write_readme(text, "cd /work/main && .venv/bin/python bench/readers.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()

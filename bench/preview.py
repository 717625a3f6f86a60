"""Live-preview latency: from writing a content file to the new text being served by `reviewsite serve`.

    .venv/bin/python bench/preview.py                       # the real site, then 100, 1,000 and 10,000 papers
    .venv/bin/python bench/preview.py --sizes real 1000 --edits 3 --engine mkdocs
    .venv/bin/python bench/preview.py --readme              # also write the table into bench/README.md

Per project: start `reviewsite serve` on a free port, wait until it serves the mechanism page, then make
`--edits` edits of each kind, one at a time, each as an editor saves (a new file renamed over the old one):
- mechanism: a new word at the start of a mechanism's summary; timed until its page shows the word;
- paper: a new word in the title of a paper that mechanism cites; timed until the paper's page shows it.
The clock starts just before the rename and stops when an HTTP GET of the page returns the new text
(polled every 20 ms). Between edits it waits until serve has gone quiet (no new regeneration for 1 s).
Also reported: the time our regeneration took (serve's own "regenerated in" line) and the first build.

Synthetic projects come from bench/generate.py (bench/out/pN, made if missing); `real` is a copy of this
repository's site (content, templates, mkdocs.yml) in bench/out/real. Results: bench/out/preview.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import generate  # noqa: E402  (bench/ is not a package)
import run  # noqa: E402

REVIEWSITE = Path(sys.executable).parent / "reviewsite"
REAL_FILES = ("mkdocs.yml", "content", "templates", "CITATION.cff")
_REGEN = re.compile(r"regenerated in ([0-9.]+) s")
MARKERS = ("<!-- preview:start -->", "<!-- preview:end -->")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(size: str, out: Path) -> Path:
    """A fresh copy of the project to serve (edits never touch the repository or the generated originals)."""
    dest = out / f"preview-{size}"
    if dest.exists():
        shutil.rmtree(dest)
    if size == "real":
        dest.mkdir(parents=True)
        for name in REAL_FILES:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, dest / name)
            elif src.is_file():
                shutil.copy2(src, dest / name)
        return dest
    source = out / f"p{size}"
    if not (source / "content").is_dir():
        generate.generate(int(size), source)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("build", "site", ".cache"))
    shutil.rmtree(dest / "templates", ignore_errors=True)
    shutil.copytree(ROOT / "templates", dest / "templates")  # the templates of the code being measured
    return dest


class Serve:
    """`reviewsite serve` in a child process, its output read on a thread."""

    def __init__(self, project: Path, port: int, engine: str):
        self.lines: list[tuple[float, str]] = []
        self.proc = subprocess.Popen([str(REVIEWSITE), "serve", "--dev-addr", f"127.0.0.1:{port}", "--engine", engine],
                                     cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def regenerations(self, since: float) -> list[float]:
        return [float(m.group(1)) for t, line in self.lines if t >= since and (m := _REGEN.search(line))]

    def quiet(self, seconds: float = 1.0, timeout: float = 600) -> None:
        """Wait until nothing was printed for `seconds` (the engine logs every rebuild)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.lines[-1][0] if self.lines else 0.0
            if time.monotonic() - last >= seconds:
                return
            time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - 127.0.0.1 only
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait_for(url: str, text: str, timeout: float, poll: float = 0.02) -> float | None:
    """Seconds until `url` serves `text`, or None after `timeout`."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if text in get(url):
            return time.perf_counter() - start
        time.sleep(poll)
    return None


def insert_word(path: Path, field: str, word: str) -> None:
    """Write `path` again with `word` before the first word of its first `field:` value, as an editor saves:
    a new file beside it, renamed over it."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"(?m)^\s*{field}:\s*[|>]?[-+]?\s*['\"]?\[?", text)
    if match is None:
        raise SystemExit(f"no {field}: in {path}")
    new = text[: match.end()] + word + " " + text[match.end():]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(path)


def targets(project: Path) -> tuple[Path, str, Path, str]:
    """The mechanism to edit and its page URL path; a paper it cites and that page's URL path."""
    mechanisms = sorted((project / "content" / "mechanisms").glob("*.yaml"))
    for mechanism in mechanisms:
        cited = re.findall(r"@pmid:(\d+)", mechanism.read_text(encoding="utf-8"))
        papers = [project / "content" / "papers" / f"{pmid}.yaml" for pmid in cited]
        papers = [p for p in papers if p.is_file()]
        if papers:
            paper = papers[0]
            return mechanism, f"mechanisms/{mechanism.stem}/", paper, f"papers/{paper.stem}/"
    raise SystemExit(f"no mechanism in {project} cites a paper by PMID")


def site_path(project: Path) -> str:
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    match = re.search(r"(?m)^site_url:\s*(\S+)", config)
    path = re.sub(r"^https?://[^/]+", "", match.group(1)) if match else "/"
    return path if path.endswith("/") else path + "/"


def measure(size: str, out: Path, edits: int, engine: str) -> dict[str, Any]:
    project = prepare(size, out)
    papers = len(list((project / "content" / "papers").glob("*.yaml")))
    mechanism, mechanism_url, paper, paper_url = targets(project)
    port = free_port()
    base = f"http://127.0.0.1:{port}{site_path(project)}"
    print(f"[{size}] serving {project} ({papers} papers) on {base}", flush=True)
    started = time.monotonic()
    serve = Serve(project, port, engine)
    try:
        first = wait_for(base + mechanism_url, "</html>", timeout=3600, poll=0.5)
        if first is None:
            raise SystemExit(f"serve never served {mechanism_url}:\n" + "\n".join(line for _, line in serve.lines))
        result: dict[str, Any] = {"size": size, "papers": papers, "engine": engine,
                                  "first_build_s": round(time.monotonic() - started, 1)}
        for kind, path, url in (("mechanism", mechanism, mechanism_url), ("paper", paper, paper_url)):
            times, ours = [], []
            for i in range(edits):
                serve.quiet()
                word = f"Zqx{kind}{i}w{int(time.time() * 1000) % 100000}"
                since = time.monotonic()
                insert_word(path, "summary" if kind == "mechanism" else "title", word)
                took = wait_for(base + url, word, timeout=600)
                if took is None:
                    raise SystemExit(f"[{size}] {kind} edit {i + 1} never reached {url}")
                times.append(round(took, 2))
                serve.quiet()
                ours += serve.regenerations(since)[:1]
                print(f"[{size}] {kind} edit {i + 1}: {took:.2f} s", flush=True)
            result[kind] = {"times_s": times, "median_s": round(statistics.median(times), 2),
                            "ours_s": round(statistics.median(ours), 2) if ours else None}
        return result
    finally:
        serve.stop()
        (out / f"preview-{size}.log").write_text("\n".join(f"{t - started:9.3f} {line}" for t, line in serve.lines)
                                                + "\n", encoding="utf-8")


def table(results: list[dict[str, Any]], command: str) -> str:
    targets_s = {"real": 1.0, "1000": 2.0, "10000": 5.0}
    lines = [
        f"Command: `{command}`",
        "",
        "| site | papers | first build | edit a mechanism's summary: median (3 edits), regeneration | "
        "edit a paper's title: median (3 edits), regeneration | target |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        target = targets_s.get(r["size"])
        worst = max(r["mechanism"]["median_s"], r["paper"]["median_s"])
        mark = "" if target is None else f"≤ {target:.0f} s {'✅' if worst <= target else '❌'}"

        def cell(kind: str, r: dict[str, Any] = r) -> str:
            k = r[kind]
            times = ", ".join(f"{t:.2f}" for t in k["times_s"])
            ours = f"{k['ours_s']:.2f} s" if k["ours_s"] is not None else "–"
            return f"**{k['median_s']:.2f} s** ({times}); {ours}"

        name = "real site" if r["size"] == "real" else "synthetic"
        lines.append(f"| {name} | {r['papers']:,} | {r['first_build_s']:.0f} s | {cell('mechanism')} | {cell('paper')} "
                     f"| {mark} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["real", "100", "1000", "10000"])
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--engine", default="mkdocs")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--readme", action="store_true", help="write the table into bench/README.md")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    command = (f"cd {ROOT} && .venv/bin/python bench/preview.py " + " ".join(a for a in sys.argv[1:]
                                                                             if a != "--readme")).rstrip()
    results = [measure(size, args.out, args.edits, args.engine) for size in args.sizes]
    minutes = round((time.monotonic() - started) / 60)
    (args.out / "preview.json").write_text(json.dumps({"command": command, "minutes": minutes, "results": results},
                                                      indent=1), encoding="utf-8")
    load = os.getloadavg()[0]
    text = table(results, command) + f"\n\nThat took {minutes} minutes; load average {load:.1f} at the end."
    if args.readme:
        run.write_section(text, MARKERS)
    print(text)


if __name__ == "__main__":
    main()

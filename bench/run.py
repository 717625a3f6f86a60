"""Benchmark `reviewsite build` against the MkDocs floor at 100, 1,000 and 10,000 papers, then fetch.

    .venv/bin/python bench/run.py                      # everything; tables into bench/README.md
    .venv/bin/python bench/run.py --sizes 100 1000 --repeat 3 --no-fetch

Per size N: generate a synthetic project in bench/out/pN (bench/generate.py), `reviewsite check` it,
time our stages in-process (bench/stages.py, fresh interpreter), then alternately
- `reviewsite build` from clean (no build/, no site/), and
- the floor: `python -m mkdocs build --strict --quiet` over the docs folder that build just wrote,
  i.e. what MkDocs + Material cost without our loading, checking and rendering,
each in a fresh measuring process (bench/measure.py: wall time, peak RSS). Then sizes of what was
built. Results go to bench/out/results.json and between the markers in bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import fetchbench  # noqa: E402  (bench/ is not a package)
import generate  # noqa: E402

PY = sys.executable
BIN = Path(PY).parent
START, END = "<!-- results:start -->", "<!-- results:end -->"
TARGETS = {"ratio": 1.10, "rss_mb": 500, "page_kb": 25, "search_kb": 1.0}


def engine_env() -> dict[str, str]:
    """What `reviewsite build` gives MkDocs (reviewsite.build.engine_env), for both measurements."""
    env = dict(os.environ)
    env.update({"SOURCE_DATE_EPOCH": "315532800", "NO_MKDOCS_2_WARNING": "1", "TZ": "UTC", "PYTHONHASHSEED": "0"})
    return env


def measured(command: list[str], cwd: Path, log: Path) -> dict[str, Any]:
    out = subprocess.run([PY, str(BENCH / "measure.py"), "--log", str(log), "--", *command],
                         cwd=cwd, env=engine_env(), capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result['rc']}): see {log}")
    return result


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "scripts", "templates"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "mkdocs": metadata.version("mkdocs"),
        "mkdocs-material": metadata.version("mkdocs-material"),
        "reviewsite": metadata.version("reviewsite"),
        "commit": commit.strip() + (" + uncommitted changes" if dirty else ""),
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _sizes(files: list[Path]) -> list[int]:
    return [f.stat().st_size for f in files]


def output_sizes(root: Path, n: int) -> dict[str, Any]:
    """Bytes of the built site: per paper page, per kind of page, and of the search index."""
    site, docs = root / "site", root / "build" / "docs"
    papers = _sizes(list((site / "papers").glob("*/index.html")))
    topics = _sizes([p for kind in ("mechanisms", "strategies") for p in (site / kind).glob("*/index.html")])
    # The search index is Pagefind's bundle (reviewsite/search.py): readers fetch only the chunks a query
    # needs, so this is what the site stores, not what a page view downloads (bench/readers.py measures that).
    bundle = [f for f in (site / "pagefind").rglob("*") if f.is_file()]
    bundle_bytes = sum(f.stat().st_size for f in bundle)
    paper_entries = sum(f.stat().st_size for f in bundle if f.parent.name == "fragment")  # one per page
    return {
        "paper_pages": len(papers),
        "paper_html_mean_kb": round(statistics.mean(papers) / 1024, 1),
        "paper_html_max_kb": round(max(papers) / 1024, 1),
        "paper_md_mean_kb": round(statistics.mean(_sizes(list((docs / "papers").glob("*.md")))) / 1024, 1),
        "topic_html_max_kb": round(max(topics) / 1024, 1),
        "home_kb": round((site / "index.html").stat().st_size / 1024, 1),
        "literature_kb": round((site / "literature" / "index.html").stat().st_size / 1024, 1),
        "matrix_kb": round((site / "matrix" / "index.html").stat().st_size / 1024, 1),
        "search_index_mb": round(bundle_bytes / 2**20, 2),
        "search_per_paper_kb": round(bundle_bytes / n / 1024, 2),
        "search_paper_entries_per_paper_kb": round(paper_entries / n / 1024, 2),
        "site_mb": round(sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 2**20, 1),
        "site_files": sum(1 for f in site.rglob("*") if f.is_file()),
    }


def bench_size(n: int, out: Path, repeat: int) -> dict[str, Any]:
    root = out / f"p{n}"
    print(f"[{n}] generating {root}", flush=True)
    generate.generate(n, root)
    check = subprocess.run([str(BIN / "reviewsite"), "--project", str(root), "check"], capture_output=True, text=True)
    if check.returncode != 0:
        raise SystemExit(f"generated content for N={n} is invalid:\n{check.stderr[-3000:]}")
    print(f"[{n}] stages", flush=True)
    stages = json.loads(subprocess.run([PY, str(BENCH / "stages.py"), str(root)], capture_output=True, text=True,
                                       check=True).stdout.strip().splitlines()[-1])
    builds, floors = [], []
    for i in range(repeat):
        shutil.rmtree(root / "build", ignore_errors=True)
        shutil.rmtree(root / "site", ignore_errors=True)
        print(f"[{n}] reviewsite build ({i + 1}/{repeat})", flush=True)
        builds.append(measured([str(BIN / "reviewsite"), "--project", str(root), "build"], root, out / f"build{n}.log"))
        shutil.rmtree(root / "site")
        print(f"[{n}] floor: mkdocs build ({i + 1}/{repeat})", flush=True)
        floor = [PY, "-m", "mkdocs", "build", "--strict", "--quiet", "--config-file", str(root / "mkdocs.yml"),
                 "--site-dir", str(root / "site")]
        floors.append(measured(floor, root, out / f"floor{n}.log"))

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 2)

    result = {
        "n": n,
        "repeat": repeat,
        "build_s": median(builds, "wall_s"),
        "floor_s": median(floors, "wall_s"),
        "build_rss_mb": max(r["tree_rss_mb"] for r in builds),
        "build_maxrss_mb": max(r["max_rss_mb"] for r in builds),
        "floor_rss_mb": max(r["tree_rss_mb"] for r in floors),
        "floor_maxrss_mb": max(r["max_rss_mb"] for r in floors),
        "builds": builds,
        "floors": floors,
        "stages": stages,
        **output_sizes(root, n),
    }
    result["ratio"] = round(result["build_s"] / result["floor_s"], 3)
    print(f"[{n}] {json.dumps({k: v for k, v in result.items() if k not in ('builds', 'floors')})}", flush=True)
    return result


# ------------------------------------------------------------------------------------------ report


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def tables(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Measured {m['date']} on {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB RAM; Python {m['python']}, "
        f"mkdocs {m['mkdocs']}, mkdocs-material {m['mkdocs-material']}, reviewsite {m['reviewsite']} "
        f"(commit {m['commit']}).",
        "",
        f"Command: `{results['command']}`",
        "",
        "### Build",
        "",
        "| papers | `reviewsite build` | floor (`mkdocs build`) | ratio | peak RSS, build (tree / largest process) "
        "| peak RSS, floor | paper page (mean / max) | search index per paper (all / paper entries) "
        "| biggest mechanism or strategy page | literature page | home | matrix |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["sizes"]:
        lines.append(
            f"| {r['n']:,} | {r['build_s']:.1f} s | {r['floor_s']:.1f} s | {r['ratio']:.2f} "
            f"| {r['build_rss_mb']:.0f} / {r['build_maxrss_mb']:.0f} MB | {r['floor_rss_mb']:.0f} MB "
            f"| {r['paper_html_mean_kb']:.1f} / {r['paper_html_max_kb']:.1f} KB "
            f"| {r['search_per_paper_kb']:.2f} / {r['search_paper_entries_per_paper_kb']:.2f} KB "
            f"| {r['topic_html_max_kb']:.0f} KB | {r['literature_kb']:,.0f} KB | {r['home_kb']:.0f} KB "
            f"| {r['matrix_kb']:.0f} KB |"
        )
    lines += [
        "",
        "### Our stages (in-process, one run)",
        "",
        "| papers | load | check | render: page views | render: templates | exports + feed | write | total "
        "| per paper |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["sizes"]:
        s = r["stages"]
        lines.append(
            f"| {r['n']:,} | {s['load']:.2f} s | {s['check']:.2f} s | {s['pages']:.2f} s | {s['templates']:.2f} s "
            f"| {s['exports']:.2f} s | {s['write']:.2f} s | {s['total']:.2f} s | {s['total'] / r['n'] * 1000:.1f} ms |"
        )
    if results.get("fetch"):
        lines += [
            "",
            "### Fetch (local E-utilities look-alike, 3 requests/s enforced with 429)",
            "",
            "| linked papers | wall time | requests (elink + efetch) | 429 answers | target ceil(N/200)+5 "
            "| files created |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for f in results["fetch"]:
            lines.append(
                f"| {f['n']:,} | {f['wall_s']:.1f} s | {f['requests']} ({f['elink']} + {f['efetch']}) "
                f"| {f['rejected_429']} | {f['target_requests']} {_mark(f['requests'] <= f['target_requests'])} "
                f"| {f['files_created']:,} |"
            )
    big = max(results["sizes"], key=lambda r: r["n"]) if results["sizes"] else None
    if big:
        peak = max(big["build_rss_mb"], big["build_maxrss_mb"])  # the tree is sampled: a short peak can fall between
        lines += [
            "",
            f"### Targets at {big['n']:,} papers",
            "",
            "| target | measured | |",
            "|---|---:|---|",
            f"| build ≤ {TARGETS['ratio']:.2f} × floor | {big['ratio']:.2f} × "
            f"| {_mark(big['ratio'] <= TARGETS['ratio'])} |",
            f"| peak memory ≤ {TARGETS['rss_mb']} MB (process tree; the largest process if higher) | {peak:.0f} MB "
            f"| {_mark(peak <= TARGETS['rss_mb'])} |",
            f"| paper page ≤ {TARGETS['page_kb']} KB | {big['paper_html_max_kb']:.1f} KB (max) "
            f"| {_mark(big['paper_html_max_kb'] <= TARGETS['page_kb'])} |",
            f"| search index ≤ {TARGETS['search_kb']:.0f} KB per paper | {big['search_per_paper_kb']:.2f} KB "
            f"| {_mark(big['search_per_paper_kb'] <= TARGETS['search_kb'])} |",
        ]
    return "\n".join(lines)


def write_readme(results: dict[str, Any]) -> None:
    readme = BENCH / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    readme.write_text(f"{head}{START}\n{tables(results)}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--fetch-sizes", nargs="*", type=int, default=None, help="default: --sizes")
    parser.add_argument("--repeat", type=int, default=3, help="builds per size up to 1,000 papers (median)")
    parser.add_argument("--repeat-large", type=int, default=1, help="builds per size above 1,000 papers")
    parser.add_argument("--no-fetch", action="store_true")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite bench/README.md")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--report-only", action="store_true", help="rewrite the tables from out/results.json")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        write_readme(json.loads((args.out / "results.json").read_text(encoding="utf-8")))
        return
    results: dict[str, Any] = {
        "machine": machine(),
        "command": "cd /work/main && .venv/bin/python bench/run.py " + " ".join(sys.argv[1:]),
        "sizes": [],
        "fetch": [],
    }
    results["command"] = results["command"].replace("cd /work/main", f"cd {ROOT}").rstrip()
    for n in args.sizes:
        results["sizes"].append(bench_size(n, args.out, args.repeat if n <= 1000 else args.repeat_large))
        (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    if not args.no_fetch:
        for n in args.fetch_sizes if args.fetch_sizes is not None else args.sizes:
            print(f"[fetch {n}]", flush=True)
            results["fetch"].append(fetchbench.run(n, args.out))
            print(json.dumps(results["fetch"][-1]), flush=True)
            (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    if not args.no_readme:
        write_readme(results)
    print(tables(results))


if __name__ == "__main__":
    main()

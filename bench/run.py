"""Benchmark `reviewsite build` against the engine floor at 100, 1,000 and 10,000 papers, the live preview,
readers' bytes and search, and fetch; write the tables into bench/README.md.

    .venv/bin/python bench/run.py                      # everything (about 40 minutes on 2 quiet cores)
    .venv/bin/python bench/run.py --sizes 100 1000 --repeat 3 --no-fetch --no-preview --no-readers

Per size N: generate a synthetic project in bench/out/pN (bench/generate.py), `reviewsite check` it, time
our stages in-process (bench/stages.py, fresh interpreter), then `--repeat` times, each in a fresh
measuring process (bench/measure.py: wall time, peak memory of the process tree):
- `reviewsite build`, cold: no build/, site/ or build cache (bench/out/cache, REVIEWSITE_CACHE_HOME);
- `reviewsite build`, cached: no build/ or site/, the build cache of the cold build kept;
- the floor over the docs folder that build just wrote: the engine's own command (the one reviewsite
  runs, engine.build_args) and then Pagefind's (search.pagefind_args), each alone: what the engine and
  the search indexer cost without our loading, checking and rendering.
Then sizes of what was built. Then bench/preview.py (edit to served page), bench/readers.py (the other
section's tables, if present) and bench/fetchbench.py. Results go to bench/out/results.json.
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
import time
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
RESULTS = ("<!-- results:start -->", "<!-- results:end -->")
TARGETS = {"ratio": 1.10, "rss_mb": 500}
CACHE = BENCH / "out" / "cache"
"""The build cache's home for every measured command (REVIEWSITE_CACHE_HOME), so a cold build can clear it."""


def engine_env() -> dict[str, str]:
    """What `reviewsite build` gives the engine (reviewsite.engines.base.engine_env), for every measurement."""
    env = dict(os.environ)
    env.update({"SOURCE_DATE_EPOCH": "315532800", "NO_MKDOCS_2_WARNING": "1", "TZ": "UTC", "PYTHONHASHSEED": "0",
                "REVIEWSITE_CACHE_HOME": str(CACHE)})
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
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def _sizes(files: list[Path]) -> list[int]:
    return [f.stat().st_size for f in files]


def output_sizes(root: Path) -> dict[str, Any]:
    """What was built: files and bytes of the site, paper pages, the biggest pages."""
    site, docs = root / "site", root / "build" / "docs"
    papers = _sizes(list((site / "papers").glob("*/index.html")))
    files = [f for f in site.rglob("*") if f.is_file()]
    return {
        "paper_html_mean_kb": round(statistics.mean(papers) / 1024, 1),
        "paper_html_max_kb": round(max(papers) / 1024, 1),
        "docs_files": sum(1 for f in docs.rglob("*") if f.is_file()),
        "site_files": len(files),
        "site_mb": round(sum(f.stat().st_size for f in files) / 2**20, 1),
    }


def floor_commands(root: Path) -> tuple[list[str], list[str]]:
    """The engine's build command and Pagefind's, exactly as `reviewsite build` runs them, into site/."""
    from reviewsite import search
    from reviewsite.config import find_project
    from reviewsite.engines import get_engine

    project = find_project(root)
    engine = get_engine(project.settings.engine)
    site = project.site_dir
    return engine.build_args(project, site), search.pagefind_args(site, engine)


def _clean(root: Path, *names: str) -> None:
    """Remove output folders, flush what earlier commands wrote, then wait until creating files is fast again:
    right after tens of thousands of files are deleted, creating one took 7 times longer here for a few
    seconds (ext4 mounted with `discard`), and a build's 400 MB still being written back slowed the next
    command by up to 15 s: either would charge the next measurement for this one's clean-up."""
    for name in names:
        shutil.rmtree(root / name, ignore_errors=True)
    os.sync()  # the last command's writes reach the disk now, not while the next one is being timed
    probe = root / ".bench-probe"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        probe.mkdir(exist_ok=True)
        start = time.perf_counter()
        for i in range(200):
            (probe / f"{i}.tmp").write_bytes(b"x" * 8192)
        per_file = (time.perf_counter() - start) / 200
        shutil.rmtree(probe)
        if per_file < 0.00015:
            return
        time.sleep(1)


def bench_size(n: int, out: Path, repeat: int) -> dict[str, Any]:
    root = out / f"p{n}"
    print(f"[{n}] generating {root}", flush=True)
    generate.generate(n, root)
    check = subprocess.run([str(BIN / "reviewsite"), "--project", str(root), "check"], capture_output=True, text=True)
    if check.returncode != 0:
        raise SystemExit(f"generated content for N={n} is invalid:\n{check.stderr[-3000:]}")
    print(f"[{n}] stages", flush=True)
    stages = json.loads(subprocess.run([PY, str(BENCH / "stages.py"), str(root)], capture_output=True, text=True,
                                       env=engine_env(), check=True).stdout.strip().splitlines()[-1])
    build = [str(BIN / "reviewsite"), "--project", str(root), "build"]
    runs: dict[str, list[dict[str, Any]]] = {"cold": [], "cached": [], "engine": [], "pagefind": []}
    for i in range(repeat):
        shutil.rmtree(CACHE, ignore_errors=True)
        _clean(root, "build", "site")
        print(f"[{n}] reviewsite build, cold ({i + 1}/{repeat})", flush=True)
        runs["cold"].append(measured(build, root, out / f"build{n}.log"))
        _clean(root, "build", "site")
        print(f"[{n}] reviewsite build, with the build cache ({i + 1}/{repeat})", flush=True)
        runs["cached"].append(measured(build, root, out / f"build{n}-cached.log"))
        sizes = output_sizes(root)
        _clean(root, "site")
        engine, pagefind = floor_commands(root)
        print(f"[{n}] floor: the engine, then Pagefind ({i + 1}/{repeat})", flush=True)
        runs["engine"].append(measured(engine, root, out / f"floor{n}.log"))
        runs["pagefind"].append(measured(pagefind, root, out / f"pagefind{n}.log"))

    def median(kind: str, key: str = "wall_s") -> float:
        return round(statistics.median(r[key] for r in runs[kind]), 2)

    def peak(kind: str, key: str) -> float:
        return max(r[key] for r in runs[kind])

    result: dict[str, Any] = {"n": n, "repeat": repeat, "runs": runs, "stages": stages, **sizes}
    for kind in runs:
        result[f"{kind}_s"] = median(kind)
        result[f"{kind}_pss_mb"] = peak(kind, "tree_pss_mb")
        result[f"{kind}_rss_mb"] = peak(kind, "tree_rss_mb")
        result[f"{kind}_maxrss_mb"] = peak(kind, "max_rss_mb")
    result["floor_s"] = round(result["engine_s"] + result["pagefind_s"], 2)
    for kind in ("cold", "cached"):
        result[f"ratio_{kind}"] = round(result[f"{kind}_s"] / result["floor_s"], 3)
        result[f"ratio_{kind}_engine"] = round(result[f"{kind}_s"] / result["engine_s"], 3)
    print(f"[{n}] " + json.dumps({k: v for k, v in result.items() if k not in ("runs", "stages")}), flush=True)
    return result


# ------------------------------------------------------------------------------------------ report


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def _memory(r: dict[str, Any], kind: str) -> str:
    return f"{r[kind + '_pss_mb']:.0f} / {r[kind + '_rss_mb']:.0f} / {r[kind + '_maxrss_mb']:.0f} MB"


def build_tables(results: dict[str, Any]) -> list[str]:
    lines = [
        "### Build",
        "",
        "Floor = the engine's own build command plus Pagefind's, each run alone over the docs folder the build "
        "wrote. Ratio = `reviewsite build` / floor (in brackets: / the engine alone). Memory = peak of the whole "
        "process tree, sampled every 50 ms: proportional (PSS, shared pages once) / resident (RSS summed, "
        "shared pages counted in each process) / largest single process.",
        "",
        "| papers | `reviewsite build` cold | ratio | with build cache | ratio | floor: engine + Pagefind "
        "| memory, build cold (PSS / RSS sum / largest) | memory, cached | memory, engine | files in site "
        "| paper page (mean / max) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["sizes"]:
        lines.append(
            f"| {r['n']:,} | {r['cold_s']:.1f} s | {r['ratio_cold']:.2f} ({r['ratio_cold_engine']:.2f}) "
            f"| {r['cached_s']:.1f} s | {r['ratio_cached']:.2f} ({r['ratio_cached_engine']:.2f}) "
            f"| {r['floor_s']:.1f} s = {r['engine_s']:.1f} + {r['pagefind_s']:.1f} s "
            f"| {_memory(r, 'cold')} | {_memory(r, 'cached')} | {_memory(r, 'engine')} "
            f"| {r['site_files']:,} ({r['site_mb']:.0f} MB) | {r['paper_html_mean_kb']:.1f} / "
            f"{r['paper_html_max_kb']:.1f} KB |"
        )
    lines += [
        "",
        "### Our stages (in-process, one core, one run)",
        "",
        "| papers | load: cold / from cache | check | index | views | templates | data files | write "
        "| total: cold / cached | per paper |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["sizes"]:
        s = r["stages"]
        lines.append(
            f"| {r['n']:,} | {s['load']:.2f} / {s['load_cached']:.2f} s | {s['check']:.2f} s | {s['index']:.2f} s "
            f"| {s['views']:.2f} s | {s['templates']:.2f} s | {s['data']:.2f} s | {s['write']:.2f} s "
            f"| {s['total']:.2f} / {s['total_cached']:.2f} s | {s['total'] / r['n'] * 1000:.2f} ms |"
        )
    return lines


def fetch_table(results: dict[str, Any]) -> list[str]:
    if not results.get("fetch"):
        return []
    lines = [
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
    return lines


def target_table(results: dict[str, Any]) -> list[str]:
    big = max(results["sizes"], key=lambda r: r["n"]) if results["sizes"] else None
    if big is None:
        return []
    lines = [
        "",
        f"### Build targets at {big['n']:,} papers",
        "",
        "| target | cold | with build cache |",
        "|---|---:|---:|",
        f"| `reviewsite build` ≤ {TARGETS['ratio']:.2f} × floor (engine + Pagefind) | {big['ratio_cold']:.2f} × "
        f"{_mark(big['ratio_cold'] <= TARGETS['ratio'])} | {big['ratio_cached']:.2f} × "
        f"{_mark(big['ratio_cached'] <= TARGETS['ratio'])} |",
    ]
    memory = [f"{big[k + '_pss_mb']:.0f} MB {_mark(big[k + '_pss_mb'] <= TARGETS['rss_mb'])} "
              f"({big[k + '_rss_mb']:.0f} MB)" for k in ("cold", "cached")]
    lines.append(f"| peak memory of the process tree ≤ {TARGETS['rss_mb']} MB: PSS (RSS summed) "
                 f"| {memory[0]} | {memory[1]} |")
    return lines


def tables(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Measured {m['date']} on {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB RAM, load average "
        f"{m.get('load', '?')} at the start; Python {m['python']}, mkdocs {m['mkdocs']}, mkdocs-material "
        f"{m['mkdocs-material']}, reviewsite {m['reviewsite']} (commit {m['commit']}).",
        "",
        f"Command: `{results['command']}` ({results.get('minutes', '?')} minutes)",
        "",
        *build_tables(results),
        *fetch_table(results),
        *target_table(results),
    ]
    return "\n".join(lines)


def write_section(text: str, markers: tuple[str, str]) -> None:
    readme = BENCH / "README.md"
    current = readme.read_text(encoding="utf-8")
    start, end = markers
    if start not in current:
        current += f"\n{start}\n{end}\n"
    head, _, rest = current.partition(start)
    _, _, tail = rest.partition(end)
    readme.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="builds per size up to 1,000 papers (median)")
    parser.add_argument("--repeat-large", type=int, default=1, help="builds per size above 1,000 papers")
    parser.add_argument("--no-preview", action="store_true", help="skip bench/preview.py")
    parser.add_argument("--no-readers", action="store_true", help="skip bench/readers.py")
    parser.add_argument("--no-fetch", action="store_true")
    parser.add_argument("--fetch-sizes", nargs="*", type=int, default=None, help="default: --sizes")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite bench/README.md")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--report-only", action="store_true", help="rewrite the tables from out/results.json")
    args = parser.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        write_section(tables(json.loads((args.out / "results.json").read_text(encoding="utf-8"))), RESULTS)
        return
    started = time.monotonic()
    results: dict[str, Any] = {
        "machine": machine(),
        "command": f"cd {ROOT} && .venv/bin/python bench/run.py " + " ".join(sys.argv[1:]),
        "sizes": [],
        "fetch": [],
    }
    results["command"] = results["command"].rstrip()

    def save() -> None:
        results["minutes"] = round((time.monotonic() - started) / 60)
        (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")

    for n in args.sizes:
        results["sizes"].append(bench_size(n, args.out, args.repeat if n <= 1000 else args.repeat_large))
        save()
    if not args.no_preview:
        sizes = ["real", *(str(n) for n in args.sizes)]
        subprocess.run([PY, str(BENCH / "preview.py"), "--sizes", *sizes, *([] if args.no_readme else ["--readme"])],
                       check=True)
    if not args.no_readers and (BENCH / "readers.py").is_file():
        sizes = ["real", *(str(n) for n in args.sizes if n >= 1000)]
        subprocess.run([PY, str(BENCH / "readers.py"), "--sizes", *sizes, *([] if args.no_readme else ["--readme"])],
                       check=True)
    if not args.no_fetch:
        for n in args.fetch_sizes if args.fetch_sizes is not None else args.sizes:
            print(f"[fetch {n}]", flush=True)
            results["fetch"].append(fetchbench.run(n, args.out))
            print(json.dumps(results["fetch"][-1]), flush=True)
            save()
    save()
    if not args.no_readme:
        write_section(tables(results), RESULTS)
    print(tables(results))


if __name__ == "__main__":
    main()

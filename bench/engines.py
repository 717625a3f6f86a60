"""How the three engines compare on one synthetic site: `reviewsite build --engine E` and the engine's own
command alone (its floor), wall time and peak memory of the process tree, median of `--repeat` runs.

    .venv/bin/python bench/engines.py                  # 1,000 papers, 2 runs each; rewrites the table in README
    .venv/bin/python bench/engines.py --papers 100 --repeat 1 --no-readme

Each build starts cold (no build/, site/ or build cache), in a fresh measuring process (bench/measure.py).
The project is bench/out/p{N} (made by bench/generate.py if missing), so this can follow bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import generate  # noqa: E402  (bench/ is not a package)
import run  # noqa: E402

ENGINES = ("mkdocs", "properdocs", "zensical")
MARKERS = ("<!-- engines:start -->", "<!-- engines:end -->")


def floor_command(root: Path, name: str) -> list[str]:
    """The engine's build command exactly as `reviewsite build --engine NAME` runs it, into site/."""
    from reviewsite.config import find_project
    from reviewsite.engines import get_engine

    project = find_project(root)
    return get_engine(name).build_args(project, project.site_dir)


def bench_engine(root: Path, out: Path, name: str, repeat: int) -> dict[str, Any]:
    build = [str(run.BIN / "reviewsite"), "--project", str(root), "build", "--engine", name]
    builds, floors = [], []
    for i in range(repeat):
        shutil.rmtree(run.CACHE, ignore_errors=True)
        run._clean(root, "build", "site")
        print(f"[{name}] reviewsite build ({i + 1}/{repeat})", flush=True)
        builds.append(run.measured(build, root, out / f"engine-{name}.log"))
        run._clean(root, "site")
        print(f"[{name}] the engine alone ({i + 1}/{repeat})", flush=True)
        floors.append(run.measured(floor_command(root, name), root, out / f"engine-{name}-floor.log"))
    return {
        "engine": name,
        "build_s": round(statistics.median(r["wall_s"] for r in builds), 1),
        "build_rss_mb": max(r["tree_rss_mb"] for r in builds),
        "floor_s": round(statistics.median(r["wall_s"] for r in floors), 1),
        "floor_rss_mb": max(r["tree_rss_mb"] for r in floors),
        "floor_maxrss_mb": max(r["max_rss_mb"] for r in floors),
    }


def table(n: int, rows: list[dict[str, Any]], command: str, commit: str) -> str:
    base = next(r for r in rows if r["engine"] == "mkdocs")
    lines = [f"Command: `{command}` (commit {commit}; {n:,} papers, cold builds, median wall time, peak summed RSS"
             " of the process tree)", "",
             "| engine | `reviewsite build` | peak memory | engine alone | engine's peak memory"
             " (tree / largest process) | engine time vs MkDocs | engine memory vs MkDocs |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['engine']} | {r['build_s']} s | {r['build_rss_mb']:.0f} MB | {r['floor_s']} s | "
                     f"{r['floor_rss_mb']:.0f} / {r['floor_maxrss_mb']:.0f} MB | "
                     f"{r['floor_s'] / base['floor_s']:.2f}x | {r['floor_rss_mb'] / base['floor_rss_mb']:.2f}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--engines", nargs="*", default=list(ENGINES))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    out = BENCH / "out"
    out.mkdir(parents=True, exist_ok=True)
    root = out / f"p{args.papers}"
    if not (root / "mkdocs.yml").is_file():
        generate.generate(args.papers, root)
    rows = [bench_engine(root, out, name, args.repeat) for name in args.engines]
    (out / "engines.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=run.ROOT, capture_output=True,
                            text=True).stdout.strip()
    text = table(args.papers, rows, f".venv/bin/python bench/engines.py {' '.join(sys.argv[1:])}".strip(), commit)
    print(text)
    if not args.no_readme:
        run.write_section(text, MARKERS)


if __name__ == "__main__":
    main()

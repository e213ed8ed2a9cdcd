"""svclint never imports the scanned repository's code in place of its own.

A scanned repository may contain packages named like svclint's source folder (`analyzer/`) or like
its dependencies (`click/`, `yaml/`, `libcst/`, `networkx/`, `pathspec/`), each of which would run
code the moment Python imported it. `python -m svclint` puts the current directory on `sys.path`,
and `PYTHONPATH=.` puts the scanned directory there: both cases are run here for real, as
subprocesses, and no package of the repository may be imported."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from svclint._entry import sanitize_path

SHADOWED = ("analyzer", "rules", "click", "yaml", "libcst", "networkx", "pathspec", "jsonschema", "tomli")
CONSOLE = Path(sys.executable).with_name("svclint")


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for name in SHADOWED:
        pkg = repo / name
        pkg.mkdir(parents=True)
        # importing the package writes a marker next to the repository, then breaks the import
        (pkg / "__init__.py").write_text(
            "import pathlib\n"
            f"pathlib.Path(__file__).resolve().parents[2].joinpath('IMPORTED-{name}').write_text('x')\n"
            "raise SystemExit('the scanned repository was imported')\n")
    svc = repo / "orders"
    svc.mkdir()
    (svc / "app.py").write_text("import requests\n\n\ndef f():\n    return requests.get('http://payments/pay')\n")
    return repo


def _markers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.glob("IMPORTED-*"))


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env.update(extra)
    return env


def _check(proc: subprocess.CompletedProcess, tmp_path: Path) -> None:
    assert _markers(tmp_path) == [], proc.stderr[-2000:]
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert any(f["rule"] == "RES001" for f in report["findings"])     # the scan really read the repository


def test_the_control_a_plain_python_run_there_would_import_them(tmp_path: Path) -> None:
    """Without svclint's guard, Python imports the repository's click (so the tests below can fail)."""
    repo = _repo(tmp_path)
    proc = subprocess.run([sys.executable, "-c", "import click"], cwd=repo, env=_env(), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0 and _markers(tmp_path) == ["IMPORTED-click"]


def test_python_dash_m_inside_the_repository(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "svclint", "scan", ".", "--format", "json", "--no-cache"],
                          cwd=repo, env=_env(), capture_output=True, text=True, timeout=300)
    _check(proc, tmp_path)


def test_pythonpath_dot_with_the_console_script(tmp_path: Path) -> None:
    assert CONSOLE.exists(), f"the console script is not installed next to {sys.executable}"
    repo = _repo(tmp_path)
    proc = subprocess.run([str(CONSOLE), "scan", ".", "--format", "json", "--no-cache"], cwd=repo,
                          env=_env(PYTHONPATH="."), capture_output=True, text=True, timeout=300)
    _check(proc, tmp_path)


def test_pythonpath_naming_the_scanned_directory_from_elsewhere(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, "-m", "svclint", "scan", str(repo), "--format", "json", "--no-cache"],
                          cwd=elsewhere, env=_env(PYTHONPATH=str(repo)), capture_output=True, text=True,
                          timeout=300)
    _check(proc, tmp_path)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="python -P is new in 3.11")
def test_a_folder_named_svclint_needs_python_dash_capital_p(tmp_path: Path) -> None:
    """The documented limit: Python itself imports `svclint/` of the current directory under
    `python -m svclint`, before any svclint code runs; `python -P` (or the console script) avoids it."""
    repo = _repo(tmp_path)
    (repo / "svclint").mkdir()
    (repo / "svclint" / "__init__.py").write_text(
        "import pathlib\npathlib.Path(__file__).resolve().parents[2].joinpath('IMPORTED-svclint').write_text('x')\n")
    proc = subprocess.run([sys.executable, "-P", "-m", "svclint", "scan", ".", "--format", "json", "--no-cache"],
                          cwd=repo, env=_env(), capture_output=True, text=True, timeout=300)
    _check(proc, tmp_path)
    proc = subprocess.run([str(CONSOLE), "scan", ".", "--format", "json", "--no-cache"], cwd=repo, env=_env(),
                          capture_output=True, text=True, timeout=300)
    _check(proc, tmp_path)


def test_sanitize_keeps_the_interpreter_s_own_libraries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A virtualenv inside the scanned repository keeps its site-packages; the repository's folders go."""
    repo = tmp_path / "repo"
    (repo / "lib").mkdir(parents=True)
    site = os.path.realpath(sys.prefix)
    monkeypatch.chdir(repo)
    monkeypatch.setattr(sys, "path", ["", str(repo), str(repo / "lib"), site, "/usr/lib/python3"])
    dropped = sanitize_path(["scan", str(repo)])
    assert dropped == ["", str(repo), str(repo / "lib")]
    assert sys.path == [site, "/usr/lib/python3"]

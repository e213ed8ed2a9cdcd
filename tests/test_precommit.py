"""The real `pre-commit try-repo` runs this repository's hooks on a temporary git repository.

pre-commit builds its own environment with svclint installed from this repository, runs the hook from
the repository root with the staged files as arguments, and the commit is refused on a bad change and
accepted on a good one. pre-commit is in the test extra: missing is a failure, never a skip.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent

COMPOSE = "services:\n  api:\n    build: ./api\n    healthcheck:\n      test: [CMD, curl, -f, http://localhost:8000/health]\n"
GOOD = ("import requests\nfrom flask import Flask\nfrom prometheus_flask_exporter import PrometheusMetrics\n\n"
        "app = Flask(__name__)\nPrometheusMetrics(app)\n\n\n@app.get('/health')\n"
        "def health():\n    return 'ok'\n\n\ndef fetch():\n    return requests.get('http://example.org/x', timeout=3)\n")
BAD = GOOD.replace(", timeout=3)", ")")
OTHER_BAD = "import requests\n\n\ndef g():\n    return requests.get('http://example.org/y')\n"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _try_repo(repo: Path, hook: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT), hook, "--verbose"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=600)


def test_hook_definitions() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"svclint", "svclint-diff"}
    assert hooks["svclint"]["entry"] == "svclint scan ." and hooks["svclint"]["pass_filenames"] is True
    assert hooks["svclint-diff"]["entry"] == "svclint diff ." and hooks["svclint-diff"]["pass_filenames"] is False
    import re
    pattern = re.compile(hooks["svclint"]["files"])
    for path in ("a/app.py", "k8s/x.yaml", "docker-compose.yml", "svc/Dockerfile", "svc/.env", "pyproject.toml"):
        assert pattern.search(path), path
    assert not pattern.search("README.md")


def test_pre_commit_try_repo_scan_and_diff_hooks_fail_on_bad_changes_and_pass_on_good_ones(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    env.pop("PRE_COMMIT", None)
    # pre-commit builds the hook's own virtualenv and pip-installs this repository into it; letting that
    # virtualenv see the interpreter's site-packages (where CI installed the dependencies) saves
    # downloading them again; pip still installs whatever is missing
    env["VIRTUALENV_SYSTEM_SITE_PACKAGES"] = "1"
    for name in ("api", "worker"):
        (repo / name).mkdir(parents=True)
        (repo / name / "app.py").write_text(GOOD)
    # an old finding in another service: a change to api is not blamed for it
    (repo / "worker" / "legacy.py").write_text(OTHER_BAD)
    (repo / "docker-compose.yml").write_text(COMPOSE + COMPOSE.replace("services:\n", "").replace("api", "worker"))
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    subprocess.run(["git", "commit", "-qm", "start"], cwd=repo, env=env, check=True, capture_output=True)

    # a bad change: the staged file loses its timeout
    (repo / "api" / "app.py").write_text(BAD)
    _git(repo, "add", "-A")
    bad = _try_repo(repo, "svclint", env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "RES001" in bad.stdout and "api/app.py" in bad.stdout
    assert "worker/legacy.py" not in bad.stdout

    # a good change passes, although the whole repository (worker) still has a finding
    (repo / "api" / "app.py").write_text(GOOD.replace("timeout=3", "timeout=5"))
    _git(repo, "add", "-A")
    good = _try_repo(repo, "svclint", env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    whole = subprocess.run([sys.executable, "-m", "svclint", "scan", "."], cwd=repo, capture_output=True, text=True)
    assert whole.returncode == 1 and "worker/legacy.py" in whole.stdout

    # the contract-drift hook (same installed environment): api starts calling worker, which its
    # contract does not declare -> refused; declared -> accepted
    (repo / "worker" / "legacy.py").write_text(OTHER_BAD.replace("/y')", "/y', timeout=3)"))
    (repo / "api" / "service.yaml").write_text("service:\n  name: api\ndependencies: []\n")
    (repo / "worker" / "service.yaml").write_text("service:\n  name: worker\ndependencies: []\n")
    _git(repo, "add", "-A")
    clean = _try_repo(repo, "svclint-diff", env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (repo / "api" / "app.py").write_text(GOOD + "\n\ndef worker():\n    return requests.get('http://worker:8000/x', timeout=2)\n")
    _git(repo, "add", "-A")
    drift = _try_repo(repo, "svclint-diff", env)
    assert drift.returncode == 1 and "worker" in drift.stdout, drift.stdout + drift.stderr
    (repo / "api" / "service.yaml").write_text("service:\n  name: api\ndependencies:\n"
                                               "  - {name: worker, type: sync, criticality: hard}\n")
    _git(repo, "add", "-A")
    declared = _try_repo(repo, "svclint-diff", env)
    assert declared.returncode == 0, declared.stdout + declared.stderr

"""A hostile repository cannot make svclint write outside it, or hang it with a FIFO.

Each test builds the hostile tree itself: a committed symlink (or a FIFO) where svclint writes or
reads, and a file outside the repository that must stay untouched."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHOP

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="POSIX links and FIFOs")

PRECIOUS = "precious: written by the user, never by svclint\n"


def _svclint(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "svclint", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    dst = tmp_path / "repo"
    shutil.copytree(SHOP, dst, ignore=shutil.ignore_patterns(".svclint_cache"))
    return dst


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    target = tmp_path / "outside" / "victim.txt"
    target.parent.mkdir()
    target.write_text(PRECIOUS)
    return target


def _untouched(target: Path) -> bool:
    return target.read_text() == PRECIOUS


def test_output_to_a_committed_symlink_is_refused(repo: Path, outside: Path) -> None:
    (repo / "report.sarif").symlink_to(outside)
    r = _svclint("scan", str(repo), "--format", "sarif", "-o", str(repo / "report.sarif"))
    assert r.returncode == 2 and "symbolic link" in r.stderr and "Traceback" not in r.stderr
    assert _untouched(outside) and (repo / "report.sarif").is_symlink()


def test_output_through_a_symlinked_folder_of_the_repository_is_refused(repo: Path, outside: Path) -> None:
    (repo / "out").symlink_to(outside.parent, target_is_directory=True)
    r = _svclint("graph", str(repo), "--format", "json", "-o", str(repo / "out" / "victim.txt"))
    assert r.returncode == 2 and "symbolic link" in r.stderr
    assert _untouched(outside)


def test_output_into_a_fifo_neither_hangs_nor_writes(repo: Path) -> None:
    os.mkfifo(repo / "report.json")
    r = _svclint("scan", str(repo), "--format", "json", "-o", str(repo / "report.json"), timeout=60)
    assert r.returncode == 2 and "FIFO" in r.stderr


def test_output_to_a_plain_file_still_works_and_is_whole(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    r = _svclint("scan", str(repo), "--format", "json", "-o", str(target))
    assert r.returncode in (0, 1) and target.read_text().lstrip().startswith("{")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".svclint-")]   # no temporary left


def test_contract_infer_write_does_not_follow_a_symlinked_service_yaml(repo: Path, outside: Path) -> None:
    target = repo / "services" / "orders" / "service.yaml"
    target.unlink()
    target.symlink_to(outside)
    r = _svclint("contract", "infer", str(repo), "--write")
    assert r.returncode == 2 and "symbolic link" in r.stderr and "Traceback" not in r.stderr
    assert _untouched(outside)


def test_contract_infer_does_not_hang_on_a_fifo_named_service_yaml(repo: Path) -> None:
    target = repo / "services" / "orders" / "service.yaml"
    target.unlink()
    os.mkfifo(target)
    r = _svclint("contract", "infer", str(repo), "--write", timeout=60)
    assert r.returncode == 2 and "FIFO" in r.stderr and "Traceback" not in r.stderr


def test_init_does_not_append_to_the_file_a_symlinked_pyproject_points_at(tmp_path: Path, outside: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    (repo / "pyproject.toml").symlink_to(outside)
    r = _svclint("init", str(repo))
    assert r.returncode == 2 and "symbolic link" in r.stderr
    assert _untouched(outside)


def test_init_does_not_write_through_a_dangling_symlink(tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    (repo / ".pre-commit-config.yaml").symlink_to(tmp_path / "created-by-svclint.yaml")
    r = _svclint("init", str(repo))
    assert r.returncode == 2 and not (tmp_path / "created-by-svclint.yaml").exists()


def test_init_through_a_symlinked_github_folder_is_refused(tmp_path: Path, outside: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    (repo / ".github").symlink_to(outside.parent, target_is_directory=True)
    r = _svclint("init", str(repo))
    assert r.returncode == 2 and not (outside.parent / "workflows").exists()


def test_init_does_not_hang_on_a_fifo_named_pre_commit_config(tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    os.mkfifo(repo / ".pre-commit-config.yaml")
    r = _svclint("init", str(repo), timeout=60)
    assert r.returncode == 2 and "regular file" in r.stderr and "Traceback" not in r.stderr


def test_a_baseline_named_by_the_repository_configuration_stays_inside_it(repo: Path, outside: Path) -> None:
    (repo / "svclint.toml").write_text(f'baseline = "{outside}"\n')
    r = _svclint("scan", str(repo), "--update-baseline")
    assert r.returncode == 2 and "outside the repository" in r.stderr
    assert _untouched(outside)
    (repo / "svclint.toml").write_text('baseline = "../outside/victim.txt"\n')
    r = _svclint("scan", str(repo), "--update-baseline")
    assert r.returncode == 2 and _untouched(outside)


def test_a_baseline_symlink_in_the_repository_is_not_followed(repo: Path, outside: Path) -> None:
    (repo / "svclint.toml").write_text('baseline = "svclint-baseline.json"\n')
    (repo / "svclint-baseline.json").symlink_to(outside)
    r = _svclint("scan", str(repo), "--update-baseline")
    assert r.returncode == 2 and "symbolic link" in r.stderr and _untouched(outside)


def test_a_baseline_inside_the_repository_is_written_and_read(repo: Path) -> None:
    (repo / "svclint.toml").write_text('baseline = "svclint-baseline.json"\n')
    r = _svclint("scan", str(repo), "--update-baseline")
    assert r.returncode == 0, r.stderr
    assert (repo / "svclint-baseline.json").is_file()
    r = _svclint("scan", str(repo))
    assert r.returncode == 0, r.stdout  # every finding is in the baseline

"""Hostile file systems: unreadable files and directories, empty and missing roots, a directory that
is not a git repository, and listing order that must not matter.

The tests run as root, where `chmod 000` does not stop a read; unreadable files and directories are
made by monkeypatching the one call that opens them (`os.open`, `os.scandir`) to raise
PermissionError for the chosen path, which is what a non-root user meets.
"""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from svclint import discover as discover_mod
from svclint.accounting import account
from svclint.cli import main
from svclint.engine import analyze

APP = "import requests\n\nrequests.get('http://inventory:8080/items')\n"


def _deny(monkeypatch: pytest.MonkeyPatch, target: Path, func: str) -> None:
    real = getattr(os, func)

    def denied(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if os.fspath(path) == os.fspath(target):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)
    monkeypatch.setattr(os, func, denied)


def test_unreadable_file_is_skipped_with_its_reason(make_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"svc/app.py": APP, "svc/secret.py": APP})
    _deny(monkeypatch, root / "svc" / "secret.py", "open")
    analysis = analyze(str(root))
    acc = account(analysis.discovery, analysis.files)
    assert acc.skipped == (("svc/secret.py", "cannot read: Permission denied"),)
    assert (acc.discovered, acc.analysed, acc.with_errors) == (2, 1, 0)
    assert analysis.files["svc/app.py"].python.calls


def test_unreadable_directory_is_skipped_with_its_reason(make_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"svc/app.py": APP, "locked/app.py": APP})
    _deny(monkeypatch, root / "locked", "scandir")
    analysis = analyze(str(root))
    acc = account(analysis.discovery, analysis.files)
    assert acc.skipped == (("locked", "cannot list directory: Permission denied"),)
    assert acc.analysed == 1 and acc.discovered == 2


def test_unreadable_gitignore_is_ignored(make_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({".gitignore": "build/\n", "svc/app.py": APP, "build/gen.py": APP})
    _deny(monkeypatch, root / ".gitignore", "open")
    assert {f.path for f in discover_mod.discover(root).files} == {"svc/app.py", "build/gen.py"}


def test_gitignore_that_is_a_fifo_does_not_block(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "app.py").write_text(APP)
    os.mkfifo(tmp_path / ".gitignore")
    assert [f.path for f in discover_mod.discover(tmp_path).files] == ["svc/app.py"]


def test_file_swapped_for_a_fifo_after_discovery_is_not_opened_blocking(tmp_path: Path) -> None:
    from svclint.extract import extract_file
    os.mkfifo(tmp_path / "app.py")
    facts = extract_file(str(tmp_path), "app.py", "python")
    assert facts.skipped == "cannot read: not a regular file"


def test_gitignore_link_out_of_the_root_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "ignore").write_text("*.py\n")
    root = tmp_path / "root"
    (root / "svc").mkdir(parents=True)
    (root / "svc" / "app.py").write_text(APP)
    os.symlink(outside / "ignore", root / ".gitignore")
    assert [f.path for f in discover_mod.discover(root).files] == ["svc/app.py"]


def _invoke(*args: str):  # noqa: ANN202
    return CliRunner().invoke(main, list(args))


def test_empty_directory_is_a_clean_scan(tmp_path: Path) -> None:
    result = _invoke("scan", str(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)["summary"]
    assert (s["discovered"], s["analysed"], s["with_errors"], s["skipped"]) == (0, 0, 0, [])


@pytest.mark.parametrize("command", [["scan"], ["scan", "--format", "json"], ["graph"]])
def test_missing_path_is_exit_2_in_one_line(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "does" / "not" / "exist"
    proc = subprocess.run([sys.executable, "-m", "svclint", command[0], str(missing), *command[1:]],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [f"svclint: error: {missing}: no such file or directory"]


def test_unwritable_output_is_exit_2_in_one_line(tmp_path: Path) -> None:
    result = _invoke("scan", str(tmp_path), "-o", str(tmp_path / "no" / "such" / "dir" / "out.json"))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot write" in result.stderr


def test_directory_that_is_not_a_git_repository(tmp_path: Path) -> None:
    """svclint reads files, not git: no .git anywhere above tmp_path, and the scan works the same."""
    probe = tmp_path
    while probe != probe.parent:
        assert not (probe / ".git").exists(), probe
        probe = probe.parent
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "app.py").write_text(APP)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "x.py").write_text(APP)
    result = _invoke("scan", str(tmp_path), "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1 and doc["summary"]["discovered"] == 1
    assert {f["file"] for f in doc["findings"]} == {"svc/app.py"}     # RES001: no timeout


def test_listing_order_does_not_matter(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same bytes whether the file system lists a directory forwards or backwards."""
    def scan() -> str:
        result = _invoke("scan", str(shop), "--format", "json")
        assert result.exit_code in (0, 1)
        return result.stdout
    forwards = scan()
    real = os.scandir

    class Reversed:
        def __init__(self, path):  # noqa: ANN001
            self.entries = list(reversed(list(real(path))))

        def __iter__(self):  # noqa: ANN204
            return iter(self.entries)

        def __enter__(self):  # noqa: ANN204
            return self

        def __exit__(self, *exc):  # noqa: ANN002
            return False
    monkeypatch.setattr(os, "scandir", Reversed)
    assert scan() == forwards

"""The whole hostile tree: the scan survives it, runs nothing, and accounts for every file it found.

The scans run in a subprocess: a crash inside a native parser (a segfault) must show up as a failed
test, not take the test run down with it. The timeouts only stop a hang; nothing here is timed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pathspec
import pytest
from hostile_tree import MARKERS, build, markers

from svclint.accounting import account
from svclint.discover import DEFAULT_EXCLUDES, classify
from svclint.engine import analyze


def scan_json(root: Path, *args: str, env: dict | None = None) -> tuple[dict, subprocess.CompletedProcess]:
    proc = subprocess.run([sys.executable, "-m", "svclint", "scan", str(root), "--format", "json", *args],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert proc.stderr == "", proc.stderr[-3000:]
    return json.loads(proc.stdout), proc


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tree"))


@pytest.fixture(scope="module")
def scanned(tree: Path) -> dict:
    doc, _ = scan_json(tree)
    return doc


def _expected(root: Path) -> set[str]:
    """Every file of interest below root by an independent walk (links not followed), as the report
    prints its path: what the scan must either analyse or list as skipped."""
    spec = pathspec.GitIgnoreSpec.from_lines(DEFAULT_EXCLUDES)
    out: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(os.fsencode(root)):
        rel_dir = os.path.relpath(dirpath, os.fsencode(root))
        rel_dir = "" if rel_dir == b"." else os.fsdecode(rel_dir) + "/"
        for name in list(dirnames):
            name_s = os.fsdecode(name)
            full = os.path.join(dirpath, name)
            if spec.match_file(rel_dir + name_s + "/"):
                dirnames.remove(name)
                continue
            if os.path.islink(full) or not _utf8(name_s):
                out.add(_printable(rel_dir + name_s))
                dirnames.remove(name)
        for name in filenames:
            rel = rel_dir + os.fsdecode(name)
            if spec.match_file(rel):
                continue
            if not _utf8(rel) or classify(os.fsdecode(name), rel):
                out.add(_printable(rel))
    return out


def _utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(c) < 32 for c in s)


def _printable(s: str) -> str:
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") \
        .replace("\x1b", "\\x1b").replace("\n", "\\x0a")


def test_scan_survives_the_hostile_tree_and_runs_nothing(tree: Path, scanned: dict) -> None:
    assert scanned["schema"] == "svclint.findings/1"
    assert markers(tree.parent) == [], "scanned code was executed"
    assert all(not (tree / m).exists() for m in MARKERS)


def test_every_discovered_file_is_analysed_or_reported(tree: Path, scanned: dict) -> None:
    s = scanned["summary"]
    skipped = {e["file"]: e["reason"] for e in s["skipped"]}
    assert len(skipped) == len(s["skipped"])
    assert s["analysed"] + s["with_errors"] + len(skipped) == s["discovered"]
    assert s["discovered"] >= 60 and s["analysed"] > 0 and s["with_errors"] > 0 and len(skipped) >= 15
    # each file read with errors has its finding (E001, or CON001 for a contract)
    reported = {f["file"] for f in scanned["findings"] if f["rule"] in ("E001", "CON001")}
    assert len(reported) == s["with_errors"]
    assert all(reason for reason in skipped.values())


def test_no_file_of_interest_is_lost(tree: Path, scanned: dict) -> None:
    """An independent walk of the tree: each file the scan should care about was found."""
    analysis = analyze(str(tree))
    acc = account(analysis.discovery, analysis.files)
    found = set(analysis.files) | {p for p, _ in acc.skipped}
    missing = _expected(tree) - found
    assert not missing, sorted(missing)
    # and the in-process accounting is the one the CLI printed
    assert acc.counts() == {k: scanned["summary"][k] for k in ("discovered", "analysed", "with_errors")}
    assert [list(x) for x in acc.skipped] == [[e["file"], e["reason"]] for e in scanned["summary"]["skipped"]]


@pytest.mark.parametrize("path, reason", [
    ("gen/a.py", "Too many levels of symbolic links"),                  # a file link loop
    ("gen/loop/self", "symbolic link not followed"),                    # a directory link loop
    ("gen/loop/up", "symbolic link not followed"),
    ("gen/outside.py", "symbolic link to outside the root not followed"),
    ("gen/outside-dir", "symbolic link to outside the root not followed"),
    ("gen/slash", "symbolic link to outside the root not followed"),
    ("gen/devzero.yaml", "symbolic link to outside the root not followed"),
    ("gen/dangling.py", "No such file or directory"),
    ("gen/fifo.py", "not a regular file"),
    ("gen/fifo.yaml", "not a regular file"),
    ("gen/caf\\xe9.py", "name is not valid UTF-8"),
    ("gen/dir\\xff", "name is not valid UTF-8"),
    ("gen/evil\\x1b[2J.py", "name contains control characters"),
    ("gen/new\\x0aline.yaml", "name contains control characters"),
    ("gen/over_limit.py", "larger than the size limit of 5242880 bytes (--max-file-size)"),
    ("gen/over_limit.yaml", "larger than the size limit of 5242880 bytes (--max-file-size)"),
    ("chart/templates/deployment.yaml", "Helm template"),
    ("chart/templates/service.yaml", "Helm template"),
    ("deploy/jinja.yaml", "template (Helm/Jinja)"),
])
def test_skipped_with_reason(scanned: dict, path: str, reason: str) -> None:
    skipped = {e["file"]: e["reason"] for e in scanned["summary"]["skipped"]}
    assert path in skipped, sorted(skipped)
    assert reason in skipped[path]


def test_device_file_is_not_opened(tree: Path, scanned: dict) -> None:
    if not (tree / "gen" / "zero.py").exists():
        pytest.skip("cannot create a device file here")
    skipped = {e["file"]: e["reason"] for e in scanned["summary"]["skipped"]}
    assert skipped["gen/zero.py"] == "not a regular file"


def test_files_behind_odd_entries_are_still_read(scanned: dict) -> None:
    """A FIFO .gitignore does not block the walk; a link inside the root to a file is read; the 5 MB
    generated module is read cheaply for what it defines; the empty directory is harmless."""
    assert "gen/sub/ok.py" not in {e["file"] for e in scanned["summary"]["skipped"]}
    files = {f["file"] for f in scanned["findings"]}
    assert "gen/huge_pb2.py" not in files and "gen/inside-link.py" not in files


def test_generated_five_megabyte_module_is_read_and_reported(tree: Path) -> None:
    """Read for what it defines, and reported as skipped with its marker (never counted as analysed)."""
    analysis = analyze(str(tree))
    facts = analysis.files["gen/huge_pb2.py"]
    assert facts.skipped == "generated: Generated by the protocol buffer at line 1"
    assert facts.errors == () and facts.python is not None and facts.python.generated
    assert os.path.getsize(tree / "gen" / "huge_pb2.py") > 5 * 1024 * 1024 - 8192
    assert analysis.files["gen/inside-link.py"].python is not None
    assert analysis.files["gen/sub/ok.py"].python is not None


def test_text_report_carries_no_control_characters(tree: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "svclint", "scan", str(tree)], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "\x1b" not in proc.stdout and "skipped" in proc.stdout.splitlines()[-1]

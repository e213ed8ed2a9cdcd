"""The command line on hostile input: every configuration, pattern, argument or output error is exit 2
with one line naming what is wrong (never a traceback, never a silent "0 findings"); Ctrl-C is exit
130 with one line, and the workers end with svclint."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SHOP


def _svclint(*args: str, cwd: Path | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "svclint", *args], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=120, stdin=subprocess.DEVNULL, cwd=cwd)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    dst = tmp_path / "repo"
    shutil.copytree(SHOP, dst, ignore=shutil.ignore_patterns(".svclint_cache"))
    return dst


def _one_line_error(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("svclint: error: "), r.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize("size", ["99999999999999999999MB", "99999999999999999999", "0", "5GB", "-1"])
def test_an_impossible_max_file_size_is_a_usage_error(repo: Path, size: str) -> None:
    _one_line_error(_svclint("scan", str(repo), "--max-file-size", size), "--max-file-size")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("scan", "{repo}", "--no-cache"), ("rules",), ("graph", "{repo}", "--no-cache")])
def test_a_full_standard_output_is_exit_2_with_one_line(repo: Path, args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        r = _svclint(*(a.format(repo=repo) for a in args), stdout=full)
    _one_line_error(r, "cannot write to standard output", "No space left on device")


def test_a_deeply_nested_pyproject_is_exit_2_naming_the_file(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[tool.svclint]\nx = " + "[" * 100_000 + "]" * 100_000 + "\n")
    _one_line_error(_svclint("scan", str(repo)), "pyproject.toml", "nested too deeply")


@pytest.mark.parametrize("pattern", ["[z-a]", "!", "foo\\"])
def test_an_invalid_exclude_pattern_on_the_command_line_is_exit_2(repo: Path, pattern: str) -> None:
    _one_line_error(_svclint("scan", str(repo), "--exclude", pattern), "--exclude", repr(pattern))


@pytest.mark.parametrize("key", ["exclude", "include"])
def test_an_invalid_pattern_in_the_configuration_is_exit_2_naming_file_and_key(repo: Path, key: str) -> None:
    (repo / "pyproject.toml").write_text(f'[tool.svclint]\n{key} = ["services/", "[z-a]"]\n')
    _one_line_error(_svclint("scan", str(repo)), "pyproject.toml", f"tool.svclint.{key}", "'[z-a]'")


def test_unusable_gitignore_lines_are_reported_and_the_others_still_apply(repo: Path) -> None:
    broken = repo / "orders" / "broken.py"
    broken.parent.mkdir(exist_ok=True)
    broken.write_text("def f(:\n")                       # E001 if it were read
    (repo / ".gitignore").write_text("!\nfoo\\\n[z-a]\norders/broken.py\n")
    r = _svclint("scan", str(repo), "--format", "json", "--no-cache")
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    found = json.loads(r.stdout)["findings"]
    about = sorted((f["line"], f["severity"]) for f in found if f["file"] == ".gitignore")
    assert about == [(1, "warning"), (2, "warning"), (3, "warning")], about
    assert not any(f["file"] == "orders/broken.py" for f in found), "the good line no longer ignores"
    s = json.loads(r.stdout)["summary"]
    assert s["analysed"] + s["with_errors"] + len(s["skipped"]) == s["discovered"], s
    assert s["with_errors"] == 1

def test_files_are_relative_to_the_current_directory(repo: Path, tmp_path: Path) -> None:
    # pre-commit: run from the repository root with `scan .` and paths relative to it
    whole = json.loads(_svclint("scan", ".", "--format", "json", "--no-cache", cwd=repo).stdout)["findings"]
    target = next(f["file"] for f in whole if f["file"].endswith(".py"))
    here = json.loads(_svclint("scan", ".", target, "--format", "json", "--no-cache", cwd=repo).stdout)["findings"]
    assert here and any(f["file"] == target for f in here)
    # from elsewhere, the same file named relative to where svclint runs
    there = _svclint("scan", "repo", f"repo/{target}", "--format", "json", "--no-cache", cwd=tmp_path)
    assert json.loads(there.stdout)["findings"] == here
    # the path relative to PATH, given from elsewhere, is not silently "0 findings"
    _one_line_error(_svclint("scan", "repo", target, cwd=tmp_path), target, "no such file")


def test_a_file_outside_the_repository_is_an_error(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.py"
    other.write_text("import requests\nrequests.get('http://x')\n")
    _one_line_error(_svclint("scan", str(repo), str(other)), "other.py", "not inside")
    _one_line_error(_svclint("scan", str(repo), str(repo / "nope.py")), "nope.py", "no such file")


def _tree(root: Path, n: int) -> None:
    body = "".join(f"def f{i}(x):\n    return requests.get('http://svc-{i}/x', timeout=1)\n\n" for i in range(40))
    for i in range(n):
        d = root / "services" / f"s{i % 20}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"m{i}.py").write_text("import requests\n\n" + body)


def _descendants(pid: int) -> set[int]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(parent, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_is_exit_130_with_one_line_and_no_worker_left(tmp_path: Path) -> None:
    _tree(tmp_path / "repo", 3000)
    proc = subprocess.Popen([sys.executable, "-m", "svclint", "scan", str(tmp_path / "repo"), "--no-cache",
                             "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not workers and proc.poll() is None:
        workers = _descendants(proc.pid)
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.fail("the scan ended before it could be interrupted: make the tree larger")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert [line for line in err.splitlines() if line.strip()] == ["svclint: interrupted"], err[-2000:]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if Path(f"/proc/{w}").exists()
            and Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, f"workers outlived svclint: {left}"

"""Worker processes: never more than the CPUs, and never outliving svclint (even after kill -9)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from svclint.engine import analyze
from svclint.extract import batch


def _tree(root: Path, n: int, body_lines: int = 40) -> Path:
    body = "".join(f"def f{i}(x):\n    return requests.get('http://svc-{i}/x', timeout=1)\n\n" for i in range(body_lines))
    for i in range(n):
        d = root / "services" / f"s{i % 20}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"m{i}.py").write_text("import requests\n\n" + body)
    return root


def test_jobs_are_capped_at_the_cpu_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, 40, 2)
    seen = []
    real = batch.run_isolated

    def recording(items, work, workers, limits=None):
        seen.append(workers)
        return real(items, work, workers, limits)
    monkeypatch.setattr(batch, "run_isolated", recording)
    monkeypatch.setattr(batch, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(batch, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(batch, "default_jobs", lambda: 2)
    one = analyze(str(tmp_path), jobs=1000)
    assert seen == [2]
    assert sorted(one.files) == sorted(analyze(str(tmp_path), jobs=1).files)


def _children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_svclint_is_killed(tmp_path: Path) -> None:
    _tree(tmp_path / "repo", 3000)
    proc = subprocess.Popen([sys.executable, "-m", "svclint", "scan", str(tmp_path / "repo"), "--no-cache",
                             "--jobs", "2", "--exit-zero"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.fail("the scan ended before its workers could be seen: make the tree larger")
    assert workers, "no worker process started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, f"workers outlived svclint: {left}"

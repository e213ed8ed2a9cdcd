"""Each file is read where a crash, a memory blow-up or a hang costs that file only (extract/isolate.py).

The red team's case: LibCST's native parser aborts the whole process (SIGABRT) on a 1.5 MB module under
a memory limit a small scan fits in; no report, every other file's findings lost.
"""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from svclint.cli import main
from svclint.discover import discover
from svclint.engine import analyze
from svclint.extract import batch, isolate
from svclint.extract.isolate import Limits

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and rlimits")


def _big_module(path: Path, functions: int = 15000) -> None:
    """About 1.7 MB of ordinary code that LibCST needs well over a gigabyte to parse."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("import requests\n\n" + "".join(
        f"def f{i}(a, b=1):\n    x = requests.get('http://svc{i}/x', timeout=3)\n    return [a + b * {i} for _ in range(3)]\n"
        for i in range(functions)))


def _small_repo(root: Path) -> Path:
    app = root / "services" / "orders" / "app.py"
    app.parent.mkdir(parents=True, exist_ok=True)
    app.write_text("import requests\n\n\ndef go():\n    return requests.get('http://billing/x')\n")
    _big_module(root / "services" / "orders" / "big.py")
    return root


def _scan_json(repo: Path, *extra: str, address_space: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        if address_space:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    return subprocess.run([sys.executable, "-m", "svclint", "scan", str(repo), "--no-cache", "--format", "json",
                           *extra], preexec_fn=limit, capture_output=True, text=True, timeout=300)


def _check_one_file_lost(proc: subprocess.CompletedProcess, reason: str) -> None:
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "memory allocation" not in proc.stderr, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    by_file = {(f["rule"], f["file"]): f for f in report["findings"]}
    assert ("RES001", "services/orders/app.py") in by_file          # the other file's finding survives
    lost = by_file[("E001", "services/orders/big.py")]
    assert reason in lost["message"] and "not analysed" in lost["message"]
    assert report["summary"]["analysed"] == 1 and report["summary"]["with_errors"] == 1


def test_a_module_too_large_for_the_process_memory_costs_that_file_only(tmp_path: Path) -> None:
    """svclint itself under `ulimit -v` (900 MiB: the small scan fits, parsing the big module does not)."""
    proc = _scan_json(_small_repo(tmp_path / "repo"), address_space=900 << 20)
    _check_one_file_lost(proc, "killed by SIGABRT")
    assert "the limit is 900 MiB" in json.loads(proc.stdout)["findings"][-1]["message"]


def test_parse_memory_limits_each_file(tmp_path: Path) -> None:
    proc = _scan_json(_small_repo(tmp_path / "repo"), "--parse-memory", "300M")
    _check_one_file_lost(proc, "--parse-memory")


# ----------------------------------------------------------------------------------------------
# a worker that dies, hangs in Python or hangs in native code: the mechanism, with a work function
# that misbehaves on one chosen file (workers are forked, so they run the patched function)


def _tree(root: Path, n: int = 160) -> Path:
    for i in range(n):
        d = root / "services" / f"s{i % 8}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"m{i}.py").write_text(f"import requests\n\n\ndef f():\n    return requests.get('http://svc-{i}/x')\n")
    return root


VICTIM = "services/s3/m83.py"


def _misbehave(monkeypatch: pytest.MonkeyPatch, how) -> None:
    real = batch._work

    def work(item):
        if item[0] == VICTIM:
            how()
        return real(item)
    monkeypatch.setattr(batch, "_work", work)
    monkeypatch.setattr(batch, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(batch, "POOL_MIN_BYTES", 0)


def _extract(root: Path, **kw):
    found = discover(str(root), (), ())
    return batch.extract_all(str(root), found.files, jobs=2, **kw)


def _only_the_victim_is_lost(root: Path, facts: dict, reason: str) -> None:
    found = discover(str(root), (), ())
    expected = batch.extract_all(str(root), found.files, jobs=1)
    assert list(facts) == list(expected)
    lost = facts[VICTIM]
    assert lost.python is None and len(lost.errors) == 1 and reason in lost.errors[0].message
    assert {p: f for p, f in facts.items() if p != VICTIM} == {p: f for p, f in expected.items() if p != VICTIM}


def test_a_worker_killed_by_a_signal_costs_the_file_it_was_reading(tmp_path, monkeypatch) -> None:
    root = _tree(tmp_path)
    _misbehave(monkeypatch, os.abort)
    facts = _extract(root)
    monkeypatch.undo()
    _only_the_victim_is_lost(root, facts, "killed by SIGABRT")


def test_a_worker_that_exits_costs_the_file_it_was_reading(tmp_path, monkeypatch) -> None:
    root = _tree(tmp_path)
    _misbehave(monkeypatch, lambda: os._exit(3))
    facts = _extract(root)
    monkeypatch.undo()
    _only_the_victim_is_lost(root, facts, "exited with status 3")


def test_a_file_that_takes_too_long_in_python_is_stopped_in_the_worker(tmp_path, monkeypatch) -> None:
    root = _tree(tmp_path)
    _misbehave(monkeypatch, lambda: time.sleep(120))
    facts = _extract(root, limits=Limits(seconds=0.5))
    monkeypatch.undo()
    _only_the_victim_is_lost(root, facts, "longer than the limit of 0.5 s (--parse-timeout)")


def test_a_file_that_hangs_where_python_cannot_stop_it_is_killed_by_the_parent(tmp_path, monkeypatch) -> None:
    """Native code does not return to the interpreter, so the worker's own timer cannot fire: the
    parent kills the worker after the grace period (here the timer signal is blocked to stand for it)."""
    def hang() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(120)
    root = _tree(tmp_path)
    _misbehave(monkeypatch, hang)
    monkeypatch.setattr(isolate, "GRACE", 0.5)
    facts = _extract(root, limits=Limits(seconds=0.5))
    monkeypatch.undo()
    _only_the_victim_is_lost(root, facts, "longer than the limit of 0.5 s")


def test_what_the_machine_could_not_do_is_not_cached(tmp_path, monkeypatch) -> None:
    """A file lost to a crash or a limit is read again next time (with other limits it may succeed)."""
    from svclint.cache import FactsCache
    root = _tree(tmp_path / "repo", 90)
    _misbehave(monkeypatch, os.abort)
    first = _extract(root, cache=FactsCache(str(tmp_path / "c"), {}))
    assert first[VICTIM].errors
    monkeypatch.undo()
    second = _extract(root, cache=FactsCache(str(tmp_path / "c"), {}))
    assert not second[VICTIM].errors and second[VICTIM].python is not None


def test_a_crash_in_a_small_scan_is_isolated_too(tmp_path, monkeypatch) -> None:
    """Small batches skip the parallel pool but not the worker: two files, one of them fatal."""
    root = tmp_path / "repo"
    _tree(root, 2)
    monkeypatch.setattr(sys.modules[__name__], "VICTIM", "services/s1/m1.py")
    real = batch._work

    def work(item):
        if item[0] == "services/s1/m1.py":
            os.abort()
        return real(item)
    monkeypatch.setattr(batch, "_work", work)
    analysis = analyze(str(root))
    assert analysis.files["services/s1/m1.py"].errors
    assert analysis.files["services/s0/m0.py"].python is not None


@pytest.mark.parametrize("args, message", [
    (["--parse-memory", "10"], "--parse-memory '10'"),
    (["--parse-memory", "99999999999999999G"], "--parse-memory"),
    (["--parse-timeout", "0"], "--parse-timeout"),
])
def test_limit_options_are_checked(tmp_path, args, message) -> None:
    _tree(tmp_path, 1)
    r = CliRunner().invoke(main, ["scan", str(tmp_path), *args])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output

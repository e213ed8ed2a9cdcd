"""Never executes, never calls out: modules whose import would write a file (setup.py, conftest.py,
__init__.py, __main__.py, an app) are scanned and no file appears; a scan runs with the network
disabled in its process and never tries to use it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_tree import HOSTILE, MARKERS, markers

from svclint.discover import DEFAULT_EXCLUDES
from svclint.engine import analyze

GUARD = '''
import os, socket
_LOG = os.environ["SVCLINT_NET_LOG"]

def _refuse(*args, **kwargs):
    with open(_LOG, "a") as fh:
        fh.write("network use: %r\\n" % (args[:2],))
    raise OSError("network disabled by svclint's tests")

for _name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_server"):
    setattr(socket, _name, _refuse)
for _name in ("connect", "connect_ex", "bind", "sendto", "sendmsg"):
    setattr(socket.socket, _name, _refuse)
'''


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "hostile"
    shutil.copytree(HOSTILE, root)
    return root


def test_code_that_would_write_a_file_is_read_not_run(tree: Path) -> None:
    analysis = analyze(str(tree), excludes=())            # no default excludes: conftest.py is read too
    for path in ("setup.py", "svc/__init__.py", "svc/conftest.py", "svc/app.py", "svc/__main__.py"):
        facts = analysis.files[path]
        assert facts.python is not None and facts.errors == (), path      # parsed: every line was seen
    assert any(c.library == "requests" for c in analysis.files["svc/app.py"].python.calls)
    assert markers(tree.parent) == []
    assert not any((tree / m).exists() for m in MARKERS)


def test_the_markers_would_appear_if_the_code_ran(tree: Path, tmp_path: Path) -> None:
    """The control: importing one of these modules does write its marker (so the test above can fail)."""
    copy = tmp_path / "control"
    copy.mkdir()
    shutil.copy(tree / "svc" / "__main__.py", copy / "mod.py")
    subprocess.run([sys.executable, str(copy / "mod.py")], check=True, timeout=60)
    assert (copy / "MAIN-RAN").exists()


def _guarded_env(tmp_path: Path) -> tuple[dict, Path]:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(guard), os.environ.get("PYTHONPATH", "")]),
               SVCLINT_NET_LOG=str(log))
    return env, log


def test_the_network_guard_works(tmp_path: Path) -> None:
    env, log = _guarded_env(tmp_path)
    proc = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "network disabled" in proc.stderr
    assert "network use" in log.read_text()


def test_scan_with_the_network_disabled_never_tries_it(tree: Path, tmp_path: Path) -> None:
    env, log = _guarded_env(tmp_path)
    for args in (["scan", str(tree), "--format", "json", "--no-default-excludes"],
                 ["graph", str(tree), "--format", "json"]):
        proc = subprocess.run([sys.executable, "-m", "svclint", *args], env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode in (0, 1), proc.stderr[-3000:]
        json.loads(proc.stdout)
    assert not log.exists(), log.read_text()
    assert markers(tree.parent) == []


def test_default_excludes_still_leave_conftest_out() -> None:
    assert "conftest.py" in DEFAULT_EXCLUDES

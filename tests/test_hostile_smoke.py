"""Hostile input never crashes the scan, never runs the code it reads, never loses a file silently.

The scan runs in a subprocess: a crash inside a native parser (a segfault) must show up as a failed
test, not take the test run down with it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _write(root: Path) -> None:
    svc = root / "svc"
    svc.mkdir()
    (root / "docker-compose.yml").mkdir()                      # a directory named like a compose file
    (svc / "py2.py").write_text('print "python 2"\n')
    (svc / "nul.py").write_bytes(b"x = 1\x00\n")
    (svc / "bad.py").write_bytes(b"\xff\xfe = 1\n")
    (svc / "deep.py").write_text("x = " + "(" * 3000 + "1" + ")" * 3000 + "\n")
    (svc / "chain.py").write_text("x = " + "+".join(["1"] * 20000) + "\n")
    (svc / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\ns = '\xe9'\n")
    (svc / "empty.py").write_text("")
    (svc / "stub.pyi").write_text("def f(x: int) -> int: ...\n")
    bomb = 'a: &a ["l","l","l","l","l","l","l","l","l"]\n'
    prev = "a"
    for name in "bcdefghi":
        bomb += f"{name}: &{name} [" + ",".join(["*" + prev] * 9) + "]\n"
        prev = name
    (root / "bomb.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + bomb)
    (root / "compose.yaml").write_text("services:\n  a: [1, 2\n")
    (root / "evil.yaml").write_text(f'!!python/object/apply:os.system ["touch {root / "PWNED"}"]\n')
    (svc / "evil.py").write_text(f"open({str(root / 'IMPORTED')!r}, 'w').write('x')\n")
    (root / "loop").mkdir()
    os.symlink(root / "loop", root / "loop" / "self")
    os.symlink("/etc/hostname", root / "outside.py")


def test_hostile_tree_is_reported_not_fatal(tmp_path: Path) -> None:
    _write(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "svclint", "scan", str(tmp_path), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    e001 = {f["file"]: f for f in doc["findings"] if f["rule"] == "E001"}
    for name in ("py2", "nul", "bad", "deep", "chain"):
        assert f"svc/{name}.py" in e001, sorted(e001)
    assert e001["svc/deep.py"]["line"] == 1 and "nested" in e001["svc/deep.py"]["message"]
    assert "bomb.yaml" in e001 and "compose.yaml" in e001
    skipped = {s["file"]: s["reason"] for s in doc["summary"]["skipped"]}
    assert "outside.py" in skipped
    # nothing the scan read was executed or constructed
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "IMPORTED").exists()
    # every file of interest is either analysed or accounted for
    assert doc["summary"]["files"] + len(skipped) >= 13

"""Deterministic output: the same bytes whatever the hash seed, in every format, on fixtures/shop and
on the hostile tree. Each seed is its own process (PYTHONHASHSEED only applies at start-up)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_tree import build

SEEDS = ("0", "1", "4242")

# analyse once, then render every findings format and every graph format the CLI offers
DRIVER = r"""
import json, sys
from svclint.accounting import account
from svclint.engine import analyze, run_rules
from svclint.report.diagram import render_dot, render_mermaid
from svclint.report.formats import FORMATS, render_findings
from svclint.report.json_report import render_graph_json
from svclint.rules import ALL_RULES
analysis = analyze(sys.argv[1])
findings = run_rules(analysis, ALL_RULES)
skipped = account(analysis.discovery, analysis.files).skipped
out = {f"scan:{fmt}": render_findings(fmt, findings, analysis, ALL_RULES, skipped) for fmt in FORMATS}
out["graph:json"] = render_graph_json(analysis.arch)
out["graph:mermaid"] = render_mermaid(analysis.arch, analysis.files)
out["graph:dot"] = render_dot(analysis.arch, analysis.files)
sys.stdout.write(json.dumps(out))
"""


def _run(args: list[str], seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("det"), big=False)


@pytest.fixture(params=["shop", "hostile"])
def root(request: pytest.FixtureRequest, shop: Path) -> Path:
    return shop if request.param == "shop" else request.getfixturevalue("hostile")


def test_every_format_is_identical_across_hash_seeds(root: Path) -> None:
    outputs = [json.loads(_run(["-c", DRIVER, str(root)], seed)) for seed in SEEDS]
    assert {"scan:json", "scan:text", "graph:json"} <= set(outputs[0])
    for other in outputs[1:]:
        for fmt in outputs[0]:
            assert other[fmt] == outputs[0][fmt], f"{fmt} differs between hash seeds"


def test_cli_json_and_sarif_bytes_are_identical_across_runs_and_seeds(root: Path) -> None:
    from svclint.report.formats import FORMATS
    for fmt in [f for f in ("json", "sarif") if f in FORMATS]:
        runs = [_run(["-m", "svclint", "scan", str(root), "--format", fmt], seed) for seed in ("0", "99")]
        assert runs[0] and runs[0] == runs[1], fmt

"""The command line, through click's CliRunner and as a real subprocess (`python -m svclint`).

Exit codes (DESIGN.md): 0 clean, 1 findings at or above --fail-on, 2 usage/configuration/input error
with a one-line reason on stderr; --exit-zero forces 0 on findings.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from svclint import __version__
from svclint.cli import main
from svclint.rules import ALL_RULES

SHOP_SERVICES = {"cart", "catalog", "gateway", "notifications", "orders", "payments", "reviews"}

# one compose service whose Flask app has no health route: warnings only (OBS001, OBS002)
WARNING_ONLY = {
    "docker-compose.yml": "services:\n  api:\n    build: ./api\n",
    "api/app.py": "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/items')\n"
                  "def items():\n    return []\n",
}
# one error (RES001) and nothing else
ONE_ERROR = {"svc/app.py": "import requests\n\ndef f():\n    return requests.get('http://x/y')\n"}
CLEAN = {"svc/app.py": "import requests\n\ndef f():\n    return requests.get('http://x/y', timeout=3)\n"}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def findings_of(result: Result) -> list[dict]:
    return json.loads(result.stdout)["findings"]


def run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "svclint", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


# ---------------------------------------------------------------------------------------------- basics


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout and "svclint" in result.stdout


@pytest.mark.parametrize("command", [[], ["scan"], ["graph"], ["rules"], ["explain"]],
                         ids=["main", "scan", "graph", "rules", "explain"])
def test_help_of_every_command(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage:")
    if not command:
        assert all(c in result.stdout for c in ("scan", "graph", "rules", "explain"))


def test_scan_help_documents_the_options() -> None:
    out = invoke("scan", "--help").stdout
    for option in ("--format", "--select", "--ignore", "--fail-on", "--exit-zero", "--exclude"):
        assert option in out


# ---------------------------------------------------------------------------------------------- exit codes


def test_exit_1_with_findings_and_0_with_exit_zero(make_repo) -> None:
    root = str(make_repo(ONE_ERROR))
    result = invoke("scan", root, "--format", "json")
    assert result.exit_code == 1
    assert [f["rule"] for f in findings_of(result)] == ["RES001"]
    zero = invoke("scan", root, "--format", "json", "--exit-zero")
    assert zero.exit_code == 0
    assert findings_of(zero) == findings_of(result)


def test_exit_0_when_clean(make_repo) -> None:
    result = invoke("scan", str(make_repo(CLEAN)))
    assert result.exit_code == 0
    assert "Found 0 findings" in result.stdout


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("info", 1)])
def test_fail_on_threshold_with_only_warnings(make_repo, fail_on: str, code: int) -> None:
    root = str(make_repo(WARNING_ONLY))
    result = invoke("scan", root, "--format", "json", "--fail-on", fail_on)
    severities = {f["severity"] for f in findings_of(result)}
    assert severities == {"warning"}
    assert result.exit_code == code


def test_default_fail_on_is_warning(make_repo) -> None:
    assert invoke("scan", str(make_repo(WARNING_ONLY))).exit_code == 1


def test_fail_on_error_still_fails_on_errors(make_repo) -> None:
    assert invoke("scan", str(make_repo(ONE_ERROR)), "--fail-on", "error").exit_code == 1


@pytest.mark.parametrize("command", ["scan", "graph"])
def test_missing_path_is_exit_2(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    result = invoke(command, str(missing))
    assert result.exit_code == 2
    assert result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert str(missing) in last and "no such file or directory" in last


def test_a_file_instead_of_a_directory_is_exit_2(tmp_path: Path) -> None:
    file = tmp_path / "app.py"
    file.write_text("x = 1\n")
    result = invoke("scan", str(file))
    assert result.exit_code == 2
    assert "not a directory" in result.stderr


@pytest.mark.parametrize("args", [["scan", "/no/such/dir"], ["scan", ".", "--select", "XYZ"]],
                         ids=["missing-path", "unknown-select"])
def test_usage_error_is_one_line_on_stderr(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_prefix_is_exit_2(option: str, shop: Path) -> None:
    result = invoke("scan", str(shop), option, "XYZ")
    assert result.exit_code == 2
    assert "XYZ" in result.stderr
    assert result.stdout == ""


def test_explain_unknown_rule_is_exit_2() -> None:
    result = invoke("explain", "NOPE999")
    assert result.exit_code == 2
    assert "NOPE999" in result.stderr


# ---------------------------------------------------------------------------------------------- selection


def test_select_only_yields_that_rule(shop: Path) -> None:
    result = invoke("scan", str(shop), "--format", "json", "--select", "RES001")
    rules = [f["rule"] for f in findings_of(result)]
    assert rules and set(rules) == {"RES001"}
    assert result.exit_code == 1


def test_select_by_prefix_and_case(shop: Path) -> None:
    rules = {f["rule"] for f in findings_of(invoke("scan", str(shop), "--format", "json", "--select", "obs"))}
    assert {"OBS001", "OBS002", "OBS003"} <= rules and all(r.startswith("OBS") for r in rules)


def test_ignore_removes_rules(shop: Path) -> None:
    everything = {f["rule"] for f in findings_of(invoke("scan", str(shop), "--format", "json"))}
    assert {"RES001", "SVC002"} <= everything
    result = invoke("scan", str(shop), "--format", "json", "--ignore", "RES001,SVC")
    rules = {f["rule"] for f in findings_of(result)}
    assert rules == {r for r in everything if r != "RES001" and not r.startswith("SVC")}


def test_ignore_everything_found_is_exit_0(make_repo) -> None:
    result = invoke("scan", str(make_repo(ONE_ERROR)), "--ignore", "RES001")
    assert result.exit_code == 0


# ---------------------------------------------------------------------------------------------- rules, explain


def test_rules_lists_every_rule() -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert listed == [r.id for r in ALL_RULES]
    for rule in ALL_RULES:
        assert rule.name in result.stdout


def test_explain_prints_rationale_and_fix() -> None:
    rule = next(r for r in ALL_RULES if r.id == "RES001")
    result = invoke("explain", "RES001")
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    assert " ".join(rule.rationale.split()) in out
    assert " ".join(rule.fix.split()) in out
    assert rule.name in out
    assert invoke("explain", "missing-timeout").stdout == result.stdout
    assert invoke("explain", "res001").stdout == result.stdout


def test_explain_prints_checklist_and_every_example() -> None:
    for rule in ALL_RULES:
        out = invoke("explain", rule.id).stdout
        assert f"Checklist: {rule.checklist}" in out and f"Fix: {rule.fix}" in out
        assert out.count("Valid example") == len(rule.valid) and out.count("Invalid example") == len(rule.invalid)
        for example in (*rule.valid, *rule.invalid):
            for path, text in example.files.items():
                assert f"# {path}" in out and all(line in out for line in text.splitlines())
            for where in example.lines:
                assert where in out


# ---------------------------------------------------------------------------------------------- graph formats


def test_graph_mermaid(shop: Path) -> None:
    result = invoke("graph", str(shop), "--format", "mermaid")
    assert result.exit_code == 0
    assert result.stdout.startswith("flowchart")
    for sid in SHOP_SERVICES:
        assert sid in result.stdout


def test_graph_dot(shop: Path) -> None:
    result = invoke("graph", str(shop), "--format", "dot")
    assert result.exit_code == 0
    assert result.stdout.startswith("digraph")
    assert result.stdout.rstrip().endswith("}")
    for sid in SHOP_SERVICES:
        assert f'"{sid}"' in result.stdout


def test_graph_json_is_the_default(shop: Path) -> None:
    doc = json.loads(invoke("graph", str(shop)).stdout)
    assert doc["schema"] == "svclint.graph/1"


# ---------------------------------------------------------------------------------------------- JSON schema


FINDING_KEYS = {"rule", "name", "severity", "message", "file", "line", "column", "service"}
SUMMARY_KEYS = {"files", "services", "findings", "by_severity"}


def test_findings_json_schema(shop: Path) -> None:
    doc = json.loads(invoke("scan", str(shop), "--format", "json").stdout)
    assert doc["schema"] == "svclint.findings/1"
    assert {"schema", "findings", "summary"} <= set(doc)
    assert doc["findings"]
    for f in doc["findings"]:
        assert set(f) == FINDING_KEYS
        assert isinstance(f["line"], int) and isinstance(f["column"], int)
        assert f["severity"] in ("error", "warning", "info")
    summary = doc["summary"]
    assert SUMMARY_KEYS <= set(summary)
    assert summary["findings"] == len(doc["findings"])
    assert summary["services"] == len(SHOP_SERVICES)
    assert summary["files"] > 0
    assert sum(summary["by_severity"].values()) == len(doc["findings"])
    assert list(doc["findings"]) == sorted(doc["findings"], key=lambda f: (f["file"], f["line"], f["column"],
                                                                           f["rule"]))


def test_findings_json_keys_are_exactly_the_designed_ones(shop: Path) -> None:
    """The designed keys, plus the accounting (README): `discovered`, `analysed`, `with_errors` and
    `skipped` (files found but not analysed, with the reason)."""
    doc = json.loads(invoke("scan", str(shop), "--format", "json").stdout)
    assert set(doc) == {"schema", "findings", "summary"}
    assert set(doc["summary"]) == SUMMARY_KEYS | {"skipped", "discovered", "analysed", "with_errors"}
    assert all(set(s) == {"file", "reason"} for s in doc["summary"]["skipped"])


def test_json_output_to_file(make_repo, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = invoke("scan", str(make_repo(ONE_ERROR)), "--format", "json", "-o", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert [f["rule"] for f in json.loads(out.read_text())["findings"]] == ["RES001"]


# ---------------------------------------------------------------------------------------------- FILES


def test_files_restrict_findings_to_those_files_and_their_services(shop: Path) -> None:
    result = invoke("scan", str(shop), str(shop / "services/gateway/gateway/main.py"), "--format", "json")
    found = {(f["rule"], f["file"], f["line"], f["service"]) for f in findings_of(result)}
    assert found == {("RES001", "services/gateway/gateway/main.py", 91, "gateway"),
                     ("RES005", "services/gateway/gateway/main.py", 80, "gateway"),
                     ("RES005", "services/gateway/gateway/main.py", 102, "gateway"),
                     ("SEC003", "services/gateway/gateway/main.py", 99, "gateway")}
    assert result.exit_code == 1


def test_files_include_findings_about_the_service_elsewhere(shop: Path) -> None:
    """A notifications file brings in the notifications findings in compose and k8s files."""
    result = invoke("scan", str(shop), str(shop / "services/notifications/notifications/mailer.py"), "--format", "json")
    found = findings_of(result)
    assert found and {f["service"] for f in found} == {"notifications"}
    assert {"docker-compose.yml", "k8s/notifications.yaml"} <= {f["file"] for f in found}


def test_absolute_files_are_made_relative(shop: Path) -> None:
    target = shop / "services" / "gateway" / "gateway" / "main.py"
    result = invoke("scan", str(shop), str(target), "--format", "json")
    assert {(f["rule"], f["file"]) for f in findings_of(result)} == {("RES001", "services/gateway/gateway/main.py"),
                                                                     ("RES005", "services/gateway/gateway/main.py"),
                                                                     ("SEC003", "services/gateway/gateway/main.py")}


def test_files_without_findings_are_exit_0(shop: Path) -> None:
    result = invoke("scan", str(shop), str(shop / "services/cart/cart/main.py"), "--format", "json")
    assert findings_of(result) == []
    assert result.exit_code == 0


# ---------------------------------------------------------------------------------------------- text output


def test_text_output_groups_by_file(make_repo) -> None:
    result = invoke("scan", str(make_repo(ONE_ERROR)))
    lines = result.stdout.splitlines()
    assert lines[0] == "svc/app.py"
    assert "RES001" in lines[1] and "4:12" in lines[1]
    assert lines[-1].startswith("Found 1 finding (1 error)")
    assert "\033[" not in result.stdout  # no colour when not a terminal


# ---------------------------------------------------------------------------------------------- subprocess


def test_subprocess_version() -> None:
    proc = run_module("--version")
    assert proc.returncode == 0
    assert __version__ in proc.stdout


def test_subprocess_scan_json_and_exit_codes(make_repo) -> None:
    root = make_repo(ONE_ERROR)
    proc = run_module("scan", str(root), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(f["rule"], f["file"], f["line"]) for f in doc["findings"]] == [("RES001", "svc/app.py", 4)]
    assert run_module("scan", str(root), "--exit-zero").returncode == 0


def test_subprocess_scan_from_inside_the_repository(make_repo) -> None:
    root = make_repo(ONE_ERROR)
    proc = run_module("scan", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    assert [f["file"] for f in json.loads(proc.stdout)["findings"]] == ["svc/app.py"]


def test_subprocess_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    proc = run_module("scan", str(missing))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert str(missing) in proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr


def test_subprocess_graph_mermaid(shop: Path) -> None:
    proc = run_module("graph", str(shop), "--format", "mermaid")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("flowchart")

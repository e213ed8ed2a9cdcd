"""Findings formats people's tools consume: SARIF 2.1.0 (validated against the official schema), GitHub
workflow annotations, GitLab Code Quality, and the terminal (colour, grouping, progress)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from svclint.cli import main
from svclint.model import Finding, Severity
from svclint.report.ci import render_github
from test_golden import DELIBERATE   # the shop's findings: its deliberate mistakes
from svclint.report.progress import Progress

REPO_ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = REPO_ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

ONE_ERROR = {"svc/app.py": "import requests\n\ndef f():\n    return requests.get('http://x/y')\n"}


def scan(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["scan", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def shop_sarif() -> dict:
    code, out = scan(REPO_ROOT / "fixtures" / "shop", "--format", "sarif")
    assert code == 1
    return json.loads(out)


def test_sarif_validates_against_the_official_schema(shop_sarif: dict) -> None:
    # the schema is part of the shared layout CI has; missing means the check cannot run: fail, never skip
    assert SARIF_SCHEMA.is_file(), f"{SARIF_SCHEMA} is missing (expected ../shared/schemas beside the repo)"
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(shop_sarif), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_sarif_rules_results_and_locations(shop_sarif: dict) -> None:
    run = shop_sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "RES001" in ids and all(r["help"]["text"] and r["help"]["markdown"] for r in rules)
    results = run["results"]
    assert len(results) == len(DELIBERATE)
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    res001 = next(r for r in results if r["ruleId"] == "RES001")
    assert res001["level"] == "error"
    loc = res001["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "services/gateway/gateway/main.py"
    assert loc["physicalLocation"]["region"] == {"startLine": 91, "startColumn": 12}
    assert {"name": "gateway", "fullyQualifiedName": "service/gateway", "kind": "module"} in loc["logicalLocations"]
    # YAML findings name the object they sit in
    k8s = next(r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
               == "k8s/notifications.yaml")
    assert {"name": "notifications", "fullyQualifiedName": "kubernetes/Deployment/notifications",
            "kind": "object"} in k8s["locations"][0]["logicalLocations"]
    compose = next(r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   == "docker-compose.yml")
    assert compose["locations"][0]["logicalLocations"][-1]["fullyQualifiedName"] == "compose/services/notifications"
    prints = [r["partialFingerprints"]["svclintFingerprint/v1"] for r in results]
    assert len(set(prints)) == len(prints)


def _fingerprints(root: Path, fmt: str) -> list[str]:
    _, out = scan(root, "--format", fmt)
    doc = json.loads(out)
    if fmt == "sarif":
        return [r["partialFingerprints"]["svclintFingerprint/v1"] for r in doc["runs"][0]["results"]]
    return [i["fingerprint"] for i in doc]


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_fingerprints_survive_moved_lines_and_change_with_the_code(fmt: str, make_repo) -> None:
    root = make_repo(ONE_ERROR)
    before = _fingerprints(root, fmt)
    assert len(before) == 1
    app = root / "svc" / "app.py"
    # lines added above and re-indentation move the finding but do not change what it is about
    app.write_text("import requests\n\n# a comment\nX = 1\n\ndef f():\n    return   requests.get('http://x/y')\n")
    assert _fingerprints(root, fmt) == before
    # another call target is another finding
    app.write_text("import requests\n\ndef f():\n    return requests.get('http://x/z')\n")
    assert _fingerprints(root, fmt) != before


def test_github_annotations_are_escaped() -> None:
    f = Finding("RES001", "missing-timeout", Severity.ERROR, "100% wrong:\nsecond line", "a,b/c:d.py", 4, 2,
                "svc")
    info = Finding("OBS001", "no-health-endpoint", Severity.INFO, "note", "", 0)
    out = render_github([f, info]).splitlines()
    assert out[0] == ("::error file=a%2Cb/c%3Ad.py,line=4,col=3,title=RES001 missing-timeout::"
                      "100%25 wrong:%0Asecond line [svc]")
    assert out[1] == "::notice title=OBS001 no-health-endpoint::note"


def test_github_format_on_the_shop() -> None:
    code, out = scan(REPO_ROOT / "fixtures" / "shop", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(DELIBERATE) and all(line.startswith(("::error ", "::warning ")) for line in lines)
    assert ("::error file=services/gateway/gateway/main.py,line=91,col=12,title=RES001 missing-timeout::"
            "requests.get to catalog has no timeout [gateway]") in lines


def test_gitlab_code_quality_shape() -> None:
    code, out = scan(REPO_ROOT / "fixtures" / "shop", "--format", "gitlab")
    assert code == 1
    issues = json.loads(out)
    assert len(issues) == len(DELIBERATE)
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["lines"]["begin"] >= 1 and issue["location"]["path"]
    assert len({i["fingerprint"] for i in issues}) == len(DELIBERATE)
    assert {i["severity"] for i in issues} == {"major", "minor"}


def test_text_is_grouped_by_file_with_a_summary_and_plain_when_not_a_tty(make_repo) -> None:
    root = make_repo({**ONE_ERROR, "svc/other.py": ONE_ERROR["svc/app.py"]})
    code, out = scan(root)
    assert code == 1
    assert "\033[" not in out
    assert out.splitlines()[0] == "svc/app.py"
    assert "svc/other.py" in out.splitlines()
    assert out.rstrip().splitlines()[-1].startswith("Found 2 findings (2 errors) in 2 files")


def test_text_colour_follows_the_tty_and_no_color(make_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys as _sys
    root = make_repo(ONE_ERROR)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    def run() -> str:
        out = Tty()
        monkeypatch.setattr(_sys, "stdout", out)
        with pytest.raises(SystemExit):
            main(["scan", str(root)], standalone_mode=True)
        return out.getvalue()

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\033[31mRES001" in run()
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in run()


def test_progress_draws_only_on_a_tty_and_erases_itself() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True
    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = Progress(stream, delay=0)
        for i in range(1, 4):
            bar(i, 3)
        bar.close()
    assert pipe.getvalue() == ""
    assert "3/3 files" in tty.getvalue() and tty.getvalue().endswith("\r\033[K")

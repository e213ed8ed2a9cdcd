"""Baselines: semantic fingerprints that survive line shifts; only new findings are reported."""
from __future__ import annotations

import json

from click.testing import CliRunner, Result

from svclint.baseline import SCHEMA
from svclint.cli import main

SOURCE = ("import requests\n\n\ndef fetch():\n    return requests.get('http://catalog/items')\n\n\n"
          "def push(x):\n    return requests.post('http://orders/orders', json=x)\n")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def scan(root, baseline, *extra: str) -> tuple[int, list[tuple[str, int]]]:
    result = invoke("scan", str(root), "--format", "json", "--select", "RES001", "--baseline", str(baseline), *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, [(f["rule"], f["line"]) for f in json.loads(result.stdout)["findings"]]


def write_baseline(root, baseline) -> Result:
    result = invoke("scan", str(root), "--select", "RES001", "--baseline", str(baseline), "--update-baseline")
    assert result.exit_code == 0, result.output
    return result


def test_update_baseline_writes_deterministic_json(make_repo, tmp_path) -> None:
    root = make_repo({"svc/app.py": SOURCE})
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    result = write_baseline(root, first)
    assert "wrote 2 findings" in result.stderr
    write_baseline(root, second)
    assert first.read_text() == second.read_text()
    data = json.loads(first.read_text())
    assert data["schema"] == SCHEMA
    assert [(e["rule"], e["file"], e["count"]) for e in data["findings"]] == [("RES001", "svc/app.py", 1)] * 2
    assert all("line" not in e for e in data["findings"])
    assert scan(root, first) == (0, [])


def test_inserting_lines_above_keeps_findings_baselined(make_repo, tmp_path) -> None:
    root = make_repo({"svc/app.py": SOURCE})
    baseline = tmp_path / "baseline.json"
    write_baseline(root, baseline)
    shifted = "\"\"\"Catalog client.\"\"\"\nimport logging\n\nlog = logging.getLogger(__name__)\n" + \
              SOURCE.replace("def fetch():", "def helper():\n    return 1\n\n\ndef fetch():")
    (root / "svc" / "app.py").write_text(shifted, encoding="utf-8")
    assert scan(root, baseline) == (0, [])
    # the same findings really moved: without the baseline they are there, on other lines
    result = invoke("scan", str(root), "--format", "json", "--select", "RES001")
    assert [f["line"] for f in json.loads(result.stdout)["findings"]] == [13, 17]


def test_changed_finding_and_new_finding_are_reported(make_repo, tmp_path) -> None:
    root = make_repo({"svc/app.py": SOURCE})
    baseline = tmp_path / "baseline.json"
    write_baseline(root, baseline)
    changed = SOURCE.replace("http://catalog/items", "http://catalog/products") + \
        "\n\ndef again():\n    return requests.post('http://orders/orders', json=1)\n"
    (root / "svc" / "app.py").write_text(changed, encoding="utf-8")
    code, found = scan(root, baseline)
    assert code == 1
    assert found == [("RES001", 5), ("RES001", 13)]


def test_identical_findings_are_counted(make_repo, tmp_path) -> None:
    body = "import requests\n\n\nclass A:\n    def f(self):\n        return requests.get('http://x/y')\n"
    root = make_repo({"svc/app.py": body})
    baseline = tmp_path / "baseline.json"
    write_baseline(root, baseline)
    (root / "svc" / "app.py").write_text(body + "\n    def g(self):\n        return requests.get('http://x/y')\n")
    assert scan(root, baseline)[1] == [("RES001", 9)]


def test_baseline_errors_are_exit_2(make_repo, tmp_path) -> None:
    root = make_repo({"svc/app.py": SOURCE})
    result = invoke("scan", str(root), "--baseline", str(tmp_path / "missing.json"))
    assert result.exit_code == 2 and "cannot read baseline" in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"findings": []}')
    result = invoke("scan", str(root), "--baseline", str(bad))
    assert result.exit_code == 2 and "not a baseline" in result.stderr
    result = invoke("scan", str(root), "--update-baseline")
    assert result.exit_code == 2 and "--update-baseline needs --baseline" in result.stderr


def test_baseline_from_configuration(make_repo) -> None:
    root = make_repo({"svc/app.py": SOURCE, "svclint.toml": "select = ['RES001']\nbaseline = 'svclint-baseline.json'\n"})
    assert invoke("scan", str(root), "--update-baseline").exit_code == 0
    assert (root / "svclint-baseline.json").is_file()
    assert invoke("scan", str(root)).exit_code == 0


def test_baseline_and_sarif_share_the_fingerprint(make_repo, tmp_path) -> None:
    root = make_repo({"svc/app.py": SOURCE})
    baseline = tmp_path / "baseline.json"
    write_baseline(root, baseline)
    sarif = json.loads(invoke("scan", str(root), "--select", "RES001", "--format", "sarif").stdout)
    in_sarif = {r["partialFingerprints"]["svclintFingerprint/v1"] for r in sarif["runs"][0]["results"]}
    assert in_sarif == {e["fingerprint"] for e in json.loads(baseline.read_text())["findings"]}

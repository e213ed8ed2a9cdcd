"""Contracts against code: `svclint diff` goldens on the kept/broken fixture pair, infer -> write -> diff
round trips (service.yaml and Backstage), hand-written fields and comments kept through --write,
schema errors at their lines, route parameter spellings."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from svclint.cli import main
from svclint.contract.drift import api_key, apis_match, events_match
from svclint.engine import analyze, run_rules
from svclint.extract import extract_bytes
from svclint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("SVCLINT_UPDATE_GOLDEN") == "1"
SUFFIX = {"text": "txt", "json": "json", "markdown": "md"}

# fixtures/contracts-drift/README.md: every drift, and nothing else
DRIFT = {
    ("CON002", "services/mailer/mailer/worker.py", 1),
    ("CON003", "services/web/web/main.py", 47),
    ("CON004", "services/web/service.yaml", 11),
    ("CON005", "services/web/service.yaml", 14),
    ("CON006", "services/inventory/inventory/app.py", 28),
    ("CON007", "services/inventory/service.yaml", 14),
    ("CON008", "services/inventory/inventory/app.py", 34),
    ("CON009", "services/web/service.yaml", 24),
    ("CON009", "services/pricing/service.yaml", 10),
    ("CON010", "services/web/service.yaml", 17),
}


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
@pytest.mark.parametrize("fixture, code", [("contracts-ok", 0), ("contracts-drift", 1)])
def test_diff_matches_golden(fixture: str, code: int, fmt: str, monkeypatch: pytest.MonkeyPatch,
                             tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    exit_code, out, _ = _run(["diff", str(FIXTURES / fixture), "--format", fmt])
    assert exit_code == code
    assert str(FIXTURES) not in out
    path = GOLDEN / f"{fixture}.diff.{SUFFIX[fmt]}"
    if UPDATE:
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with SVCLINT_UPDATE_GOLDEN=1 and review it"
    assert out == path.read_text(encoding="utf-8")


def test_drift_fixture_has_exactly_its_documented_drift() -> None:
    _, out, _ = _run(["diff", str(FIXTURES / "contracts-drift"), "--format", "json"])
    doc = json.loads(out)
    assert doc["schema"] == "svclint.diff/1"
    found = {(d["rule"], d["file"], d["line"]) for s in doc["services"] for d in s["drift"]}
    assert found == DRIFT
    assert doc["summary"] == {"services": 4, "drifting": 4, "drift": len(DRIFT)}


def test_scan_reports_the_same_drift_and_the_soft_dependency_calls() -> None:
    analysis = analyze(str(FIXTURES / "contracts-drift"))
    findings = run_rules(analysis, [r for r in ALL_RULES if r.id.startswith("CON")])
    found = {(f.rule, f.file, f.line) for f in findings}
    assert found == DRIFT | {("CON011", "services/web/web/main.py", 35), ("CON011", "services/web/web/main.py", 57)}


def test_ok_fixture_has_no_contract_findings() -> None:
    analysis = analyze(str(FIXTURES / "contracts-ok"))
    assert [f for f in run_rules(analysis, ALL_RULES) if f.rule.startswith("CON")] == []


def test_round_trip_infer_write_diff_keeps_hand_written_fields(tmp_path: Path) -> None:
    repo = _copy("contracts-drift", tmp_path)
    before = (repo / "services/web/service.yaml").read_text(encoding="utf-8")
    code, out, _ = _run(["contract", "infer", str(repo), "--write"])
    assert code == 0
    assert "created services/mailer/service.yaml" in out and "updated services/web/service.yaml" in out
    assert _run(["diff", str(repo)])[0] == 0
    web = (repo / "services/web/service.yaml").read_text(encoding="utf-8")
    # hand-written: the comment, the service block, criticality (even where CON011 disagrees) and its comment
    assert web.splitlines()[:6] == before.splitlines()[:6]
    assert '    criticality: soft   # "we show a sold-out page" (no longer true)' in web
    assert "accounts" not in web and "payment-gateway" not in web and "BookingCancelled" not in web
    assert "  - name: mailer\n    type: async\n    criticality: soft\n" in web
    assert "  - name: pricing\n    type: sync\n    criticality: soft\n" in web   # caught: inferred soft
    pricing = (repo / "services/pricing/service.yaml").read_text(encoding="utf-8")
    assert pricing.startswith('service: {name: pricing, version: 0.6.0, owner: team-revenue, capability: "Ticket prices"}\n')
    assert "quote-cache" in pricing          # declared data names stay
    assert "price-changed" not in pricing
    # deterministic and idempotent: a second write changes nothing
    code, out, _ = _run(["contract", "infer", str(repo), "--write"])
    assert code == 0 and set(line.split()[0] for line in out.splitlines()) == {"unchanged"}


@pytest.mark.parametrize("fmt, name", [("yaml", "service.yaml"), ("backstage", "catalog-info.yaml")])
def test_round_trip_from_nothing(fmt: str, name: str, tmp_path: Path) -> None:
    repo = _copy("contracts-ok", tmp_path)
    for contract in [*repo.rglob("service.yaml"), *repo.rglob("catalog-info.yaml")]:
        contract.unlink()
    code, printed, _ = _run(["contract", "infer", str(repo), "--format", fmt])
    assert code == 0 and not list(repo.rglob(name))
    code, out, _ = _run(["contract", "infer", str(repo), "--write", "--format", fmt])
    assert code == 0 and len(list(repo.rglob(name))) == 4
    written = "---\n".join(f"# {p.relative_to(repo).as_posix()}\n{p.read_text(encoding='utf-8')}"
                           for p in sorted(repo.rglob(name)))
    assert written == printed          # what infer prints is what --write writes
    code, out, _ = _run(["diff", str(repo), "--format", "json"])
    assert code == 0, out
    doc = json.loads(out)
    assert {s["contract"] for s in doc["services"]} == {f"services/{s}/{name}" for s in
                                                        ("web", "inventory", "pricing", "mailer")}
    assert _run(["contract", "validate", str(repo)])[0] == 0


def test_backstage_component_is_read_and_updated(tmp_path: Path) -> None:
    repo = _copy("contracts-ok", tmp_path)
    (repo / "services/web/service.yaml").unlink()
    (repo / "services/web/catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\nspec:\n"
        "  type: website\n  lifecycle: production\n  owner: team-storefront  # the owner\n"
        "  consumesApis: [pricing-api]\n  dependsOn:\n    - component:default/inventory\n"
        "    - resource:default/web-sessions\n    - component:default/retired\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: web-api\n", encoding="utf-8")
    (repo / "services/pricing/catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: pricing\nspec:\n"
        "  type: service\n  owner: team-revenue\n  providesApis: [pricing-api]\n", encoding="utf-8")
    _, out, _ = _run(["diff", str(repo), "--format", "json"])
    web = next(s for s in json.loads(out)["services"] if s["service"] == "web")
    # pricing is declared through consumesApis; retired is no service; mailer (async) is undeclared
    assert web["contract"] == "services/web/catalog-info.yaml"
    assert {(d["rule"], d["subject"]) for d in web["drift"]} == {("CON010", "retired"), ("CON003", "mailer")}
    code, out, _ = _run(["contract", "infer", str(repo), "--service", "web", "--write", "--format", "backstage"])
    assert out == "updated services/web/catalog-info.yaml\n"
    text = (repo / "services/web/catalog-info.yaml").read_text(encoding="utf-8")
    assert "  owner: team-storefront  # the owner\n" in text and "kind: API" in text
    assert ("  dependsOn:\n    - component:default/inventory\n    - resource:default/web-sessions\n"
            "    - component:mailer\n") in text
    assert "retired" not in text
    web = next(s for s in json.loads(_run(["diff", str(repo), "--format", "json"])[1])["services"]
               if s["service"] == "web")
    assert web["drift"] == []


def test_write_edits_a_block_contract_in_place(make_repo) -> None:
    repo = make_repo({
        "docker-compose.yml": "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n",
        "a/app.py": "import requests\n\ndef f():\n    return requests.get('http://b:8000/x', timeout=2)\n",
        "a/service.yaml": "service:\n  name: a\n  owner: team-a  # pager: #a-oncall\n"
                          "dependencies:\n  # the one that matters\n  - name: b\n    type: async   # wrong\n"
                          "    criticality: hard\n    description: stock levels\n"
                          "  - name: gone\n    type: sync\n# end of dependencies\n",
    })
    code, out, _ = _run(["contract", "infer", str(repo), "--write"])
    assert code == 0
    text = (repo / "a/service.yaml").read_text(encoding="utf-8")
    assert text == ("service:\n  name: a\n  owner: team-a  # pager: #a-oncall\n"
                    "dependencies:\n  # the one that matters\n  - name: b\n    type: sync   # wrong\n"
                    "    criticality: hard\n    description: stock levels\n# end of dependencies\n")


def test_diff_without_contracts_is_clean_and_unknown_service_is_a_usage_error(make_repo) -> None:
    repo = make_repo({"docker-compose.yml": "services:\n  a:\n    build: ./a\n",
                      "a/app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    code, out, _ = _run(["diff", str(repo)])
    assert code == 0
    code, _, err = _run(["contract", "infer", str(repo), "--service", "nope"])
    assert code == 2 and err.count("\n") == 1 and "nope" in err


def test_schema_errors_point_at_their_lines(make_repo) -> None:
    text = ("service:\n  name: a\n  ownr: team-a\n"           # 3: unknown key
            "dependencies:\n  - name: b\n    type: later\n"    # 6: bad enum
            "  - type: sync\n"                                 # 7: missing name
            "exposes:\n  apis:\n    - /no-method\n")           # 10: bad pattern
    facts = extract_bytes("a/service.yaml", "contract", text.encode())
    assert [e.line for e in facts.errors] == [3, 6, 7, 10]
    assert "unknown key 'ownr'" in facts.errors[0].message
    repo = make_repo({"a/service.yaml": text})
    code, out, _ = _run(["contract", "validate", str(repo)])
    assert code == 1
    assert [line.split(":")[1] for line in out.splitlines()[:-1]] == ["3", "6", "7", "10"]
    findings = run_rules(analyze(str(repo)), [r for r in ALL_RULES if r.id == "CON001"])
    assert [(f.file, f.line) for f in findings] == [("a/service.yaml", n) for n in (3, 6, 7, 10)]
    assert _run(["contract", "validate", str(repo / "missing.yaml")])[0] == 2


@pytest.mark.parametrize("a, b", [("GET /users/:id", "GET /users/{user_id}"),
                                  ("GET /users/<int:id>", "GET /users/{id}"),
                                  ("get /users/{id:int}/", "GET /users/:uid"),
                                  ("* /users", "POST /users"),
                                  ("GRPC /shop.payments.PaymentService/Charge", "GRPC /shop.payments.PaymentService"),
                                  ("GRPC /PaymentService", "GRPC /shop.payments.PaymentService")])
def test_apis_compare_equal_whatever_the_parameter_spelling(a: str, b: str) -> None:
    assert apis_match(a, b) and apis_match(b, a)


def test_apis_and_events_that_differ() -> None:
    assert not apis_match("GET /users/:id", "GET /users")
    assert not apis_match("GET /users/:id", "DELETE /users/{id}")
    assert not apis_match("GRPC /a.Pay", "GRPC /b.Pay")
    assert api_key("GET /a/<path:rest>") == ("GET", "/a/{}")
    assert events_match("OrderPlaced", "order-placed") and not events_match("order-placed", "order-paid")


def test_handled_calls_are_those_whose_failure_stops_in_an_except_clause() -> None:
    code = ("import requests\n\n"
            "def a():\n    try:\n        return requests.get('http://x', timeout=1)\n    except Exception:\n        return None\n\n"
            "def b():\n    try:\n        return requests.get('http://x', timeout=1)\n    except Exception:\n        raise\n\n"
            "def c():\n    try:\n        return requests.get('http://x', timeout=1)\n    except Exception: raise\n\n"
            "def d():\n    return requests.get('http://x', timeout=1)\n")
    facts = extract_bytes("svc/app.py", "python", code.encode())
    assert [(c.function, c.handled) for c in facts.python.calls] == [("a", True), ("b", False), ("c", False),
                                                                     ("d", False)]

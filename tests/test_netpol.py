"""NetworkPolicy facts, selection semantics, SEC007/SEC008 on fixtures/netpol, and the generator
round-tripped: the generated policies parse back, select the workloads' pods, allow exactly the
inferred traffic on the right ports, and leave nothing for SEC007/SEC008 to report."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from svclint.cli import main
from svclint.engine import analyze, run_rules
from svclint.extract.kubernetes import extract_kubernetes
from svclint.generate import network_policies, render
from svclint.model import LabelSelector
from svclint.netpol import cluster, traffic
from svclint.rules.security import SEC007, SEC008

NETPOL = Path(__file__).resolve().parent.parent / "fixtures" / "netpol"


def test_network_policy_extraction_defaults_and_selectors() -> None:
    text = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector:
    matchExpressions: [{key: tier, operator: NotIn, values: [data]}]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {team: ops}}
          podSelector: {matchLabels: {app: report}}
        - ipBlock: {cidr: 10.0.0.0/8}
      ports: [{port: 8000}, {protocol: UDP, port: 53}]
    - {}
  egress:
    - to: [{podSelector: {}}]
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: ops}}
"""
    facts, errors = extract_kubernetes("k8s/p.yaml", text)
    assert errors == []
    (pol,) = facts.network_policies
    assert pol.policy_types == ("Ingress", "Egress")   # egress rules given, no policyTypes
    assert pol.pod_selector.match_expressions == (("tier", "NotIn", ("data",)),)
    first, allow_all = pol.ingress
    assert (first.line, allow_all.line, allow_all.peers, allow_all.ports) == (8, 13, (), ())
    assert first.ports == ("TCP/8000", "UDP/53")
    assert first.peers[0].namespace_selector == LabelSelector((("team", "ops"),))
    assert first.peers[1].ip_block == "10.0.0.0/8" and first.peers[1].pod_selector is None
    assert pol.egress[0].peers[0].pod_selector == LabelSelector()
    assert facts.namespaces == (("ops", (("kubernetes.io/metadata.name", "ops"), ("team", "ops"))),)


@pytest.mark.parametrize(("op", "values", "labels", "expected"), [
    ("In", ("a", "b"), {"k": "a"}, True), ("In", ("a",), {"k": "c"}, False), ("In", ("a",), {}, False),
    ("NotIn", ("a",), {"k": "b"}, True), ("NotIn", ("a",), {}, True), ("NotIn", ("a",), {"k": "a"}, False),
    ("Exists", (), {"k": ""}, True), ("Exists", (), {}, False),
    ("DoesNotExist", (), {}, True), ("DoesNotExist", (), {"k": "x"}, False), ("Bogus", (), {"k": "x"}, False),
])
def test_match_expressions(op: str, values: tuple, labels: dict, expected: bool) -> None:
    assert LabelSelector((), (("k", op, values),)).matches(labels) is expected


def test_secret_manifest_keeps_no_value() -> None:
    text = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata:\n  password: V2ludDNyLUlzLUMwbWluZw==\n" \
           "  user: YXBw\n"
    facts, _ = extract_kubernetes("k8s/s.yaml", text)
    assert facts.secret_data == (("db", "password", 5, "a literal password"),)
    assert "Wint3r" not in repr(facts)


def test_sec007_sec008_on_the_netpol_fixture() -> None:
    findings = run_rules(analyze(str(NETPOL)), [SEC007, SEC008])
    got = {(f.rule, f.file, f.line, f.severity.value) for f in findings}
    assert got == {
        ("SEC008", "k8s/policies.yaml", 80, "error"),     # blocks api -> ledger
        ("SEC008", "k8s/policies.yaml", 91, "warning"),   # admits web -> ledger
        ("SEC008", "k8s/policies.yaml", 110, "warning"),  # admits ledger -> db
        ("SEC007", "k8s/report.yaml", 1, "warning"),      # report (namespace ops) unselected
    }
    block = next(f for f in findings if f.severity.value == "error")
    assert "api -> ledger" in block.message and "api/app.py:23" in block.message


def _policies(root: Path, namespace: str | None = None) -> list[dict]:
    return list(yaml.safe_load_all(render(network_policies(analyze(str(root)), namespace))))


def test_generated_policies_round_trip_against_the_graph(shop: Path) -> None:
    analysis = analyze(str(shop))
    docs = _policies(shop)
    by_name = {d["metadata"]["name"]: d for d in docs}
    c = cluster(analysis.files, analysis.arch)
    expected_nodes = {s.id for s in analysis.arch.services} | {"postgres", "redis", "cart-redis", "mongo", "kafka"}
    assert set(by_name) == {f"{n}-traffic" for n in expected_nodes}
    labels = {n: c.of(n)[0].labels for n in expected_nodes}
    ports = {n: sorted(int(p) for p in c.of(n)[0].ports) for n in expected_nodes}

    def owner(selector: dict) -> str:
        (match,) = [n for n, lab in labels.items() if all(lab.get(k) == v for k, v in selector["matchLabels"].items())]
        return match

    flows = set(traffic(analysis.arch))
    for node in expected_nodes:
        doc = by_name[f"{node}-traffic"]
        assert doc["apiVersion"] == "networking.k8s.io/v1" and doc["metadata"]["namespace"] == "shop"
        spec = doc["spec"]
        assert owner(spec["podSelector"]) == node
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        callers = {owner(p["podSelector"]) for r in spec["ingress"] for p in r.get("from", ())}
        assert callers == {s for s, d in flows if d == node and s != node}
        for rule in spec["ingress"]:
            assert sorted(p["port"] for p in rule["ports"]) == ports[node]
        egress_to = set()
        for rule in spec["egress"]:
            for peer in rule.get("to", ()):
                if "ipBlock" in peer or "namespaceSelector" in peer:
                    continue
                target = owner(peer["podSelector"])
                egress_to.add(target)
                assert sorted(p["port"] for p in rule["ports"]) == ports[target]
        assert egress_to - {node} == {d for s, d in flows if s == node and d in expected_nodes and d != node}
        dns = spec["egress"][-1]
        assert dns["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
        assert sorted((p["protocol"], p["port"]) for p in dns["ports"]) == [("TCP", 53), ("UDP", 53)]
    # the entry point accepts its port from anywhere; payments reaches its card processor
    assert by_name["gateway-traffic"]["spec"]["ingress"] == [{"ports": [{"protocol": "TCP", "port": 8000}]}]
    assert any("ipBlock" in p for r in by_name["payments-traffic"]["spec"]["egress"] for p in r.get("to", ()))
    assert render(network_policies(analysis)) == render(network_policies(analyze(str(shop))))  # deterministic


def test_generated_policies_satisfy_sec007_and_sec008(tmp_path: Path) -> None:
    root = tmp_path / "netpol"
    shutil.copytree(NETPOL, root)
    (root / "k8s" / "policies.yaml").unlink()
    before = run_rules(analyze(str(root)), [SEC007])
    assert {f.file for f in before} == {"k8s/api.yaml", "k8s/report.yaml"}   # one finding per namespace
    (root / "k8s" / "generated.yaml").write_text(render(network_policies(analyze(str(root)))), encoding="utf-8")
    analysis = analyze(str(root))
    assert len(analysis.files["k8s/generated.yaml"].deploy.network_policies) == 5
    assert run_rules(analysis, [SEC007, SEC008]) == []
    api = next(d for d in _policies(root) if d["metadata"]["name"] == "api-traffic")
    peers = [p for r in api["spec"]["ingress"] for p in r["from"]]
    # the report job lives in namespace ops: its peer selects that namespace too
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ops"}},
            "podSelector": {"matchLabels": {"app": "report"}}} in peers


def test_generate_cli(tmp_path: Path) -> None:
    out = tmp_path / "np.yaml"
    result = CliRunner().invoke(main, ["generate", "networkpolicy", str(NETPOL), "--namespace", "prod", "-o", str(out)])
    assert result.exit_code == 0, result.output
    docs = list(yaml.safe_load_all(out.read_text(encoding="utf-8")))
    assert {d["metadata"]["namespace"] for d in docs} == {"prod"}
    assert not any("namespaceSelector" in p and "kube-dns" not in str(p)
                   for d in docs for r in d["spec"]["ingress"] for p in r.get("from", ()))
    bad = CliRunner().invoke(main, ["generate", "networkpolicy", str(NETPOL), "--namespace", "Bad_NS"])
    assert bad.exit_code == 2 and "namespace" in bad.output
    missing = CliRunner().invoke(main, ["generate", "networkpolicy", str(tmp_path / "nope")])
    assert missing.exit_code == 2

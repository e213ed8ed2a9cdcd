"""SEC008 network-policy-mismatch."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.netpol import Cluster, blocking, cluster, peer_admits, selects, traffic
from svclint.rule import ARCHITECTURE, Context, Example, Rule


def check(ctx: Context) -> Iterator[Finding]:
    c = cluster(ctx.files, ctx.arch)
    if not c.policies:
        return
    flows = traffic(ctx.arch)
    for (src, dst), (protocol, file, line) in sorted(flows.items()):
        srcs, dsts = c.of(src), c.of(dst)
        if not srcs or not dsts:
            continue
        blocked = [b for s in srcs for d in dsts if (b := blocking(c, s, d))[0]]
        if blocked and len(blocked) == len(srcs) * len(dsts):
            side, policies = blocked[0]
            pol = policies[0]
            names = ", ".join(p.name for p in policies)
            code = f" ({file}:{line})" if file else ""
            pods = dst if side == "ingress" else src
            yield RULE.finding(f"NetworkPolicy blocks {src} -> {dst} ({protocol}), traffic the code makes{code}: "
                               f"no {side} rule of the policies selecting {pods} ({names}) admits it",
                               pol.file, pol.line, service=src, severity=Severity.ERROR,
                               symbol=f"block:{pol.name}:{src}:{dst}")
    used = set(flows)
    yield from _over_allowed(c, used)


def _over_allowed(c: Cluster, used: set[tuple[str, str]]) -> Iterator[Finding]:
    for pol in c.policies:
        selected = [p for p in c.pods if p.node and selects(pol, p)]
        for direction, rules in (("Ingress", pol.ingress), ("Egress", pol.egress)):
            if direction not in pol.policy_types:
                continue
            for rule in rules:
                if any(port.endswith("/53") for port in rule.ports):
                    continue   # DNS
                for peer in rule.peers:
                    if peer.ip_block or peer.pod_selector is None or not peer.pod_selector.match_labels and \
                            not peer.pod_selector.match_expressions:
                        continue   # address ranges and whole namespaces: not pod-to-pod decisions
                    admitted = [p for p in c.pods if p.node and peer_admits(c, peer, pol.namespace, p)]
                    for me in selected:
                        for other in admitted:
                            if other.node == me.node:
                                continue
                            pair = (other.node, me.node) if direction == "Ingress" else (me.node, other.node)
                            if pair in used:
                                continue
                            arrow = f"{pair[0]} -> {pair[1]}"
                            yield RULE.finding(f"NetworkPolicy {pol.name} allows {arrow}, traffic no code "
                                               f"uses", pol.file, rule.line, service=me.node,
                                               symbol=f"allow:{pol.name}:{arrow}")


_APP = """from flask import Flask
import requests
app = Flask(__name__)

@app.get("/x")
def x():
    return requests.get("http://b:8000/y", timeout=2).text
"""
_B = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/y')\ndef y():\n    return 'y'\n"
_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - {{name: {name}, image: "shop/{name}:1", ports: [{{containerPort: 8000}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 8000}}]
"""
_POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: b-ingress, namespace: shop}}
spec:
  podSelector: {{matchLabels: {{app: b}}}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {peer}
      ports:
        - {{protocol: TCP, port: {port}}}
"""


def _repo(peer: str, port: str = "8000", extra: dict | None = None) -> dict:
    files = {"a/app.py": _APP, "b/app.py": _B, "k8s/a.yaml": _DEPLOY.format(name="a"),
             "k8s/b.yaml": _DEPLOY.format(name="b"), "k8s/c.yaml": _DEPLOY.format(name="c"),
             "k8s/policy.yaml": _POLICY.format(peer=peer, port=port)}
    files.update(extra or {})
    return files


RULE = Rule(
    id="SEC008", name="network-policy-mismatch", area="security", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="NetworkPolicy that blocks traffic the code makes, or allows pod traffic no code uses",
    rationale="Checklist, Security: 'Network policies restrict inter-service traffic'. A policy written "
              "by hand drifts from the code: a new call is silently dropped in production (an error), or a "
              "rule keeps admitting a service that stopped calling long ago (a warning: least privilege "
              "lost). The traffic is the inferred graph: calls and datastore connections, and for "
              "messaging the connection of producers and consumers to the broker. Selection and admission "
              "follow Kubernetes (namespaces, namespaceSelector, matchLabels, matchExpressions, ports, "
              "ingress of the callee and egress of the caller). Known limits: ipBlock peers admit pod "
              "traffic only for 0.0.0.0/0; rules that admit a whole namespace or every pod are not called "
              "over-broad (default-allow-in-namespace is a deliberate choice); traffic to external hosts "
              "and DNS is not checked; a named port matches when the container names it.",
    fix="Add the missing `from`/`to` peer and port, or drop the peer nobody needs; "
        "`svclint generate networkpolicy PATH` writes the policies the code implies.",
    checklist="Security: Network policies restrict inter-service traffic",
    check=check,
    valid=(
        Example(_repo("{matchLabels: {app: a}}"), note="allows exactly the caller a on its port"),
        Example(_repo("{matchExpressions: [{key: app, operator: In, values: [a]}]}")),
    ),
    invalid=(
        Example(_repo("{matchLabels: {app: c}}"), ("k8s/policy.yaml:1", "k8s/policy.yaml:8"),
                note="blocks a -> b, which the code calls, and admits c, which never calls b"),
        Example(_repo("{matchLabels: {app: a}}", port="9000"), ("k8s/policy.yaml:1",),
                note="the caller is admitted on a port the callee does not listen on"),
        Example(_repo("{matchExpressions: [{key: app, operator: Exists}]}"), ("k8s/policy.yaml:8",),
                note="admits every labelled pod, c among them"),
    ),
)

"""SCL001 single-replica."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import receives_traffic, workload_index, workloads_at

_SCALABLE = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "Rollout")


def check(ctx: Context) -> Iterator[Finding]:
    index = workload_index(ctx)
    for svc in ctx.arch.services:
        if svc.autoscaled or not receives_traffic(ctx, svc):
            continue
        seen = set()
        for w in workloads_at(index, svc.workloads):
            if w.source != "kubernetes" or w.kind not in _SCALABLE:
                continue
            if (w.file, w.line) in seen:
                continue
            seen.add((w.file, w.line))
            if w.replicas is None or w.replicas <= 1:
                how = "no replicas (Kubernetes runs 1)" if w.replicas is None else f"replicas: {w.replicas}"
                yield RULE.finding(f"{w.kind} {w.name} serves traffic with {how} and no autoscaler: one pod "
                                   f"restart or node drain is an outage", w.file, w.line, service=svc.id,
                                   symbol=f"{w.file}:{w.name}")


_APP = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/items')\ndef items():\n    return []\n"
_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: api}}
spec:
{replicas}  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
        - {{name: api, image: "registry.example.com/api:1"}}
"""
_HPA = """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 1
  maxReplicas: 5
"""

RULE = Rule(
    id="SCL001", name="single-replica", area="scalability", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Service that receives traffic runs one replica and has no autoscaler",
    rationale="Checklist, Scalability: 'Horizontal scaling possible (stateless design)' and Resilience: "
              "'No single point of failure'. One replica means every deploy, crash, eviction or node drain "
              "is downtime for every caller, and load cannot spread. A service receives traffic when it "
              "serves routes, gRPC or RPC, or another service calls it; workers that only consume are not "
              "checked (one consumer can be right). An HPA or KEDA ScaledObject targeting the workload "
              "counts even with minReplicas 1. Compose deployments (local development) and DaemonSets, "
              "Jobs and Pods are not checked.",
    fix="Set `replicas: 2` or more (with a PodDisruptionBudget), or add a HorizontalPodAutoscaler.",
    checklist="Scalability: Horizontal scaling possible (stateless design)",
    check=check,
    valid=(
        Example({"api/main.py": _APP, "k8s/api.yaml": _DEPLOY.format(replicas="  replicas: 3\n")}),
        Example({"api/main.py": _APP, "k8s/api.yaml": _DEPLOY.format(replicas="") + _HPA}),
    ),
    invalid=(
        Example({"api/main.py": _APP, "k8s/api.yaml": _DEPLOY.format(replicas="  replicas: 1\n")},
                ("k8s/api.yaml:1",)),
        Example({"api/main.py": _APP, "k8s/api.yaml": _DEPLOY.format(replicas="")}, ("k8s/api.yaml:1",)),
    ),
)

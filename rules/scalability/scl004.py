"""SCL004 no-resource-limits."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule


def check(ctx: Context) -> Iterator[Finding]:
    limited = {ns for f in ctx.files.values() if f.deploy is not None for ns in f.deploy.limit_ranges}
    for path in sorted(ctx.files):
        f = ctx.files[path]
        if f.deploy is None or f.kind == "compose":
            continue
        docs: dict[int, list] = {}
        for w in f.deploy.workloads:
            if w.source == "kubernetes" and w.container:
                docs.setdefault(w.line, []).append(w)
        for line, ws in sorted(docs.items()):
            if ws[0].namespace in limited or ("" in limited):
                continue   # a LimitRange gives the namespace's containers default requests and limits
            bare = [w.container for w in ws if not w.has_resources]
            if not bare:
                continue
            w = ws[0]
            which = "its container sets" if len(ws) == 1 else \
                f"container {bare[0]} sets" if len(bare) == 1 else f"containers {', '.join(bare)} set"
            sid = w.name if ctx.arch.service(w.name) is not None else ""
            yield RULE.finding(f"{w.kind} {w.name}: {which} no resource requests or limits", path, line, service=sid,
                               symbol=f"{path}:{w.name}")


_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1
{resources}        - name: proxy
          image: envoyproxy/envoy:v1.30
          resources: {{requests: {{cpu: 50m, memory: 64Mi}}, limits: {{memory: 128Mi}}}}
"""
_LIMITS = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults, namespace: shop}\nspec:\n  limits:\n" \
          "    - type: Container\n      default: {memory: 256Mi}\n      defaultRequest: {cpu: 100m, memory: 128Mi}\n"

RULE = Rule(
    id="SCL004", name="no-resource-limits", area="scalability", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Kubernetes container without resource requests or limits",
    rationale="Checklist, Scalability: 'Resource limits defined (CPU, memory)'. Without requests the "
              "scheduler packs pods blindly and the autoscaler has nothing to measure utilisation against; "
              "without a memory limit one leaking pod starves its neighbours on the node. One finding per "
              "workload names the containers that set neither requests nor limits. A LimitRange in the "
              "namespace (it gives containers defaults) silences the rule there. Compose files, meant for "
              "local development, are not checked.",
    fix="Give every container `resources.requests` (cpu, memory) and at least `resources.limits.memory`, "
        "or add a LimitRange with defaults to the namespace.",
    checklist="Scalability: Resource limits defined (CPU, memory)",
    check=check,
    valid=(
        Example({"k8s/api.yaml": _DEPLOY.format(
            resources="          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n")}),
        Example({"k8s/api.yaml": _DEPLOY.format(resources=""), "k8s/limits.yaml": _LIMITS},
                note="the namespace's LimitRange sets defaults"),
    ),
    invalid=(
        Example({"k8s/api.yaml": _DEPLOY.format(resources="")}, ("k8s/api.yaml:1",)),
    ),
)

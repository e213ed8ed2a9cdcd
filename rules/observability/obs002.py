"""OBS002 missing-probe."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import receives_traffic

_EXEMPT = ("Job", "CronJob", "Pod")
_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
        - name: api
          image: api
{probes}"""
_PROBES = """          livenessProbe: {httpGet: {path: /health, port: 8000}}
          readinessProbe: {httpGet: {path: /health, port: 8000}}
"""
_APP = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/health')\ndef h():\n    return 'ok'\n"


def check(ctx: Context) -> Iterator[Finding]:
    for w in ctx.arch.workloads:
        if w.kind in _EXEMPT:
            continue
        svc = ctx.arch.workload_service(w)
        if svc is None:
            continue
        kinds = {p.kind for p in w.probes}
        if w.source == "compose":
            if "healthcheck" not in kinds:
                yield RULE.finding(f"compose service {w.name} has no healthcheck", w.file, w.line,
                                   service=svc.id, symbol=f"{w.file}:{w.name}")
            continue
        missing = []
        if "liveness" not in kinds:
            missing.append("livenessProbe")
        if "readiness" not in kinds and receives_traffic(ctx, svc):
            missing.append("readinessProbe")
        if missing:
            yield RULE.finding(f"{w.kind} {w.name} has no {' or '.join(missing)}", w.file, w.line,
                               service=svc.id, symbol=f"{w.file}:{w.name}:{w.container}")


RULE = Rule(
    id="OBS002", name="missing-probe", area="observability", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Workload without liveness/readiness probe, or compose service without healthcheck",
    rationale="Checklist, Observability: 'Health check endpoints (/health, /ready)' only help when the "
              "platform asks them. A Deployment without a livenessProbe is never restarted when it hangs; "
              "one without a readinessProbe gets traffic before it can serve it (readiness is required "
              "only for services that receive traffic; workers need liveness). Compose services without "
              "a healthcheck make depends_on conditions meaningless. Jobs, CronJobs, bare Pods and "
              "third-party images (datastores, brokers) are exempt.",
    fix="Add livenessProbe and readinessProbe (httpGet on the health routes, grpc for gRPC servers, "
        "exec for workers), or a compose healthcheck.",
    checklist="Observability: Health check endpoints (/health, /ready)",
    check=check,
    valid=(Example({"k8s/api.yaml": _DEPLOYMENT.format(probes=_PROBES), "api/app.py": _APP}),),
    invalid=(Example({"k8s/api.yaml": _DEPLOYMENT.format(probes=""), "api/app.py": _APP}, ("k8s/api.yaml:1",)),),
)

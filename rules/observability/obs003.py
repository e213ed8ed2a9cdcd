"""OBS003 probe-path-not-served."""
from __future__ import annotations

import re
from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule

_K8S = """apiVersion: apps/v1
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
          livenessProbe: {{httpGet: {{path: /health, port: 8000}}}}
          readinessProbe: {{httpGet: {{path: {path}, port: 8000}}}}
"""
_APP = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/health')\ndef h():\n    return 'ok'\n"


def _served(path: str, routes: set[str]) -> bool:
    path = path.split("?", 1)[0].rstrip("/") or "/"
    for route in routes:
        pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(route.rstrip("/") or "/")) + "$"
        if re.match(pattern, path):
            return True
    return False


def check(ctx: Context) -> Iterator[Finding]:
    for w in ctx.arch.workloads:
        svc = ctx.arch.workload_service(w)
        if svc is None or svc.language != "python" or not svc.http:
            continue  # only where the code's routes are known
        routes = {r.split(" ", 1)[1] for r in svc.http if r.split(" ", 1)[0] in ("GET", "*", "HEAD")}
        for probe in w.probes:
            if probe.type != "http" or not probe.path or _served(probe.path, routes):
                continue
            what = f"{probe.kind} probe" if probe.kind != "healthcheck" else "healthcheck"
            yield RULE.finding(f"{what} of {w.name} requests {probe.path}, which the code of {svc.id} does not serve",
                               w.file, probe.line or w.line, service=svc.id,
                               symbol=f"{w.name}:{probe.kind}:{probe.path}")


RULE = Rule(
    id="OBS003", name="probe-path-not-served", area="observability", severity=Severity.ERROR,
    scope=ARCHITECTURE,
    summary="Probe or healthcheck requests a path the service's code does not serve",
    rationale="Checklist, Observability: 'Health check endpoints (/health, /ready)'. A probe that asks "
              "for a path the application does not route gets 404: the readiness probe never passes "
              "(the pod never receives traffic) or the liveness probe kills healthy pods in a loop. "
              "svclint compares every httpGet probe and compose healthcheck URL with the GET routes "
              "it found in the service's code; services whose routes it cannot see are not judged.",
    fix="Point the probe at a route the code serves, or serve the path the probe asks for.",
    checklist="Observability: Health check endpoints (/health, /ready)",
    check=check,
    valid=(Example({"k8s/api.yaml": _K8S.format(path="/health"), "api/app.py": _APP}),),
    invalid=(Example({"k8s/api.yaml": _K8S.format(path="/ready"), "api/app.py": _APP}, ("k8s/api.yaml:14",)),),
)

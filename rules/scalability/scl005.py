"""SCL005 no-rate-limit."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import service_location
from svclint.rules.security._code import RATE_LIMIT_MODULES, exposed, python_files


def _limits_in_code(ctx: Context, sid: str) -> bool:
    for _, py in python_files(ctx, sid):
        for i in py.imports:
            module = i.module.lstrip(".")
            if module.startswith(RATE_LIMIT_MODULES) or any(f"{module}.{n}".startswith(RATE_LIMIT_MODULES)
                                                           for n in i.names):
                return True
        if any(c.name.upper().startswith("DEFAULT_THROTTLE") or "THROTTLE_RATES" in c.value for c in py.constants):
            return True
    return False


def check(ctx: Context) -> Iterator[Finding]:
    for sid, (file, line, limited) in sorted(exposed(ctx).items()):
        if limited or _limits_in_code(ctx, sid):
            continue
        svc = ctx.arch.service(sid)
        if svc is None or not (svc.http or svc.grpc):
            continue
        path, at = service_location(ctx, svc)
        yield RULE.finding(f"{sid} is reachable from outside ({file}:{line}) and nothing limits its request "
                           f"rate (no limiter middleware, no rate-limit annotation)", path, at, service=sid,
                           symbol=f"rate:{sid}")


_APP = "from fastapi import FastAPI\n{extra}\napp = FastAPI()\n\n@app.get('/items')\ndef items():\n    return []\n"
_K8S = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: api}}
spec:
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
        - {{name: api, image: "registry.example.com/api:1"}}
---
apiVersion: v1
kind: Service
metadata: {{name: api}}
spec:
  selector: {{app: api}}
  ports: [{{port: 80, targetPort: 8000}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
{annotations}spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend: {{service: {{name: api, port: {{number: 80}}}}}}
"""

RULE = Rule(
    id="SCL005", name="no-rate-limit", area="scalability", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Service reachable from outside without rate limiting",
    rationale="Checklist, Scalability: 'Rate limiting on public APIs'. A public endpoint without a limit "
              "lets one client (a bug, a scraper, an attack) take all capacity from everyone else and from "
              "the services behind it. Reachable from outside: a LoadBalancer/NodePort Service or an Ingress "
              "backend; without Kubernetes, a compose service that publishes a port and no other service "
              "calls. A limit counts when the code imports a limiter (slowapi, flask-limiter, "
              "fastapi-limiter, django-ratelimit, DRF throttling, limits, ...), the Ingress carries a "
              "rate-limit annotation (ingress-nginx `limit-rps`/`limit-rpm`/`limit-connections`, or any "
              "`rate-limit`), or compose Traefik labels configure a ratelimit middleware. Known limit: a "
              "limit enforced by an API gateway or WAF outside the repository is not seen.",
    fix="Add a limiter (slowapi/flask-limiter with a Redis backend so all replicas share it), or an Ingress "
        "annotation such as `nginx.ingress.kubernetes.io/limit-rps: \"20\"`.",
    checklist="Scalability: Rate limiting on public APIs",
    check=check,
    valid=(
        Example({"api/main.py": _APP.format(extra=""), "k8s/api.yaml": _K8S.format(
            annotations="  annotations:\n    nginx.ingress.kubernetes.io/limit-rps: \"20\"\n")}),
        Example({"api/main.py": _APP.format(extra="from slowapi import Limiter\n"),
                 "k8s/api.yaml": _K8S.format(annotations="")}),
    ),
    invalid=(
        Example({"api/main.py": _APP.format(extra=""), "k8s/api.yaml": _K8S.format(annotations="")},
                ("api/main.py:5",)),
    ),
)

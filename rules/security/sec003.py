"""SEC003 missing-authentication."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.extract.python.libraries import AUTH_MODULES
from svclint.rules.security._code import exposed, python_files

_SAFE = ("GET", "HEAD", "OPTIONS", "WS")


def _authenticates(ctx: Context, sid: str) -> bool:
    for _, py in python_files(ctx, sid):
        if any(c.kind == "auth" for c in py.code_facts):
            return True
        if any(i.module.lstrip(".").startswith(AUTH_MODULES) or
               any(f"{i.module}.{n}".startswith(AUTH_MODULES) for n in i.names) for i in py.imports):
            return True
    return False


def check(ctx: Context) -> Iterator[Finding]:
    # inbound: a service reachable from outside that changes state with no authentication at all
    for sid, (file, line, _) in sorted(exposed(ctx).items()):
        if _authenticates(ctx, sid):
            continue
        writes = [(path, r) for path, py in python_files(ctx, sid) for r in py.routes
                  if r.method not in _SAFE and r.method not in ("PREFIX", "MOUNT", "INCLUDE", "RPC", "GRPC")]
        if not writes:
            continue
        path, first = min(writes, key=lambda x: (x[0], x[1].line))
        routes = sorted({f"{r.method} {r.path}" for _, r in writes})
        shown = ", ".join(routes[:3]) + (f" and {len(routes) - 3} more" if len(routes) > 3 else "")
        yield RULE.finding(f"{sid} is reachable from outside ({file}:{line}) and serves {shown} without any "
                           f"authentication", path, first.line, service=sid, symbol=f"inbound:{sid}")
    # outbound: calls to a service that authenticates its callers, sent without credentials
    for e in ctx.arch.edges:
        if e.kind != "call" or ctx.arch.service(e.target) is None or ctx.arch.service(e.source) is None:
            continue
        if not _authenticates(ctx, e.target):
            continue
        for ev in e.evidence:
            py = ctx.files[ev.file].python if ev.file in ctx.files else None
            if py is None or any(c.kind == "call-credentials" for c in py.code_facts):
                continue
            yield RULE.finding(f"call from {e.source} to {e.target}, which authenticates its callers, sends no "
                               f"credentials (no headers, auth or metadata in this module)", ev.file, ev.line,
                               service=e.source, symbol=f"outbound:{e.source}:{e.target}")


_API = """from fastapi import Depends, FastAPI
{imports}
app = FastAPI()


@app.get("/health")
def health():
    return {{"ok": True}}


@app.post("/orders")
def create(order: dict{auth}):
    return order
"""
_K8S = """apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - {name: api, image: "registry.example.com/api:1"}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  type: LoadBalancer
  selector: {app: api}
  ports: [{port: 80, targetPort: 8000}]
"""
_CALLER = """import requests

def charge(order):
    return requests.post("http://ledger:8000/charges", json=order, timeout=3{extra})
"""
_LEDGER = """from fastapi import Depends, FastAPI
from fastapi.security import HTTPBearer

app = FastAPI()
bearer = HTTPBearer()


@app.post("/charges")
def charge(body: dict, token=Depends(bearer)):
    return body
"""
_COMPOSE = "services:\n  shop:\n    build: ./shop\n  ledger:\n    build: ./ledger\n"

RULE = Rule(
    id="SEC003", name="missing-authentication", area="security", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Public service that changes state without authentication, or a call that sends no credentials "
            "to a service requiring them",
    rationale="Checklist, Security: 'Authentication/authorization at service boundaries'. A service reachable "
              "from outside (a LoadBalancer/NodePort Service or an Ingress backend; without Kubernetes, a "
              "compose service that publishes a port and that no other service calls) whose POST/PUT/PATCH/"
              "DELETE routes have no authentication lets anyone act as anyone. Authentication counts when "
              "the service's code uses an auth library (fastapi.security, flask_login, flask_jwt_extended, "
              "DRF permissions, authlib, PyJWT, ...), an auth dependency (`Depends(get_current_user)`, "
              "`Security(...)`) or an auth decorator (`login_required`, `jwt_required`, ...). Public "
              "read-only services (GET only) are not reported. Outbound: a call to a service that "
              "authenticates its callers from a module that never passes headers, auth, cookies or gRPC "
              "metadata will be rejected or relies on a trust that is not there. Known limits: auth done by "
              "an API gateway or mesh in front of the service is not seen (suppress with a reason), and "
              "credentials set on a client in another module are not followed.",
    fix="Add an authentication dependency/decorator (OAuth2/JWT bearer, API key, mTLS identity) to the "
        "state-changing routes, and forward or mint a token on service-to-service calls.",
    checklist="Security: Authentication/authorization at service boundaries",
    check=check,
    valid=(
        Example({"api/main.py": _API.format(imports="from .auth import current_user",
                                            auth=", user=Depends(current_user)"), "k8s/api.yaml": _K8S}),
        Example({"shop/app.py": _CALLER.format(extra=", headers={'Authorization': f'Bearer {TOKEN}'}"),
                 "ledger/main.py": _LEDGER, "docker-compose.yml": _COMPOSE}),
    ),
    invalid=(
        Example({"api/main.py": _API.format(imports="", auth=""), "k8s/api.yaml": _K8S}, ("api/main.py:11",)),
        Example({"shop/app.py": _CALLER.format(extra=""), "ledger/main.py": _LEDGER, "docker-compose.yml": _COMPOSE},
                ("shop/app.py:4",)),
    ),
)

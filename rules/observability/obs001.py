"""OBS001 no-health-endpoint."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import service_location

COMPOSE = "services:\n  {name}:\n    build: ./{name}\n"


def check(ctx: Context) -> Iterator[Finding]:
    for svc in ctx.arch.services:
        if svc.language != "python" or not svc.files or svc.health_endpoints:
            continue
        if svc.framework == "none" and not svc.workloads:
            continue
        if svc.role in ("worker", "beat", "monitor"):
            continue   # a queue worker or scheduler of a web codebase serves no HTTP: its probe is a command
        file, line = service_location(ctx, svc)
        yield RULE.finding(f"service {svc.id} serves no health endpoint (/health, /ready, gRPC health)",
                           file, line, service=svc.id, symbol=svc.id)


RULE = Rule(
    id="OBS001", name="no-health-endpoint", area="observability", severity=Severity.WARNING,
    scope=ARCHITECTURE,
    summary="Service serves no health or readiness endpoint",
    rationale="Checklist, Observability: 'Health check endpoints (/health, /ready)'. Without one the "
              "orchestrator can only tell whether the process exists, not whether it can do its work, "
              "so a stuck or half-started instance keeps receiving traffic and is never restarted. "
              "HTTP routes named health, healthz, ready, readyz, live, livez (and the paths the "
              "deployment's probes use) count, so does health-check middleware wrapped around the "
              "application with such a path (`application = health_check(application, \"/health/\")`), "
              "and so does the gRPC health service. Workers without a "
              "server need one too (a tiny HTTP endpoint or an exec probe that checks the loop).",
    fix="Serve GET /health (liveness: the process works) and GET /ready (readiness: its dependencies "
        "answer), or register grpc_health.v1 for gRPC servers, and point the probes at them.",
    checklist="Observability: Health check endpoints (/health, /ready)",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE.format(name="api"),
                    "api/app.py": "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/health')\n"
                                  "def health():\n    return 'ok'\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE.format(name="api"),
                      "api/app.py": "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/items')\n"
                                    "def items():\n    return []\n"}, ("api/app.py:4",)),),
)

"""OBS007 no-metrics."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import receives_traffic, service_location

from ._common import is_running_service

_COMPOSE = "services:\n  api:\n    build: ./api\n"
_APP = "{imports}from fastapi import FastAPI\napp = FastAPI()\n{setup}\n\n@app.get('/items')\ndef items():\n" \
       "    return []\n"


def _consumes(ctx: Context, sid: str) -> bool:
    return any(e.kind == "subscribe" and e.target == sid for e in ctx.arch.edges)


def check(ctx: Context) -> Iterator[Finding]:
    for svc in ctx.arch.services:
        if svc.metrics or not is_running_service(ctx, svc):
            continue
        if not (receives_traffic(ctx, svc) or _consumes(ctx, svc.id)):
            continue   # RED measures the requests or messages a service handles
        file, line = service_location(ctx, svc)
        what = "requests" if receives_traffic(ctx, svc) else "messages"
        yield RULE.finding(f"service {svc.id} handles {what} but exports no metrics (rate, errors, duration)",
                           file, line, service=svc.id, symbol=svc.id)


RULE = Rule(
    id="OBS007", name="no-metrics", area="observability", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Service that handles requests or messages exports no RED metrics",
    rationale="Checklist, Observability: 'Metrics: latency, throughput, error rate (RED)'. Without rate, "
              "errors and duration per endpoint nobody can tell a slow service from a failing one, set an "
              "SLO, or alert before users notice. prometheus_client, OpenTelemetry metrics, statsd/Datadog, "
              "aioprometheus and the framework exporters (prometheus-fastapi-instrumentator, "
              "starlette-exporter, prometheus-flask-exporter, django-prometheus) count. Services that serve "
              "nothing and consume nothing (scripts, producers) are not judged.",
    fix="Export RED metrics: prometheus-fastapi-instrumentator / prometheus-flask-exporter / "
        "django-prometheus for web services, or prometheus_client counters and histograms around the "
        "handler of a worker, and let Prometheus scrape them.",
    checklist="Observability: Metrics: latency, throughput, error rate (RED)",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE, "api/app.py": _APP.format(
        imports="from prometheus_fastapi_instrumentator import Instrumentator\n",
        setup="Instrumentator().instrument(app).expose(app)")}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "api/app.py": _APP.format(imports="", setup="")},
                     ("api/app.py:5",)),),
)

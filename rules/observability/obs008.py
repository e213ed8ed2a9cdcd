"""OBS008 no-alert-rules."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import service_location

from ._common import is_running_service

_COMPOSE = "services:\n  api:\n    build: ./api\n"
_APP = "from prometheus_client import make_asgi_app\nfrom fastapi import FastAPI\napp = FastAPI()\n" \
       "app.mount('/metrics', make_asgi_app())\n\n@app.get('/items')\ndef items():\n    return []\n"
_RULES = "groups:\n  - name: api\n    rules:\n      - alert: ApiErrorRate\n" \
         "        expr: sum(rate(http_requests_total{status=~\"5..\"}[5m])) > 1\n"


def check(ctx: Context) -> Iterator[Finding]:
    if any(f.deploy is not None and f.deploy.alert_rules for f in ctx.files.values()):
        return   # alert rules exist; which series each covers is not something svclint can judge
    for svc in ctx.arch.services:
        if not svc.metrics or not is_running_service(ctx, svc):
            continue
        file, line = service_location(ctx, svc)
        yield RULE.finding(f"service {svc.id} exports metrics but the repository defines no alert rules",
                           file, line, service=svc.id, symbol=svc.id)


RULE = Rule(
    id="OBS008", name="no-alert-rules", area="observability", severity=Severity.INFO, scope=ARCHITECTURE,
    summary="Service exports metrics but no alert rules exist in the repository",
    rationale="Checklist, Observability: 'Alerting thresholds defined'. Metrics nobody alerts on are "
              "looked at after the outage. svclint looks for Prometheus alerting rules kept with the code: "
              "PrometheusRule objects and Prometheus rule files (groups/rules/alert). When any exist it "
              "does not guess which services they cover; alerting defined outside the repository (a "
              "monitoring repo, a SaaS) cannot be seen, so this is informational.",
    fix="Define alerts on the service's RED metrics (error ratio, latency percentile, saturation) as a "
        "PrometheusRule or a rules file next to the deployment, or suppress this with the place where "
        "they live as the reason.",
    checklist="Observability: Alerting thresholds defined",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE, "api/app.py": _APP, "monitoring/alerts.yml": _RULES}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "api/app.py": _APP}, ("api/app.py:6",)),),
)

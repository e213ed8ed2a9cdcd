"""OBS006 no-tracing."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import service_location

from ._common import auto_instrumented, is_running_service, talks_to_services

_COMPOSE = "services:\n  a:\n    build: ./a\n{command}  b:\n    build: ./b\n"
_A = "{imports}import requests\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.get('/x')\ndef x():\n" \
     "    return requests.get('http://b:8000/y', timeout=2).text\n"
_B = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/y')\ndef y():\n    return 'y'\n"
_OTEL = "from opentelemetry.instrumentation.flask import FlaskInstrumentor\n"


def check(ctx: Context) -> Iterator[Finding]:
    for svc in ctx.arch.services:
        if svc.tracing or not is_running_service(ctx, svc) or not talks_to_services(ctx, svc):
            continue
        if auto_instrumented(ctx, svc):
            continue
        file, line = service_location(ctx, svc)
        yield RULE.finding(f"service {svc.id} takes part in calls or message flows between services but "
                           f"sets up no distributed tracing", file, line, service=svc.id, symbol=svc.id)


RULE = Rule(
    id="OBS006", name="no-tracing", area="observability", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Service in a request or message flow with no distributed tracing set up",
    rationale="Checklist, Observability: 'Distributed tracing (OpenTelemetry)'. When a request crosses "
              "services, only a trace shows where its time went and which hop failed; without one, "
              "latency and errors are argued about service by service. OpenTelemetry (SDK or "
              "instrumentation packages), ddtrace, Instana, Elastic APM, New Relic, OpenCensus, Zipkin and "
              "Sentry count, and so does starting the process under opentelemetry-instrument or "
              "ddtrace-run. Only services that call, are called by, or exchange messages with another "
              "service are judged; load generators and scripts are not.",
    fix="Set up OpenTelemetry: the SDK with an OTLP exporter and the instrumentations of the web framework "
        "and the HTTP/gRPC clients (or run the process under opentelemetry-instrument).",
    checklist="Observability: Distributed tracing (OpenTelemetry)",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE.format(command=""), "a/app.py": _A.format(imports=_OTEL),
                    "b/app.py": "from opentelemetry import trace\n" + _B}),
           Example({"docker-compose.yml": _COMPOSE.format(command="    command: opentelemetry-instrument flask run\n"),
                    "a/app.py": _A.format(imports=""), "b/app.py": "import ddtrace\n" + _B})),
    invalid=(Example({"docker-compose.yml": _COMPOSE.format(command=""), "a/app.py": _A.format(imports=""),
                      "b/app.py": "import ddtrace\n" + _B}, ("a/app.py:5",)),),
)

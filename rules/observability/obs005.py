"""OBS005 no-trace-propagation."""
from __future__ import annotations

from typing import Iterator

from svclint.extract.python.libraries import CORRELATION_HEADERS
from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule

from ._common import auto_instrumented, is_running_service, python_files

_COMPOSE = "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n"
_B = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/y')\ndef y():\n    return 'y'\n"
_A = "import requests\n{imports}\ndef f(request_id):\n    return requests.get('http://b:8000/y', timeout=2{headers})\n"


def check(ctx: Context) -> Iterator[Finding]:
    services = {s.id for s in ctx.arch.services}
    for svc in ctx.arch.services:
        if not is_running_service(ctx, svc) or auto_instrumented(ctx, svc):
            continue
        files = python_files(ctx, svc)
        instrumented = {lib for _, py in files for lib in py.instrumented}
        if "*" in instrumented:
            continue
        peers = {(file, line): node for file, line, sid, _t, node in ctx.arch.targets
                 if sid == svc.id and node in services and node != svc.id}
        bare = []
        for path, py in files:
            for call in py.calls:
                if call.kind not in ("http", "grpc") or (path, call.line) not in peers or call.library == "locust":
                    continue
                if call.library in instrumented or "?" in call.headers or \
                        any(h in CORRELATION_HEADERS for h in call.headers):
                    continue
                bare.append((path, call))
        if not bare:
            continue
        path, first = bare[0]
        targets = sorted({peers[(p, c.line)] for p, c in bare})
        yield RULE.finding(f"service {svc.id} calls {', '.join(targets)} without passing a trace context or "
                           f"correlation id ({len(bare)} call site{'s' if len(bare) != 1 else ''})",
                           path, first.line, first.column, service=svc.id, symbol=svc.id)


RULE = Rule(
    id="OBS005", name="no-trace-propagation", area="observability", severity=Severity.INFO, scope=ARCHITECTURE,
    summary="Calls to other services carry no trace context or correlation id",
    rationale="Checklist, Observability: 'Structured logging with correlation IDs'. A request that "
              "crosses services can only be followed when every hop passes an identifier on: W3C "
              "traceparent (OpenTelemetry's instrumentation of requests/httpx/aiohttp/grpc does it), or a "
              "correlation header such as X-Request-ID. svclint looks at the calls to other services of "
              "the repository: a call counts when its client library is instrumented (or an agent such "
              "as ddtrace or Instana patches all of them, or the process runs under "
              "opentelemetry-instrument), or when it passes such a header or gRPC metadata; headers it "
              "cannot read are given the benefit of the doubt. Reported once per service.",
    fix="Instrument the client library (RequestsInstrumentor().instrument(), HTTPXClientInstrumentor, "
        "GrpcInstrumentorClient), or forward the incoming X-Request-ID / traceparent header on every call.",
    checklist="Observability: Structured logging with correlation IDs",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE, "b/app.py": _B,
                    "a/app.py": _A.format(imports="", headers=", headers={'X-Request-ID': request_id}")}),
           Example({"docker-compose.yml": _COMPOSE, "b/app.py": _B, "a/app.py": _A.format(
               imports="from opentelemetry.instrumentation.requests import RequestsInstrumentor\n"
                       "RequestsInstrumentor().instrument()\n", headers="")})),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "b/app.py": _B, "a/app.py": _A.format(imports="", headers="")},
                     ("a/app.py:4",)),),
)

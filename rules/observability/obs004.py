"""OBS004 unstructured-logging."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rules._util import auxiliary
from svclint.rule import ARCHITECTURE, Context, Example, Rule

from ._common import is_running_service, python_files

_COMPOSE = "services:\n  api:\n    build: ./api\n"
_APP = "from flask import Flask\n{imports}\napp = Flask(__name__)\n{setup}\n\n@app.get('/items')\ndef items():\n" \
       "    {log}\n    return []\n"


def check(ctx: Context) -> Iterator[Finding]:
    for svc in ctx.arch.services:
        if svc.logging == "structured" or not is_running_service(ctx, svc):
            continue
        files = python_files(ctx, svc)
        prints = [(path, line) for path, py in files for line in py.print_lines]
        # a migration script's or a tool's logging set-up is not the service's
        configs = [(path, py.log_config_line) for path, py in files if py.log_config_line and not auxiliary(path)]
        if configs:
            file, line = configs[0]
            message = f"service {svc.id} configures logging without a structured (JSON) formatter"
        elif prints:
            file, line = prints[0]
            message = f"service {svc.id} writes its output with print() ({len(prints)} call{'s' if len(prints) != 1 else ''})"
        else:
            logs = [(path, imp.line) for path, py in files for imp in py.imports if imp.module == "logging"]
            if not logs:
                continue
            file, line = logs[0]
            message = f"service {svc.id} logs plain text (logging with its default formatter)"
        if prints and configs:
            message += f", and prints ({len(prints)} print() call{'s' if len(prints) != 1 else ''})"
        yield RULE.finding(message, file, line, service=svc.id, symbol=svc.id)


RULE = Rule(
    id="OBS004", name="unstructured-logging", area="observability", severity=Severity.INFO, scope=ARCHITECTURE,
    summary="Service logs plain text (print, or logging without a structured formatter)",
    rationale="Checklist, Observability: 'Structured logging with correlation IDs'. Log lines that are "
              "free text cannot be filtered by field (service, request id, status, latency) across "
              "services, so following one request through the system means grepping. print() bypasses "
              "levels and handlers altogether. structlog, python-json-logger (also when named in a "
              "dictConfig), ecs-logging, json-log-formatter, loguru and a project's own *Json*Formatter "
              "count as structured. Reported once per service, where it configures logging (else at its "
              "first print, else where it imports logging); load generators and scripts are not judged.",
    fix="Emit JSON: structlog with a JSONRenderer, or python-json-logger's JsonFormatter on the root "
        "handler (logging.config.dictConfig), and replace print() with the logger.",
    checklist="Observability: Structured logging with correlation IDs",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE,
                    "api/app.py": _APP.format(imports="import structlog", setup="log = structlog.get_logger()",
                                              log="log.info('items')")}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE,
                      "api/app.py": _APP.format(imports="import logging", setup="logging.basicConfig(level='INFO')",
                                                log="logging.info('items')")}, ("api/app.py:4",)),
             Example({"docker-compose.yml": _COMPOSE,
                      "api/app.py": _APP.format(imports="", setup="", log="print('items')")}, ("api/app.py:8",))),
)

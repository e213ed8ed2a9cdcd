"""WIR002 unknown-host."""
from __future__ import annotations

import re
from typing import Iterator

from svclint.model import Finding, Severity
from svclint.resolve import parse_target
from svclint.rule import ARCHITECTURE, Context, Example, Rule

_COMPOSE = "services:\n  api:\n    build: ./api\n  catalog:\n    build: ./catalog\n"


def _code(host: str) -> str:
    return f"import requests\n\ndef f():\n    return requests.get('http://{host}:8000/items', timeout=2)\n"


def check(ctx: Context) -> Iterator[Finding]:
    for file, line, sid, value, node in ctx.arch.targets:
        if node:
            continue
        target = parse_target(value)
        if target is None or not target.host or "${" in target.host or "." in target.host or ":" in target.host:
            continue  # unknown values are not judged; dotted names are external hosts
        if re.fullmatch(r"[\d.]+", target.host):
            continue
        yield RULE.finding(f"{sid} calls host {target.host!r}, which matches no service, datastore or broker "
                           "of this repository", file, line, service=sid, symbol=f"{sid}->{target.host}")


RULE = Rule(
    id="WIR002", name="unknown-host", area="wiring", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="A call's host matches no service, datastore or known external",
    rationale="Checklist, Service Boundary Analysis: 'What are its upstream/downstream dependencies?'. "
              "Inside a compose network or a Kubernetes namespace a single-label host name must be a "
              "service name (or alias); one that matches nothing is a typo, a renamed service or a "
              "dependency deployed somewhere nobody wrote down, and the call fails with a DNS error at "
              "run time. Dotted names are taken for external hosts and not judged.",
    fix="Use the name the deployment gives the target (compose service, alias or Kubernetes Service), "
        "or document the external dependency with its full host name.",
    checklist="Service Boundary Analysis: upstream/downstream dependencies",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE, "api/app.py": _code("catalog"), "catalog/app.py": "x = 1\n"}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "api/app.py": _code("catalouge"),
                      "catalog/app.py": "x = 1\n"}, ("api/app.py:4",)),),
)

"""CON010 unknown-service."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import COMPOSE, drift_findings

_CALL = "import requests\n\ndef f():\n    return requests.get('http://b:8000/x', timeout=2)\n"


def check(ctx: Context) -> Iterator[Finding]:
    yield from drift_findings(RULE, ctx)


RULE = Rule(
    id="CON010", name="unknown-service", area="contracts", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="A declared dependency names no service of the repository",
    rationale="Checklist, Service Contract: 'dependencies'. A dependency that names nothing the repository "
              "deploys is a typo or a service that was renamed or retired; either way the contract no "
              "longer describes a real system. Names match services, their aliases, the names other "
              "contracts declare, datastores and external hosts, with case and punctuation ignored.",
    fix="Use the dependency's current service name, or remove it.",
    checklist="Service Contract: dependencies",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _CALL,
                    "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: B, type: sync}\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _CALL,
                      "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync}\n"
                                        "  - {name: inventory, type: sync}\n"}, ("a/service.yaml:4",)),),
)

"""CON004 stale-dependency."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import COMPOSE, drift_findings

_CALL = "import requests\n\ndef f():\n    return requests.get('http://b:8000/x', timeout=2)\n"


def check(ctx: Context) -> Iterator[Finding]:
    yield from drift_findings(RULE, ctx)


RULE = Rule(
    id="CON004", name="stale-dependency", area="contracts", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="A contract declares a dependency the code does not have",
    rationale="Checklist, Service Contract: 'dependencies'. A declared dependency that the code no longer "
              "has misleads impact analysis, capacity planning and on-call: people wait for a service that "
              "is not involved. svclint looks for a call (sync) or a published event the other service "
              "consumes (async); when some call targets of the service could not be resolved, it says so "
              "in `svclint diff` and does not report the dependency here.",
    fix="Remove the dependency from the contract, or, if the code reaches the service in a way svclint "
        "cannot see, make the target visible (a literal or an environment variable the deployment sets).",
    checklist="Service Contract: dependencies",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _CALL,
                    "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync}\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _CALL,
                      "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync}\n"
                                        "  - {name: c, type: sync}\n"}, ("a/service.yaml:4",)),),
)

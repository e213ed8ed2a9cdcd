"""CON003 undeclared-dependency."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import drift_findings

_COMPOSE = "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n  c:\n    build: ./c\n"
_CALLS = ("import requests\n\ndef f():\n    requests.get('http://b:8000/x', timeout=2)\n"
          "    requests.get('http://c:8000/y', timeout=2)\n")


def check(ctx: Context) -> Iterator[Finding]:
    yield from drift_findings(RULE, ctx)


RULE = Rule(
    id="CON003", name="undeclared-dependency", area="contracts", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="The code depends on a service its contract does not declare",
    rationale="Checklist, Service Contract: 'dependencies'. The declared dependencies are what other "
              "teams, on-call engineers and capacity plans rely on; a dependency the code has but the "
              "contract hides is found during an outage. svclint infers every sync call and every async "
              "flow (a publish some other service consumes) and compares them with the contract.",
    fix="Add the dependency to the contract with its type (sync/async) and criticality, or remove the call.",
    checklist="Service Contract: dependencies",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE, "a/app.py": _CALLS,
                    "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync}\n"
                                      "  - {name: c, type: sync}\n"}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "a/app.py": _CALLS,
                      "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync}\n"},
                     ("a/app.py:5",)),
             Example({"docker-compose.yml": _COMPOSE, "a/app.py": _CALLS,
                      "a/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
                                             "metadata:\n  name: a\nspec:\n  type: service\n"
                                             "  dependsOn: ['component:default/b']\n"},
                     ("a/app.py:5",), note="Backstage dependsOn is a declaration too")),
)

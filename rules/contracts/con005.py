"""CON005 sync-async-mismatch."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import COMPOSE, PUBLISHER as _PUB, SUBSCRIBER as _SUB, drift_findings


def check(ctx: Context) -> Iterator[Finding]:
    yield from drift_findings(RULE, ctx)


RULE = Rule(
    id="CON005", name="sync-async-mismatch", area="contracts", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="A dependency is declared sync but is reached through events, or the other way round",
    rationale="Checklist, Communication Patterns and Service Contract: whether a dependency is synchronous "
              "decides whether its outage takes the caller down. A dependency declared async that the code "
              "calls synchronously hides exactly that coupling; one declared sync that only receives events "
              "overstates it. A's async dependency on B means A publishes to a channel B consumes.",
    fix="Correct the dependency's `type` in the contract, or change the code to the declared style.",
    checklist="Service Contract: dependencies (sync/async)",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _PUB, "b/worker.py": _SUB,
                    "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: async}\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _PUB, "b/worker.py": _SUB,
                      "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync}\n"},
                     ("a/service.yaml:3",)),),
)

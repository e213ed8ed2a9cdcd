"""CON008 undeclared-event."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import COMPOSE, PUBLISHER as _PUB, drift_findings


def check(ctx: Context) -> Iterator[Finding]:
    yield from drift_findings(RULE, ctx)


RULE = Rule(
    id="CON008", name="undeclared-event", area="contracts", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="The code publishes or consumes an event its contract does not declare",
    rationale="Checklist, Service Contract: 'exposes: events' and 'consumes: events', and Communication "
              "Patterns (event schemas versioned and documented). Events are interfaces too: an undeclared "
              "topic has consumers nobody knows to warn before its payload changes. Names compare loosely "
              "(`OrderPlaced` is `order-placed`). Checked only when the contract has the list.",
    fix="Add the event to `exposes.events` (published) or `consumes.events` (consumed).",
    checklist="Service Contract: exposes (events), consumes",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _PUB,
                    "a/service.yaml": "service: {name: a}\nexposes:\n  events: [OrderPlaced]\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _PUB,
                      "a/service.yaml": "service: {name: a}\nexposes:\n  events: []\n"}, ("a/app.py:6",)),),
)

"""CON009 event-never-published."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import COMPOSE, PUBLISHER as _PUB, SUBSCRIBER as _SUB, drift_findings


def check(ctx: Context) -> Iterator[Finding]:
    yield from drift_findings(RULE, ctx)


RULE = Rule(
    id="CON009", name="event-never-published", area="contracts", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="A declared event is never published (or a declared consumed event has no publisher or subscriber)",
    rationale="Checklist, Service Contract: 'exposes: events' and 'consumes: events'. A consumer waits "
              "for an event the contract promises; when the code never publishes it, or no service of the "
              "repository publishes an event someone declares to consume, or the consumer's code never "
              "subscribes to it, the flow the contracts describe does not exist.",
    fix="Publish the event (or subscribe to it), or remove it from the contract.",
    checklist="Service Contract: exposes (events), consumes",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _PUB, "b/worker.py": _SUB,
                    "a/service.yaml": "service: {name: a}\nexposes:\n  events: [order-placed]\n",
                    "b/service.yaml": "service: {name: b}\nconsumes:\n  events: [order-placed]\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _PUB, "b/worker.py": _SUB,
                      "a/service.yaml": "service: {name: a}\nexposes:\n  events:\n    - order-placed\n"
                                        "    - order-cancelled\n",
                      "b/service.yaml": "service: {name: b}\nconsumes:\n  events:\n    - order-placed\n"
                                        "    - order-shipped\n"},
                     ("a/service.yaml:5", "b/service.yaml:5")),),
)

"""SVC003 sync-cycle."""
from __future__ import annotations

from typing import Iterator

from svclint.graph import sync_cycles
from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import edge_location

_COMPOSE = "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n"


def _caller(target: str) -> str:
    return f"import requests\n\ndef f():\n    return requests.get('http://{target}:8000/x', timeout=2)\n"


def check(ctx: Context) -> Iterator[Finding]:
    for cycle in sync_cycles(ctx.graph):
        first, second = cycle[0], cycle[1 % len(cycle)]
        edge = next(e for e in ctx.arch.edges if e.source == first and e.target == second and e.kind == "call")
        file, line = edge_location(edge)
        loop = " -> ".join(cycle + [cycle[0]])
        yield RULE.finding(f"cycle of synchronous calls: {loop}", file, line, service=first, symbol=loop)


RULE = Rule(
    id="SVC003", name="sync-cycle", area="boundaries", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="Services call each other synchronously in a cycle",
    rationale="Checklist, Service Boundary Analysis: 'What are its upstream/downstream dependencies?' "
              "A cycle of request/response calls means no service in it can start, deploy or fail alone: "
              "one slow member stalls all of them, and a request can recurse until timeouts fire. It "
              "usually shows a boundary drawn in the wrong place.",
    fix="Break the cycle: move the capability both need into one service, or replace one direction "
        "with an event the other consumes.",
    checklist="Service Boundary Analysis: upstream/downstream dependencies",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE, "a/app.py": _caller("b"), "b/app.py": "x = 1\n"}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "a/app.py": _caller("b"), "b/app.py": _caller("a")},
                     ("a/app.py:4",)),),
)

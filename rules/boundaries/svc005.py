"""SVC005 hub-service."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Option, Rule
from svclint.rules._util import edge_location

from ._sync import hard_sync_graph


def _compose(names) -> str:
    return "services:\n" + "".join(f"  {n}:\n    build: ./{n}\n" for n in names)


def _caller(*targets: str) -> str:
    body = "".join(f"    requests.get('http://{t}:8000/x', timeout=2)\n" for t in targets)
    return f"import requests\n\ndef handle():\n{body}"


def check(ctx: Context) -> Iterator[Finding]:
    max_in = int(RULE.option(ctx, "max-fan-in"))
    max_out = int(RULE.option(ctx, "max-fan-out"))
    d = hard_sync_graph(ctx)
    for sid in sorted(d.nodes):
        callers, callees = sorted(d.predecessors(sid)), sorted(d.successors(sid))
        if len(callers) > max_in:
            file, line = edge_location(d.edges[callers[0], sid]["edge"])
            yield RULE.finding(f"{sid} is called synchronously by {len(callers)} services "
                               f"({', '.join(callers)}; more than {max_in}): a slow or failing {sid} "
                               f"stalls all of them", file, line, service=sid, symbol=f"fan-in:{sid}")
        # an entry service (a gateway or BFF nobody else calls) fans out by design; a service in the
        # middle of the graph that does couples every caller to all its callees
        if callers and len(callees) > max_out:
            file, line = edge_location(d.edges[sid, callees[0]]["edge"])
            yield RULE.finding(f"{sid} calls {len(callees)} services synchronously ({', '.join(callees)}; "
                               f"more than {max_out}) and is itself called by {', '.join(callers)}: it "
                               f"is up only when all of them are", file, line, service=sid,
                               symbol=f"fan-out:{sid}")


_SPOKES = "bcdefg"

RULE = Rule(
    id="SVC005", name="hub-service", area="boundaries", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="A service with more synchronous callers or callees than the limit (default 5)",
    rationale="Checklist, Service Boundary Analysis: 'What are its upstream/downstream dependencies?' and "
              "'Can it be deployed independently?'. A service many others call synchronously is a single "
              "point of failure and a deployment bottleneck; one that calls many others while being "
              "called itself couples every caller to all its dependencies and usually owns too much "
              "orchestration. An entry service nobody calls (a gateway or backend-for-frontend) is "
              "expected to fan out and is not counted. Options `max-fan-in` and `max-fan-out` (default 5).",
    fix="Split the hub along its capabilities, replicate the data its callers need through events, or "
        "let it publish events instead of calling every downstream service.",
    checklist="Service Boundary Analysis: upstream/downstream dependencies",
    check=check,
    options={"max-fan-in": Option(5, "the most services that may call one service synchronously", minimum=1),
             "max-fan-out": Option(5, "the most services a service that is itself called may call "
                                      "synchronously", minimum=1)},
    valid=(
        Example({"docker-compose.yml": _compose(["gw", *_SPOKES]), "gw/app.py": _caller(*_SPOKES),
                 **{f"{s}/app.py": "x = 1\n" for s in _SPOKES}},
                note="a gateway nobody calls fans out by design"),
    ),
    invalid=(
        Example({"docker-compose.yml": _compose(["a", "hub", *_SPOKES]), "a/app.py": _caller("hub"),
                 "hub/app.py": _caller(*_SPOKES), **{f"{s}/app.py": "x = 1\n" for s in _SPOKES}},
                ("hub/app.py:4",)),
        Example({"docker-compose.yml": _compose(["hub", *_SPOKES]), "hub/app.py": "x = 1\n",
                 **{f"{s}/app.py": _caller("hub") for s in _SPOKES}}, ("b/app.py:4",)),
    ),
)

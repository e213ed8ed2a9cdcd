"""CON012 declared-hard-cycle."""
from __future__ import annotations

from typing import Iterator

import networkx as nx

from svclint.contract.drift import Names, bind, contract_sources, declared_dependencies
from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import COMPOSE


def check(ctx: Context) -> Iterator[Finding]:
    sources = contract_sources(ctx.files)
    if not sources:
        return
    bound = bind(ctx.files, ctx.arch)
    names = Names(ctx.arch, bound, sources)
    graph = nx.DiGraph()
    for sid, bs in bound.items():
        for b in bs:
            for d in declared_dependencies(b, names):
                kind, target = names.resolve(d.name)
                if kind == "service" and target != sid and d.type == "sync" and d.criticality == "hard":
                    if not graph.has_edge(sid, target):
                        graph.add_edge(sid, target, file=b.file, line=d.line)
    for cycle in sorted(_canonical(c) for c in nx.simple_cycles(graph)):
        first, second = cycle[0], cycle[1 % len(cycle)]
        where = graph.edges[first, second]
        path = " -> ".join([*cycle, cycle[0]])
        yield RULE.finding(f"declared hard sync dependencies form a cycle: {path}; none of these services "
                           f"can start or stay up without the others", where["file"], where["line"],
                           service=first, symbol=path)


def _canonical(cycle: list[str]) -> list[str]:
    i = cycle.index(min(cycle))
    return cycle[i:] + cycle[:i]


RULE = Rule(
    id="CON012", name="declared-hard-cycle", area="contracts", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="Contracts declare a cycle of hard synchronous dependencies",
    rationale="Checklist, Service Boundaries: 'No circular dependencies between services', and Resilience "
              "Patterns. When A cannot work without B and B cannot work without A (directly or through "
              "others), the services cannot be deployed, started or recovered independently, and one "
              "failure takes the whole cycle down. The contracts already say so, whatever the code does.",
    fix="Break the cycle: make one dependency async (an event) or soft (with a fallback), or move the "
        "shared capability into its own service.",
    checklist="Service Boundaries: No circular dependencies between services",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE,
                    "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync, criticality: hard}\n",
                    "b/service.yaml": "service: {name: b}\ndependencies:\n  - {name: a, type: async, criticality: soft}\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE,
                      "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync, criticality: hard}\n",
                      "b/service.yaml": "service: {name: b}\ndependencies:\n  - {name: c, type: sync, criticality: hard}\n",
                      "c/service.yaml": "service: {name: c}\ndependencies:\n  - {name: a, type: sync, criticality: hard}\n"},
                     ("a/service.yaml:3",)),),
)

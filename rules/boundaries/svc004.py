"""SVC004 deep-sync-chain."""
from __future__ import annotations

from typing import Iterator

import networkx as nx

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Option, Rule
from svclint.rules._util import edge_location

from ._sync import hard_sync_graph


def _compose(names: str) -> str:
    return "services:\n" + "".join(f"  {n}:\n    build: ./{n}\n" for n in names)


def _caller(*targets: str) -> str:
    body = "".join(f"    requests.get('http://{t}:8000/x', timeout=2)\n" for t in targets)
    return f"import requests\n\ndef handle():\n{body}"


def _longest(d: nx.DiGraph) -> list[list[str]]:
    """The longest chain of the component, as groups of services (a group is a cycle SVC003 reports)."""
    if nx.is_directed_acyclic_graph(d):
        return [[n] for n in nx.dag_longest_path(d)]
    c = nx.condensation(d)
    return [sorted(c.nodes[n]["members"]) for n in nx.dag_longest_path(c)]


def check(ctx: Context) -> Iterator[Finding]:
    limit = int(RULE.option(ctx, "max-hops"))
    d = hard_sync_graph(ctx)
    for component in sorted(nx.weakly_connected_components(d), key=min):
        chain = _longest(d.subgraph(component))
        hops = len(chain) - 1
        if hops <= limit:
            continue
        first = next(d.edges[u, v]["edge"] for u in chain[0] for v in chain[1] if d.has_edge(u, v))
        file, line = edge_location(first)
        text = " -> ".join(g[0] if len(g) == 1 else "{" + ", ".join(g) + "}" for g in chain)
        yield RULE.finding(f"a request to {first.source} waits on a chain of {hops} synchronous calls: {text} "
                           f"(more than {limit})", file, line, service=first.source, symbol=text)


RULE = Rule(
    id="SVC004", name="deep-sync-chain", area="boundaries", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="A chain of hard synchronous calls deeper than the limit (default 3 hops)",
    rationale="Checklist, Service Boundary Analysis: 'What are its upstream/downstream dependencies?' and "
              "Service Communication: 'Sync: REST/gRPC for queries, commands needing immediate response'. "
              "Each synchronous hop adds its latency and multiplies in its failure rate: a request that "
              "crosses five services is as available as the product of their availabilities and as slow "
              "as their sum, and a fault deep in the chain surfaces far from its cause. Calls a contract "
              "declares soft and a load generator's requests do not count. Option `max-hops` (default 3).",
    fix="Shorten the chain: let the caller get the data it needs from events it consumes (a local read "
        "model), merge services that always call each other, or make the deep step asynchronous.",
    checklist="Service Boundary Analysis: upstream/downstream dependencies",
    check=check,
    options={"max-hops": Option(3, "the most synchronous calls one request may cross in a row", minimum=1)},
    valid=(
        Example({"docker-compose.yml": _compose("abcd"), "a/app.py": _caller("b"), "b/app.py": _caller("c"),
                 "c/app.py": _caller("d"), "d/app.py": "x = 1\n"}, note="three hops is the limit"),
        Example({"docker-compose.yml": _compose("abcde"), "a/app.py": _caller("b"), "b/app.py": _caller("c"),
                 "c/app.py": _caller("d"), "d/app.py": _caller("e"), "e/app.py": "x = 1\n",
                 "d/service.yaml": "service: {name: d}\ndependencies:\n"
                                   "  - {name: e, type: sync, criticality: soft}\n"},
                note="d declares e soft: d answers without it"),
    ),
    invalid=(
        Example({"docker-compose.yml": _compose("abcde"), "a/app.py": _caller("b", "e"), "b/app.py": _caller("c"),
                 "c/app.py": _caller("d"), "d/app.py": _caller("e"), "e/app.py": "x = 1\n"},
                ("a/app.py:4",)),
    ),
)

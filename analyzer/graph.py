"""graph: the Architecture as a networkx MultiDiGraph, and the graph questions rules ask."""
from __future__ import annotations

import networkx as nx

from .model import Architecture


def build_graph(arch: Architecture) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for s in arch.services:
        g.add_node(s.id, kind="service")
    for n in arch.nodes:
        g.add_node(n.id, kind=n.kind, type=n.type)
    for e in arch.edges:
        g.add_edge(e.source, e.target, kind=e.kind, protocol=e.protocol, edge=e)
    return g


def sync_graph(g: nx.MultiDiGraph) -> nx.DiGraph:
    """Services and the request/response calls between them."""
    d = nx.DiGraph()
    d.add_nodes_from(n for n, k in g.nodes(data="kind") if k == "service")
    for u, v, data in g.edges(data=True):
        if data["kind"] == "call" and g.nodes[v].get("kind") == "service":
            d.add_edge(u, v)
    return d


def sync_cycles(g: nx.MultiDiGraph) -> list[list[str]]:
    """Every elementary cycle of sync calls, each rotated to start at its smallest member, sorted."""
    cycles = []
    for cycle in nx.simple_cycles(sync_graph(g)):
        i = cycle.index(min(cycle))
        cycles.append(cycle[i:] + cycle[:i])
    return sorted(cycles)


def datastore_users(g: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Datastore -> the services that connect to it."""
    users: dict[str, set[str]] = {}
    for u, v, data in g.edges(data=True):
        if data["kind"] == "datastore":
            users.setdefault(v, set()).add(u)
    return {k: sorted(v) for k, v in sorted(users.items())}


def longest_sync_chain(g: nx.MultiDiGraph) -> list[str]:
    d = sync_graph(g)
    if not nx.is_directed_acyclic_graph(d):
        d = nx.condensation(d)
        path = nx.dag_longest_path(d)
        return [sorted(d.nodes[n]["members"])[0] for n in path]
    return nx.dag_longest_path(d)

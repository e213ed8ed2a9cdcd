"""The graph SVC004 and SVC005 reason over: services and the hard synchronous calls between them."""
from __future__ import annotations

import networkx as nx

from svclint.graph import sync_graph
from svclint.resolve import norm
from svclint.rule import Context

_LOAD_TOOLS = ("locust",)   # a load generator's requests are test traffic, not a dependency


def _soft(ctx: Context) -> set[tuple[str, str]]:
    """(service, dependency) pairs a contract declares soft: the caller works without the callee."""
    pairs = set()
    for f in ctx.files.values():
        for c in f.contracts:
            pairs |= {(norm(c.name), norm(d.name)) for d in c.dependencies if d.criticality == "soft"}
    return pairs


def _names(ctx: Context, sid: str) -> set[str]:
    svc = ctx.arch.service(sid)
    return {norm(sid)} | {norm(a) for a in (svc.aliases if svc else ())}


def _load_sites(ctx: Context) -> set[tuple[str, int]]:
    return {(f.path, c.line) for f in ctx.files.values() if f.python is not None
            for c in f.python.calls if c.library in _LOAD_TOOLS}


def hard_sync_graph(ctx: Context) -> nx.DiGraph:
    """Service -> service request/response calls, without the calls a contract declares soft and
    without load generators' traffic; each edge keeps the model's Edge as `edge`."""
    d = sync_graph(ctx.graph)
    soft = _soft(ctx)
    load = _load_sites(ctx)
    for e in ctx.arch.edges:
        if not d.has_edge(e.source, e.target) or e.kind != "call":
            continue
        code = [(ev.file, ev.line) for ev in e.evidence if ev.file.endswith(".py")]
        if code and all(site in load for site in code):
            d.remove_edge(e.source, e.target)
        elif any((a, b) in soft for a in _names(ctx, e.source) for b in _names(ctx, e.target)):
            d.remove_edge(e.source, e.target)
        else:
            d.edges[e.source, e.target].setdefault("edge", e)
    return d

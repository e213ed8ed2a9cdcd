"""Diagrams of the architecture: Mermaid flowchart and Graphviz DOT. Pure functions returning text.

Nodes are grouped by kind (services, datastores, brokers, channels, external hosts); sync calls are
solid arrows, async flows (publish, subscribe) dashed, datastore access thick. Where the calling
service's contract declares the dependency, the edge says its criticality (hard in red, soft in green);
a dependency the contract leaves out is marked `undeclared` (amber).
"""
from __future__ import annotations

from typing import Mapping

from ..model import Architecture, ContractFacts, Edge, FileFacts
from ..resolve import norm as _norm
from .escape import dot, dot_ids, dot_label, mermaid, mermaid_ids

_SHAPES = {"service": ('["', '"]'), "datastore": ('[("', '")]'), "broker": ('{{"', '"}}'),
           "channel": ('>"', '"]'), "external": (('(["', '"])'))}
_TITLES = {"service": "Services", "datastore": "Datastores", "broker": "Brokers", "channel": "Channels",
           "external": "External"}
_COLOUR = {"hard": "#b91c1c", "soft": "#15803d", "undeclared": "#d97706"}


def _kind_of(s) -> str:  # noqa: ANN001
    detail = s.framework if s.language == "python" and s.framework not in ("", "none") else s.language
    return detail + (f", {s.role}" if s.role != "web" else "")


def contracts_by_service(arch: Architecture, files: Mapping[str, FileFacts] | None) -> dict[str, ContractFacts]:
    """The contract (service.yaml, else Backstage) of each service, matched by name or alias."""
    found: dict[str, ContractFacts] = {}
    contracts = [c for f in sorted((files or {}).values(), key=lambda f: f.path) for c in f.contracts]
    contracts.sort(key=lambda c: c.source != "contract")
    for s in arch.services:
        names = {_norm(s.id)} | {_norm(a) for a in s.aliases}
        for c in contracts:
            if _norm(c.name) in names:
                found[s.id] = c
                break
    return found


def criticality(arch: Architecture, contracts: Mapping[str, ContractFacts]) -> dict[int, str]:
    """Edge index -> hard | soft | undeclared, for edges between services (async: the publish edge)."""
    services = {s.id for s in arch.services}
    out: dict[int, str] = {}
    for i, e in enumerate(arch.edges):
        contract = contracts.get(e.source)
        if contract is None:
            continue
        declared = {_norm(d.name): d.criticality for d in contract.dependencies}
        if e.kind == "call" and e.target in services:
            targets = [e.target]
        elif e.kind == "publish":
            targets = [s.target for s in arch.edges if s.kind == "subscribe" and s.source == e.target
                       and s.target != e.source]
        else:
            continue
        other = {t: {_norm(t)} | {_norm(a) for a in (arch.service(t).aliases if arch.service(t) else ())}
                 for t in targets}
        levels = [next((declared[n] for n in sorted(names) if n in declared), "undeclared")
                  for names in other.values()]
        if levels:
            out[i] = "hard" if "hard" in levels else ("undeclared" if "undeclared" in levels else "soft")
    return out


def _node_names(arch: Architecture) -> list[str]:
    return [s.id for s in arch.services] + [n.id for n in arch.nodes] + \
        [x for e in arch.edges for x in (e.source, e.target)]


def _edge_label(e: Edge, level: str) -> str:
    return (e.protocol or e.kind) + (f" · {level}" if level else "")


def render_mermaid(arch: Architecture, files: Mapping[str, FileFacts] | None = None) -> str:
    contracts = contracts_by_service(arch, files)
    levels = criticality(arch, contracts)
    mid = mermaid_ids(_node_names(arch))
    lines = ["flowchart LR"]
    groups: dict[str, list[tuple[str, str]]] = {k: [] for k in _TITLES}
    for s in arch.services:
        detail = mermaid(_kind_of(s))
        owner = mermaid(contracts[s.id].owner) if s.id in contracts else ""
        groups["service"].append((s.id, f"<b>{mermaid(s.id)}</b><br/><small>{detail}" +
                                  (f"<br/>{owner}" if owner else "") + "</small>"))
    for n in arch.nodes:
        groups.setdefault(n.kind, []).append(
            (n.id, f"{mermaid(n.id)}<br/><small>{mermaid(n.type or n.broker or n.kind)}</small>"))
    for kind, members in groups.items():
        if not members:
            continue
        lines.append(f'  subgraph {kind}_group["{_TITLES.get(kind, kind)}"]')
        left, right = _SHAPES.get(kind, _SHAPES["service"])
        for node_id, label in members:
            lines.append(f"    {mid[node_id]}{left}{label}{right}")
        lines.append("  end")
    arrows = {"call": "-->", "publish": "-.->", "subscribe": "-.->", "datastore": "==>"}
    link_styles = []
    for i, e in enumerate(arch.edges):
        level = levels.get(i, "")
        lines.append(f'  {mid[e.source]} {arrows.get(e.kind, "-->")}|"{mermaid(_edge_label(e, level))}"| '
                     f'{mid[e.target]}')
        if level:
            link_styles.append(f"  linkStyle {i} stroke:{_COLOUR[level]},color:{_COLOUR[level]}")
    lines += link_styles
    lines.append("  classDef service fill:#eef2ff,stroke:#4338ca")
    lines.append("  classDef datastore fill:#fef3c7,stroke:#b45309")
    lines.append("  classDef broker fill:#ede9fe,stroke:#6d28d9")
    lines.append("  classDef channel fill:#e0f2fe,stroke:#0369a1")
    lines.append("  classDef external fill:#f3f4f6,stroke:#6b7280,stroke-dasharray: 4 2")
    for s in arch.services:
        lines.append(f"  class {mid[s.id]} service")
    for n in arch.nodes:
        if n.kind in ("datastore", "broker", "channel", "external"):
            lines.append(f"  class {mid[n.id]} {n.kind}")
    return "\n".join(lines) + "\n"


def render_dot(arch: Architecture, files: Mapping[str, FileFacts] | None = None) -> str:
    contracts = contracts_by_service(arch, files)
    levels = criticality(arch, contracts)
    lines = ["digraph architecture {", "  rankdir=LR;", "  compound=true;",
             '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];']
    shapes = {"service": "box", "datastore": "cylinder", "broker": "hexagon", "channel": "cds", "external": "oval"}
    fills = {"service": "#eef2ff", "datastore": "#fef3c7", "broker": "#ede9fe", "channel": "#e0f2fe",
             "external": "#f3f4f6"}
    did = dot_ids(_node_names(arch))
    members: dict[str, list[str]] = {k: [] for k in _TITLES}
    for s in arch.services:
        owner = [contracts[s.id].owner] if s.id in contracts and contracts[s.id].owner else []
        label = dot_label(s.id, _kind_of(s), *owner)
        members["service"].append(f"{did[s.id]} [label={label}, shape=box, style=\"rounded,filled\", "
                                  f"fillcolor=\"{fills['service']}\"];")
    for n in arch.nodes:
        label = dot_label(n.id, n.type or n.broker or n.kind)
        members.setdefault(n.kind, []).append(
            f"{did[n.id]} [label={label}, shape={shapes.get(n.kind, 'box')}, style=filled, "
            f"fillcolor=\"{fills.get(n.kind, '#ffffff')}\"];")
    for kind, nodes in members.items():
        if not nodes:
            continue
        lines.append(f"  subgraph cluster_{kind} {{")
        lines.append(f"    label={dot(_TITLES.get(kind, kind))}; style=dashed; color=\"#9ca3af\";")
        lines += [f"    {n}" for n in nodes]
        lines.append("  }")
    style = {"call": "solid", "publish": "dashed", "subscribe": "dashed", "datastore": "bold"}
    for i, e in enumerate(arch.edges):
        level = levels.get(i, "")
        colour = f", color=\"{_COLOUR[level]}\", fontcolor=\"{_COLOUR[level]}\"" if level else ""
        lines.append(f"  {did[e.source]} -> {did[e.target]} "
                     f"[label={dot(_edge_label(e, level))}, style={style.get(e.kind, 'solid')}{colour}];")
    lines.append("}")
    return "\n".join(lines) + "\n"

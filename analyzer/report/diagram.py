"""Diagrams of the architecture: Mermaid flowchart and Graphviz DOT. Pure functions returning text."""
from __future__ import annotations

import re

from ..model import Architecture

_SHAPES = {"service": ('["', '"]'), "datastore": ('[("', '")]'), "broker": ('{{"', '"}}'),
           "channel": ('>"', '"]'), "external": ('(["', '"])')}


def _mid(node_id: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", node_id)


def _label(text: str) -> str:
    return text.replace('"', "#quot;")


def render_mermaid(arch: Architecture) -> str:
    lines = ["flowchart LR"]
    groups = {"service": [], "datastore": [], "broker": [], "channel": [], "external": []}
    for s in arch.services:
        groups["service"].append((s.id, f"{s.id}<br/><small>{s.framework if s.language == 'python' else s.language}</small>"))
    for n in arch.nodes:
        label = f"{n.id}<br/><small>{n.type or n.broker or n.kind}</small>"
        groups.setdefault(n.kind, []).append((n.id, label))
    titles = {"service": "Services", "datastore": "Datastores", "broker": "Brokers", "channel": "Channels",
              "external": "External"}
    for kind, members in groups.items():
        if not members:
            continue
        lines.append(f'  subgraph {kind}_group["{titles[kind]}"]')
        left, right = _SHAPES[kind]
        for node_id, label in members:
            lines.append(f"    {_mid(node_id)}{left}{_label(label)}{right}")
        lines.append("  end")
    styles = {"call": "-->", "publish": "-.->", "subscribe": "-.->", "datastore": "==>"}
    for e in arch.edges:
        lines.append(f'  {_mid(e.source)} {styles.get(e.kind, "-->")}|{e.protocol or e.kind}| {_mid(e.target)}')
    lines.append("  classDef datastore fill:#fef3c7,stroke:#b45309")
    lines.append("  classDef channel fill:#e0f2fe,stroke:#0369a1")
    lines.append("  classDef external fill:#f3f4f6,stroke:#6b7280,stroke-dasharray: 4 2")
    for n in arch.nodes:
        if n.kind in ("datastore", "channel", "external"):
            lines.append(f"  class {_mid(n.id)} {n.kind}")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(arch: Architecture) -> str:
    lines = ["digraph architecture {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    lines.append("  subgraph cluster_services {")
    lines.append('    label="Services";')
    for s in arch.services:
        lines.append(f"    {_dot_id(s.id)} [shape=box, style=rounded];")
    lines.append("  }")
    shapes = {"datastore": "cylinder", "broker": "hexagon", "channel": "cds", "external": "oval"}
    for n in arch.nodes:
        lines.append(f"  {_dot_id(n.id)} [shape={shapes.get(n.kind, 'box')}, tooltip={_dot_id(n.type or n.kind)}];")
    style = {"call": "solid", "publish": "dashed", "subscribe": "dashed", "datastore": "bold"}
    for e in arch.edges:
        lines.append(f"  {_dot_id(e.source)} -> {_dot_id(e.target)} "
                     f"[label={_dot_id(e.protocol or e.kind)}, style={style.get(e.kind, 'solid')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"

"""JSON outputs: findings (svclint.findings/1) and the graph (svclint.graph/1), as DESIGN.md fixes them."""
from __future__ import annotations

import json
from collections import Counter
from typing import Iterable

from ..model import Architecture, Finding
from .escape import json_text

FINDINGS_SCHEMA = "svclint.findings/1"
GRAPH_SCHEMA = "svclint.graph/1"


def render_findings_json(findings: Iterable[Finding], files: int, services: int,
                         skipped: Iterable[tuple[str, str]] = (), counts: dict[str, int] | None = None) -> str:
    """`counts` (discovered, analysed, with_errors: see svclint.accounting) joins the summary."""
    findings = list(findings)
    by_sev = Counter(f.severity.value for f in findings)
    doc = {"schema": FINDINGS_SCHEMA, "findings": [f.to_json() for f in findings],
           "summary": {"files": files, "services": services, "findings": len(findings),
                       "by_severity": dict(sorted(by_sev.items())), **(counts or {}),
                       "skipped": [{"file": p, "reason": r} for p, r in skipped]}}
    return json_text(json.dumps(doc, indent=2, sort_keys=False)) + "\n"


def graph_document(arch: Architecture) -> dict:
    nodes = []
    for s in arch.services:
        nodes.append({"id": s.id, "kind": "service", "path": s.path, "language": s.language,
                      "framework": s.framework, "aliases": list(s.aliases),
                      "health_endpoints": list(s.health_endpoints),
                      "exposes": {"http": list(s.http), "grpc": list(s.grpc), "rpc": list(s.rpc),
                                  "events": list(s.events)}})
    for n in arch.nodes:
        node = {"id": n.id, "kind": n.kind}
        if n.kind in ("datastore", "broker"):
            node["type"] = n.type
        if n.kind == "channel":
            node["broker"] = n.broker
        nodes.append(node)
    edges = [{"source": e.source, "target": e.target, "kind": e.kind, "protocol": e.protocol,
              "origin": list(e.origin), "evidence": [ev.to_json() for ev in e.evidence]} for e in arch.edges]
    return {"schema": GRAPH_SCHEMA, "nodes": nodes, "edges": edges}


def render_graph_json(arch: Architecture) -> str:
    return json_text(json.dumps(graph_document(arch), indent=2)) + "\n"

"""The architecture review as one self-contained HTML file: inline CSS, the architecture drawn as inline
SVG (laid out here, no script, no network), tables for the scorecard, schema and deployment."""
from __future__ import annotations

import networkx as nx

from ..model import Architecture
from .diagram import _COLOUR, contracts_by_service, criticality
from .escape import html as escape, html_block
from .review import MET, MISSING, NA, UNASSESSED, Code, Line, Review, ServiceReview, workload_row

_W, _H, _COL, _ROW, _TOP = 156, 46, 236, 70, 24
_FILL = {"service": ("#eef2ff", "#4338ca"), "datastore": ("#fef3c7", "#b45309"), "broker": ("#ede9fe", "#6d28d9"),
         "channel": ("#e0f2fe", "#0369a1"), "external": ("#f3f4f6", "#6b7280")}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#111827;margin:0;background:#f9fafb}
main{max-width:1180px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;padding-top:8px;border-top:1px solid #e5e7eb}
h3{font-size:15px;margin:22px 0 8px;color:#374151}
.sub{color:#6b7280;margin:0 0 18px}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 10px}
th,td{border:1px solid #e5e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#0f172a;color:#e2e8f0;padding:12px 14px;border-radius:6px;overflow:auto}
.chip{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.met{background:#dcfce7;color:#166534}.missing{background:#fee2e2;color:#991b1b}
.na{background:#f3f4f6;color:#6b7280}.unassessed{background:#fef9c3;color:#854d0e}
.yes{color:#166534;font-weight:600}.no{color:#991b1b;font-weight:600}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:4px 18px 14px;margin:18px 0}
dl{display:grid;grid-template-columns:210px 1fr;gap:4px 14px;margin:6px 0}dt{font-weight:600;color:#374151}dd{margin:0}
.diagram{background:#fff;border:1px solid #e5e7eb;border-radius:8px;overflow:auto;padding:8px}
.entities{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}.entities table{width:auto;min-width:240px}
.legend span{margin-right:16px;font-size:12px}.sev-error{color:#991b1b}.sev-warning{color:#92400e}.sev-info{color:#1e40af}
details summary{cursor:pointer;color:#4338ca;margin:6px 0}
"""


def _layout(arch: Architecture) -> dict[str, tuple[float, float, str]]:
    """node id -> (x, y, kind): layered left to right by the longest path of the edges (cycles folded),
    so most edges join neighbouring columns; nodes with no edge go to the last column."""
    flow = nx.DiGraph()
    kind_of = {s.id: "service" for s in arch.services} | {n.id: n.kind for n in arch.nodes}
    flow.add_nodes_from(kind_of)
    for e in arch.edges:
        if e.source in kind_of and e.target in kind_of:
            flow.add_edge(e.source, e.target)
    cond = nx.condensation(flow)
    depth: dict[int, int] = {}
    for c in nx.topological_sort(cond):
        depth[c] = max((depth[p] + 1 for p in cond.predecessors(c)), default=0)
    col_of = {n: depth[cond.graph["mapping"][n]] for n in flow.nodes}
    lonely = [n for n in flow.nodes if flow.degree(n) == 0 and kind_of[n] != "service"]
    last = max((col_of[n] for n in flow.nodes if n not in lonely), default=0)
    columns: dict[int, list[tuple[str, str]]] = {}
    for n in kind_of:
        columns.setdefault(last if n in lonely else col_of[n], []).append((n, kind_of[n]))
    # each column ordered by the mean row of the nodes it is connected to on its left (fewer crossings)
    neighbours: dict[str, set[str]] = {}
    for e in arch.edges:
        neighbours.setdefault(e.source, set()).add(e.target)
        neighbours.setdefault(e.target, set()).add(e.source)
    row_of: dict[str, float] = {}
    pos = {}
    for col in sorted(columns):
        members = columns[col]
        if col > 0:
            def bary(item: tuple[str, str]) -> float:
                rows = [row_of[n] for n in neighbours.get(item[0], ()) if n in row_of]
                return sum(rows) / len(rows) if rows else float("inf")
            members = sorted(members, key=bary)
        for row, (node, kind) in enumerate(members):
            row_of[node] = row
            pos[node] = (20 + col * _COL, _TOP + row * _ROW, kind)
    return pos


def architecture_svg(arch: Architecture, files) -> str:  # noqa: ANN001
    pos = _layout(arch)
    levels = criticality(arch, contracts_by_service(arch, files))
    width = max((x for x, _, _ in pos.values()), default=0) + _W + 40
    height = max((y for _, y, _ in pos.values()), default=0) + _H + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" style="max-width:{width}px" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="architecture diagram" font-family="Helvetica,Arial,sans-serif">',
           "<defs>"]
    colours = {"#374151", "#b45309", *_COLOUR.values()}
    for c in sorted(colours):
        out.append(f'<marker id="arrow{c[1:]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
                   f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>')
    out.append("</defs>")
    labels, nodes = [], []
    incoming: dict[str, int] = {}
    for i, e in enumerate(arch.edges):
        if e.source not in pos or e.target not in pos:
            continue
        x1, y1, _ = pos[e.source]
        x2, y2, _ = pos[e.target]
        level = levels.get(i, "")
        colour = _COLOUR.get(level, "#b45309" if e.kind == "datastore" else "#374151")
        if x2 > x1 + _COL:
            # across columns: leave, run level in the gap between two rows, come in
            sx, sy, tx, ty = x1 + _W, y1 + _H / 2, x2, y2 + _H / 2
            lane = _TOP - (_ROW - _H) / 2 + _ROW * round(((sy + ty) / 2 - _TOP + (_ROW - _H) / 2) / _ROW)
            gx1, gx2 = sx + (_COL - _W) * 0.8, tx - (_COL - _W) * 0.8
            path = (f"M{sx},{sy} C{sx + 30},{sy} {gx1 - 30},{lane} {gx1},{lane} L{gx2},{lane} "
                    f"C{gx2 + 30},{lane} {tx - 30},{ty} {tx},{ty}")
            c1 = c2 = None
        elif x2 > x1:
            sx, sy, tx, ty = x1 + _W, y1 + _H / 2, x2, y2 + _H / 2
            c1, c2 = sx + (tx - sx) / 2, tx - (tx - sx) / 2
        elif x2 < x1:
            sx, sy, tx, ty = x1, y1 + _H / 2, x2 + _W, y2 + _H / 2
            c1, c2 = sx - 60, tx + 60
        else:
            sx, sy, tx, ty = x1 + _W, y1 + _H / 2, x2 + _W, y2 + _H / 2
            c1 = c2 = sx + 50
        dash = ' stroke-dasharray="6 4"' if e.kind in ("publish", "subscribe") else ""
        width_ = 2.6 if e.kind == "datastore" else 1.5
        if c1 is not None:
            path = f"M{sx},{sy} C{c1},{sy} {c2},{ty} {tx},{ty}"
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" '
                   f'stroke-width="{width_}"{dash} marker-end="url(#arrow{colour[1:]})"><title>'
                   f'{escape(e.source)} → {escape(e.target)} ({escape(e.kind)})</title></path>')
        # the label sits in the gap just before the target, where the curve runs level; stacked per target
        k = incoming[e.target] = incoming.get(e.target, -1) + 1
        mx, my = (tx - 46 if tx > sx else tx + 46), ty + ((-4, 13, -17, 26, -30)[k] if k < 5 else -4 - 13 * k)
        text = (e.protocol or e.kind) + (f" · {level}" if level else "")
        labels.append(f'<text x="{mx:.1f}" y="{my - 3:.1f}" font-size="10" text-anchor="middle" fill="{colour}" '
                      f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(text)}</text>')
    kinds_of = {s.id: s for s in arch.services}
    for node, (x, y, kind) in pos.items():
        fill, stroke = _FILL[kind]
        rx = {"service": 8, "external": 22, "channel": 2}.get(kind, 4)
        dash = ' stroke-dasharray="4 2"' if kind == "external" else ""
        nodes.append(f'<g class="node" data-id="{escape(node)}"><rect x="{x}" y="{y}" width="{_W}" height="{_H}" rx="{rx}" '
                   f'fill="{fill}" stroke="{stroke}" stroke-width="1.4"{dash}/>')
        sub = kinds_of[node].framework if node in kinds_of else next((n.type or n.broker or n.kind for n in arch.nodes
                                                                       if n.id == node), kind)
        if node in kinds_of and sub == "none":
            sub = kinds_of[node].language
        nodes.append(f'<text x="{x + _W / 2}" y="{y + 20}" font-size="13" font-weight="bold" text-anchor="middle">'
                   f'{escape(node)}</text><text x="{x + _W / 2}" y="{y + 36}" font-size="11" fill="#4b5563" '
                   f'text-anchor="middle">{escape(sub)}</text></g>')
    out += nodes + labels
    out.append("</svg>")
    return "\n".join(out)


_CHIP = {MET: ("met", "met"), MISSING: ("missing", "missing"), NA: ("na", "n/a"), UNASSESSED: ("unassessed", "not assessed")}


def _finding_html(f) -> str:  # noqa: ANN001
    return (f'<div><code class="sev-{f.severity.value}">{escape(f.rule)}</code> {escape(f.message)} '
            f'<code>{escape(f.file)}:{f.line}</code></div>')


def _service_html(r: ServiceReview) -> str:
    s = r.service
    c = r.contract[1] if r.contract else None
    h = [f'<section class="card" id="svc-{escape(s.id)}"><h2 style="border:0;margin-top:14px">{escape(s.id)}</h2>',
         "<h3>Boundary</h3><dl>"]
    rows = [("Capability", escape(c.capability) if c and c.capability else "— <em>(no contract states it)</em>"),
            ("Owner", escape(c.owner) if c and c.owner else "—"),
            ("Code", f"<code>{escape(s.path)}/</code> ({escape(s.framework if s.framework != 'none' else s.language)}, "
                     f"{escape(s.role)})" if s.path else "image only"),
            ("Data it owns", "; ".join(f"{escape(n)} ({escape(t)})" + (f' — <span class="no">shared with '
                                       f'{escape(", ".join(o))}</span>' if o else "") for n, t, o in r.data) or "none"),
            ("Upstream", "<br>".join(f"{escape(n)} — {escape(how)}" for n, how in r.upstream) or "none in the repository"),
            ("Downstream", "<br>".join(f"{escape(n)} — {escape(how)}" for n, how in r.downstream) or "none"),
            ("Independently deployable", (f'<span class="yes">yes</span>' if r.deployable else '<span class="no">no</span>')
             + " — " + "; ".join(escape(x) for x in r.deploy_reasons))]
    h += [f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows]
    h.append("</dl><h3>Scorecard</h3><table><tr><th>area</th><th>checklist item</th><th>status</th><th>evidence</th></tr>")
    for item in r.scorecard:
        cls, text = _CHIP[item.status]
        evidence = "".join(_finding_html(f) for f in item.findings) or escape(item.note)
        h.append(f'<tr><td>{escape(item.section)}</td><td>{escape(item.label)}</td>'
                 f'<td><span class="chip {cls}">{text}</span></td><td>{evidence}</td></tr>')
    h.append("</table><h3>Inferred contract</h3>")
    if r.contract:
        h.append(f"<p>Declared in <code>{escape(r.contract[0])}</code>; what the code and deployments show:</p>")
    h.append(f"<pre>{html_block(r.inferred_contract)}</pre><h3>Database schema</h3>")
    if r.models:
        h.append('<div class="entities">')
        for path, m in r.models:
            h.append(f'<table><tr><th colspan="3">{escape(m.table)} <small>({escape(m.framework)} {escape(m.name)}, '
                     f'{escape(path)}:{m.line})</small></th></tr>')
            for col in m.columns:
                keys = " ".join(k for k, on in (("PK", col.primary_key), ("FK → " + col.foreign_key, bool(col.foreign_key)),
                                                ("unique", col.unique and not col.primary_key)) if on)
                h.append(f"<tr><td><code>{escape(col.name)}</code></td><td>{escape(col.type or '?')}</td>"
                         f"<td>{escape(keys)}</td></tr>")
            h.append("</table>")
        h.append(f"</div><details><summary>Mermaid erDiagram</summary><pre>{html_block(r.er_diagram)}</pre></details>")
    else:
        h.append("<p>No SQLAlchemy or Django models in its code.</p>")
    h.append("<h3>Deployment configuration</h3>")
    if r.workloads:
        h.append("<table><tr><th>where</th><th>kind</th><th>image / build</th><th>replicas</th><th>probes</th>"
                 "<th>resources</th><th>non-root</th></tr>")
        for w in r.workloads:
            h.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in workload_row(w)) + "</tr>")
        h.append("</table>")
    else:
        h.append("<p>No deployment file runs this service.</p>")
    h += [_finding_html(f) for f in r.deploy_findings]
    h.append("<h3>CI/CD requirements</h3><ul>" + "".join(f"<li>{_inline_code(x)}</li>" for x in r.ci) + "</ul></section>")
    return "\n".join(h)


def _inline_code(line: Line) -> str:
    return "".join(f"<code>{escape(p)}</code>" if isinstance(p, Code) else escape(p) for p in line)


def render_html(review: Review, arch: Architecture, files) -> str:  # noqa: ANN001
    detail = ", ".join(f"{n} {escape(s)}" for s, n in sorted(review.counts.items()))
    h = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
         f"<title>Architecture review: {escape(review.root_name)}</title>", f"<style>{_CSS}</style></head><body><main>",
         f"<h1>Architecture review: {escape(review.root_name)}</h1>",
         f'<p class="sub">{len(review.services)} services, {len(review.findings)} findings'
         f"{f' ({detail})' if detail else ''}. Generated by <code>svclint review</code> from the code, "
         "deployment files and contracts.</p>",
         "<table><tr><th>service</th><th>capability</th><th>owner</th><th>independently deployable</th>"
         "<th>checklist met</th><th>findings</th></tr>"]
    for r in review.services:
        c = r.contract[1] if r.contract else None
        met = sum(1 for i in r.scorecard if i.status == MET)
        assessed = sum(1 for i in r.scorecard if i.status in (MET, MISSING))
        n = sum(1 for f in review.findings if f.service == r.service.id)
        h.append(f'<tr><td><a href="#svc-{escape(r.service.id)}">{escape(r.service.id)}</a></td>'
                 f"<td>{escape(c.capability) if c and c.capability else '—'}</td><td>{escape(c.owner) if c and c.owner else '—'}</td>"
                 f"<td>{'<span class=yes>yes</span>' if r.deployable else '<span class=no>no</span>'}</td>"
                 f"<td>{met} of {assessed}</td><td>{n}</td></tr>")
    h.append("</table><h2>Architecture</h2>")
    chips = "".join(f'<span style="background:{f};border:1px solid {b};padding:1px 6px;border-radius:4px">{k}</span>'
                    for k, (f, b) in _FILL.items())
    h.append(f'<p class="legend">{chips}</p>')
    h.append('<p class="legend"><span>── sync call</span><span>- - async flow</span><span>━━ datastore</span>'
             f'<span style="color:{_COLOUR["hard"]}">hard</span><span style="color:{_COLOUR["soft"]}">soft</span>'
             f'<span style="color:{_COLOUR["undeclared"]}">undeclared in contract</span></p>')
    h.append(f'<div class="diagram">{architecture_svg(arch, files)}</div>')
    h.append(f"<details><summary>Mermaid source</summary><pre>{html_block(review.mermaid)}</pre></details>")
    h += [_service_html(r) for r in review.services]
    h.append("<h2>CI/CD requirements (all services)</h2><ul>" +
             "".join(f"<li>{_inline_code(x)}</li>" for x in review.ci) + "</ul>")
    h.append("</main></body></html>")
    return "\n".join(h) + "\n"

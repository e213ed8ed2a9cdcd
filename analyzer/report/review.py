"""The architecture review: what the checklist's "Output" section asks for, per service, from the facts.

`build_review` gathers plain data (boundary, scorecard, inferred contract, schema, deployment, CI/CD);
`render_markdown` and `render_html` (in review_html.py) only format it. Nothing here parses or prints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from ..model import Architecture, ContractFacts, Model, FileFacts, Finding, Service, Workload
from ..contract.drift import infer
from ..rule import Rule
from .diagram import contracts_by_service, render_mermaid
from .escape import markdown as md, markdown_anchor, markdown_block, markdown_code, markdown_link, mermaid, yaml_dump

MET, MISSING, NA, UNASSESSED = "met", "missing", "not applicable", "not assessed"

# the checklist (shared/seed/architecture-review-checklist.md) item by item: section, item, and the key
# a rule's `checklist` text contains when the rule checks that item
CHECKLIST: tuple[tuple[str, str, str], ...] = (
    ("Service Boundary Analysis", "Owns one business capability", "business capability"),
    ("Service Boundary Analysis", "Upstream/downstream dependencies are sound", "upstream/downstream"),
    ("Service Boundary Analysis", "Can be deployed independently", "deployed independently"),
    ("Service Communication", "Sync: REST/gRPC for queries and commands", "sync rest/grpc"),
    ("Service Communication", "Async: message queue for events and long operations", "async: message"),
    ("Service Communication", "Event-driven: domain events, not implementation details", "event-driven"),
    ("Data Management", "Database per service (no shared databases)", "database per service"),
    ("Data Management", "Eventual consistency strategy", "eventual consistency"),
    ("Data Management", "Saga pattern for distributed transactions", "saga"),
    ("Data Management", "CQRS if read/write patterns differ", "cqrs"),
    ("Resilience Patterns", "Circuit breaker for external calls", "circuit breaker"),
    ("Resilience Patterns", "Retry with exponential backoff", "retry"),
    ("Resilience Patterns", "Timeout on all network calls", "timeout"),
    ("Resilience Patterns", "Bulkhead isolation", "bulkhead"),
    ("Resilience Patterns", "Fallback responses", "fallback"),
    ("Service Contract", "Contract declared, valid and true to the code", "service contract"),
    ("Observability", "Structured logging with correlation IDs", "structured logging"),
    ("Observability", "Metrics: latency, throughput, error rate (RED)", "metrics"),
    ("Observability", "Distributed tracing (OpenTelemetry)", "tracing"),
    ("Observability", "Health check endpoints (/health, /ready)", "health check"),
    ("Observability", "Alerting thresholds defined", "alerting"),
    ("Security", "Service-to-service authentication (mTLS, JWT)", "authentication"),
    ("Security", "Secrets management", "secrets"),
    ("Security", "Network policies (zero-trust)", "network polic"),
    ("Security", "Input validation at service boundary", "input validation"),
    ("Scalability", "Horizontal scaling strategy", "horizontal scaling"),
    ("Scalability", "Stateless design (externalize state)", "stateless"),
    ("Scalability", "Caching strategy", "caching"),
    ("Scalability", "Database connection pooling", "connection pooling"),
    ("Scalability", "Rate limiting", "rate limit"),
)


class Code(str):
    """A piece of a CI/CD requirement shown as code (a path, a command, an image)."""


Line = tuple[str, ...]   # text and Code pieces, each renderer escaping them its own way


@dataclass
class Item:
    section: str
    label: str
    status: str
    findings: list[Finding] = field(default_factory=list)
    note: str = ""


@dataclass
class ServiceReview:
    service: Service
    contract: tuple[str, ContractFacts] | None
    data: list[tuple[str, str, list[str]]]            # (datastore, type, other services using it)
    upstream: list[tuple[str, str]]                     # (service, how)
    downstream: list[tuple[str, str]]
    deployable: bool
    deploy_reasons: list[str]
    scorecard: list[Item]
    inferred_contract: str
    models: list[tuple[str, Model]]                 # (file, model)
    er_diagram: str
    workloads: list[Workload]
    deploy_findings: list[Finding]
    ci: list[Line]


@dataclass
class Review:
    root_name: str
    services: list[ServiceReview]
    mermaid: str
    findings: list[Finding]
    ci: list[Line]
    counts: dict[str, int]


def _contract_files(files: Mapping[str, FileFacts]) -> dict[int, str]:
    return {id(c): f.path for f in files.values() for c in f.contracts}


def _not_applicable(label: str, svc: Service, arch: Architecture) -> str:
    """Why the item does not apply to this service ("" when it does)."""
    out = [e for e in arch.edges if e.source == svc.id]
    if label.startswith(("Circuit breaker", "Retry", "Timeout", "Bulkhead", "Fallback")):
        return "" if any(e.kind == "call" for e in out) else "it makes no outbound calls"
    if label.startswith(("Database per service", "Database connection pooling", "Eventual", "Saga", "CQRS")):
        return "" if any(e.kind == "datastore" for e in out) else "it uses no datastore"
    if label.startswith(("Async", "Event-driven")):
        flows = any(e.kind == "publish" for e in out) or any(e.kind == "subscribe" and e.target == svc.id
                                                             for e in arch.edges)
        return "" if flows else "it neither publishes nor consumes messages"
    return ""


def _fact_status(label: str, svc: Service, contract: ContractFacts | None) -> tuple[str, str] | None:
    """Items the extracted facts answer directly, where no rule covers them."""
    if label.startswith("Owns one business capability"):
        return (MET, f"contract: {contract.capability}") if contract and contract.capability else \
            (MISSING, "no contract states the capability")
    if label.startswith("Structured logging"):
        return (MET, "structured logging configured") if svc.logging == "structured" else \
            (MISSING, f"logging: {svc.logging}")
    if label.startswith("Metrics"):
        return (MET, "metrics instrumented") if svc.metrics else (MISSING, "no metrics library set up")
    if label.startswith("Distributed tracing"):
        return (MET, "tracing set up") if svc.tracing else (MISSING, "no tracing set up")
    if label.startswith("Horizontal scaling"):
        if svc.autoscaled:
            return MET, "autoscaled (HPA)"
        if svc.replicas and svc.replicas > 1:
            return MET, f"{svc.replicas} replicas, no autoscaler"
        return MISSING, f"{svc.replicas or 1} replica, no autoscaler"
    if label.startswith("Contract declared"):
        return None if contract else (MISSING, "no contract (service.yaml) for this service")
    return None


def _scorecard(svc: Service, arch: Architecture, rules: Sequence[Rule], findings: Sequence[Finding],
               contract: ContractFacts | None, deployable: tuple[bool, list[str]]) -> list[Item]:
    items = []
    for section, label, key in CHECKLIST:
        covering = [r for r in rules if key in r.checklist.lower() and r.checklist.lower().startswith(section.lower())]
        if key == "service contract":
            covering = [r for r in rules if r.checklist.lower().startswith("service contract")]
        mine = [f for f in findings if f.service == svc.id and any(f.rule == r.id for r in covering)]
        if label.startswith("Can be deployed") and not deployable[0]:
            behind = [f for f in findings if f.service == svc.id and f.rule in ("SVC001", "SVC002", "SVC003")]
            items.append(Item(section, label, MISSING, behind, "" if behind else "; ".join(deployable[1])))
            continue
        why_not = _not_applicable(label, svc, arch)
        if why_not:
            items.append(Item(section, label, NA, mine, why_not))
            continue
        fact = _fact_status(label, svc, contract)
        if mine:
            items.append(Item(section, label, MISSING, mine, fact[1] if fact else ""))
        elif fact is not None and (fact[0] == MISSING or not covering):
            items.append(Item(section, label, fact[0], [], fact[1]))
        elif covering:
            items.append(Item(section, label, MET, [], "checked by " + ", ".join(r.id for r in covering)))
        else:
            items.append(Item(section, label, UNASSESSED, [], "no rule checks this yet"))
    return items


def _neighbours(svc: Service, arch: Architecture) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    services = {s.id for s in arch.services}
    up, down = set(), set()
    for e in arch.edges:
        if e.kind == "call" and e.target == svc.id and e.source in services:
            up.add((e.source, f"calls it ({e.protocol})"))
        if e.kind == "call" and e.source == svc.id:
            down.add((e.target, f"{e.protocol} call" + ("" if e.target in services else " (external)")))
        if e.kind == "subscribe" and e.target == svc.id:
            pubs = [p.source for p in arch.edges if p.kind == "publish" and p.target == e.source]
            for p in pubs or ["?"]:
                up.add((p, f"publishes {e.source} ({e.protocol})"))
        if e.kind == "publish" and e.source == svc.id:
            subs = [s.target for s in arch.edges if s.kind == "subscribe" and s.source == e.target]
            for s in subs:
                down.add((s, f"consumes {e.target} ({e.protocol})"))
            if not subs:
                down.add((e.target, f"publishes ({e.protocol}), no consumer in the repository"))
    gateway_routes = [e for e in arch.edges if e.target == svc.id and e.kind == "call" and e.source not in services]
    for e in gateway_routes:
        up.add((e.source, f"routes to it ({e.protocol})"))
    return sorted(up), sorted(down)


def _deployability(svc: Service, arch: Architecture, findings: Sequence[Finding],
                   workloads: list[Workload]) -> tuple[bool, list[str]]:
    against = []
    for f in findings:
        if f.service != svc.id:
            continue
        if f.rule == "SVC001":
            against.append(f"imports another service's code ({f.file}:{f.line})")
        elif f.rule == "SVC002":
            against.append(f"shares a datastore: {f.message}")
        elif f.rule == "SVC003":
            against.append(f"in a cycle of synchronous calls: {f.message}")
    if not workloads:
        against.append("no deployment (compose service or Kubernetes workload) runs it")
    if against:
        return False, against
    how = sorted({f"{w.source} {w.kind if w.source == 'kubernetes' else 'service'} {w.name}" for w in workloads})
    return True, [f"own deployment: {', '.join(how)}", "no code imported from other services",
                  "no datastore shared with another service"]


def infer_contract(svc: Service, arch: Architecture, files: Mapping[str, FileFacts],
                   contract: ContractFacts | None) -> dict:
    """The contract the code and deployments imply (svclint.contract's inference), in the contract's
    YAML shape; the declared version, owner and capability are kept."""
    inf = infer(files, arch, svc)
    head: dict = {"name": svc.id}
    if contract:
        for key in ("version", "owner", "capability"):
            if getattr(contract, key):
                head[key] = getattr(contract, key)
    doc: dict = {"service": head,
                 "dependencies": [{"name": d.name, "type": d.type, "criticality": d.criticality}
                                  for d in sorted(inf.dependencies, key=lambda d: d.name)]}
    if inf.data:
        doc["data"] = [{"name": n, "type": t} for n, t in inf.data]
    exposes: dict = {}
    if inf.events:
        exposes["events"] = sorted({e.value for e in inf.events})
    if inf.apis:
        exposes["apis"] = [a.value for a in inf.apis]
    if exposes:
        doc["exposes"] = exposes
    if inf.consumes:
        doc["consumes"] = {"events": sorted({e.value for e in inf.consumes})}
    return doc


_ER_WORD = re.compile(r"[^A-Za-z0-9_]")


def er_diagram(models: Sequence[Model]) -> str:
    """Mermaid erDiagram of the models: entities with typed attributes, relations from foreign keys."""
    if not models:
        return ""
    by_table = {m.table: m for m in models} | {m.name: m for m in models}
    lines = ["erDiagram"]
    for m in models:
        lines.append(f"  {_ER_WORD.sub('_', m.table)} {{")
        for c in m.columns:
            keys = ",".join(k for k, on in (("PK", c.primary_key), ("FK", bool(c.foreign_key)),
                                            ("UK", c.unique and not c.primary_key)) if on)
            type_ = _ER_WORD.sub("_", c.type or "unknown")
            lines.append(f"    {type_} {_ER_WORD.sub('_', c.name)}" + (f" {keys}" if keys else ""))
        lines.append("  }")
    for m in models:
        for c in m.columns:
            if not c.foreign_key:
                continue
            target = c.foreign_key.split(".")[-1] if m.framework == "django" else c.foreign_key.split(".")[0]
            other = by_table.get(target) or (m if target == "self" else None)
            if other is None:
                continue
            card = "}o--o{" if c.type == "ManyToManyField" else ("|o--||" if c.type == "OneToOneField" else "}o--||")
            lines.append(f'  {_ER_WORD.sub("_", m.table)} {card} {_ER_WORD.sub("_", other.table)} : "{mermaid(c.name)}"')
    return "\n".join(lines) + "\n"


def _listing(items: Iterable[str], code: bool = False) -> list[str]:
    out: list[str] = []
    for i, item in enumerate(items):
        out += ([", "] if i else []) + [Code(item) if code else item]
    return out


def _ci(svc: Service, workloads: list[Workload], contract: tuple[str, ContractFacts] | None,
        upstream: list[tuple[str, str]], downstream: list[tuple[str, str]], services: set[str]) -> list[Line]:
    out: list[Line] = []
    if svc.path:
        builds = sorted({w.build_context or "" for w in workloads if w.build_context} |
                        {w.image.rsplit(":", 1)[0] for w in workloads if w.image})
        out.append(("An independent pipeline triggered by changes under ", Code(f"{svc.path}/"),
                    *((", building ", *_listing(builds, code=True)) if builds else ()), "."))
    if contract:
        out.append(("Contract check: ", Code("svclint diff"), " against ", Code(contract[0]),
                    " fails the pipeline on drift."))
    else:
        out.append(("Add a contract (", Code("service.yaml"), "); start from the inferred contract above."))
    callers = sorted({s for s, how in upstream if s in services})
    if callers:
        out.append(("Consumer-driven contract tests for its callers (", *_listing(callers), ") before release."))
    deps = sorted({s for s, how in downstream if s in services})
    if deps:
        out.append(("Deploy with backward-compatible changes only: it depends on ", *_listing(deps), " at run time."))
    kinds = sorted({w.source for w in workloads})
    if kinds:
        out.append(("Validate its deployment files (", *_listing(kinds), ") and run ", Code("svclint scan"),
                    " on every change."))
    return out


def build_review(arch: Architecture, files: Mapping[str, FileFacts], findings: Iterable[Finding],
                 rules: Sequence[Rule], root_name: str) -> Review:
    findings = list(findings)
    contracts = contracts_by_service(arch, files)
    where = _contract_files(files)
    services = {s.id for s in arch.services}
    reviews = []
    for svc in arch.services:
        c = contracts.get(svc.id)
        contract = (where.get(id(c), ""), c) if c is not None else None
        stores = sorted({(e.target, e.protocol) for e in arch.edges if e.source == svc.id and e.kind == "datastore"})
        data = [(n, t, sorted({e.source for e in arch.edges if e.kind == "datastore" and e.target == n
                               and e.source != svc.id})) for n, t in stores]
        up, down = _neighbours(svc, arch)
        refs = set(svc.workloads)
        workloads = [w for w in arch.workloads if f"{w.file}:{w.line}" in refs]
        deployable, reasons = _deployability(svc, arch, findings, workloads)
        models = [(p, m) for p in svc.files if files.get(p) and files[p].python for m in files[p].python.models]
        deploy_files = {w.file for w in workloads}
        reviews.append(ServiceReview(
            service=svc, contract=contract, data=data, upstream=up, downstream=down, deployable=deployable,
            deploy_reasons=reasons, scorecard=_scorecard(svc, arch, rules, findings, c, (deployable, reasons)),
            inferred_contract=yaml_dump(infer_contract(svc, arch, files, c), sort_keys=False),
            models=models, er_diagram=er_diagram([m for _, m in models]), workloads=workloads,
            deploy_findings=[f for f in findings if f.service == svc.id and
                             (f.file in deploy_files or "Dockerfile" in f.file)],
            ci=_ci(svc, workloads, contract, up, down, services)))
    ci: list[Line] = [
        ("Run ", Code("svclint scan . --format sarif"), " on every pull request and upload the SARIF to code "
         "scanning (", Code("svclint init"), " writes the workflow)."),
        ("Run the ", Code("svclint"), " and ", Code("svclint-diff"), " pre-commit hooks so findings and contract "
         "drift show before review."),
        ("Build and deploy each service from its own path filter; never redeploy every service for one change.",)]
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
    return Review(root_name, reviews, render_mermaid(arch, files), findings, ci, counts)


# ---------------------------------------------------------------------------------------------- Markdown

_ICON = {MET: "✅ met", MISSING: "❌ missing", NA: "➖ n/a", UNASSESSED: "❔ not assessed"}


def _md_cell(text: str) -> str:
    return md(text)


def _md_line(line: Line) -> str:
    return "".join(markdown_code(p) if isinstance(p, Code) else md(p) for p in line)


def _md_where(f: Finding, in_table: bool = False) -> str:
    return markdown_code(f"{f.file}:{f.line}", in_table)


def render_markdown(review: Review) -> str:
    out = [f"# Architecture review: {md(review.root_name)}", ""]
    total = len(review.findings)
    detail = ", ".join(f"{n} {s}" for s, n in sorted(review.counts.items()))
    out += [f"{len(review.services)} services, {total} findings" + (f" ({detail})" if detail else "") +
            ". Generated by `svclint review` from the code, deployment files and contracts.", ""]
    out += ["## Services", "", "| service | capability | owner | independently deployable | findings |",
            "|---|---|---|---|---|"]
    for r in review.services:
        c = r.contract[1] if r.contract else None
        n = sum(1 for f in review.findings if f.service == r.service.id)
        link = markdown_link(r.service.id, "#" + markdown_anchor(r.service.id))
        out.append(f"| {link} | {_md_cell(c.capability if c and c.capability else '—')} | "
                   f"{_md_cell(c.owner if c and c.owner else '—')} | {'yes' if r.deployable else '**no**'} | {n} |")
    out += ["", "## Architecture", "", *markdown_block(review.mermaid, "mermaid", markup=True), ""]
    for r in review.services:
        out += _md_service(r)
    out += ["## CI/CD requirements (all services)", ""] + [f"- {_md_line(line)}" for line in review.ci] + [""]
    return "\n".join(out)


def _md_service(r: ServiceReview) -> list[str]:
    s = r.service
    c = r.contract[1] if r.contract else None
    out = [f"## {md(s.id)}", "", "### Boundary", ""]
    out.append(f"- **Capability:** {md(c.capability) if c and c.capability else '— (no contract states it)'}")
    if c and c.owner:
        out.append(f"- **Owner:** {md(c.owner)}")
    out.append(f"- **Code:** {markdown_code(s.path + '/')} ({md(s.framework if s.framework != 'none' else s.language)}, "
               f"{md(s.role)})" if s.path else f"- **Image only:** {md(', '.join(s.workloads))}")
    data = "; ".join(f"{md(n)} ({md(t)})" + (f" — **shared with {md(', '.join(o))}**" if o else "")
                     for n, t, o in r.data)
    out.append(f"- **Data it owns:** {data or 'none'}")
    out.append(f"- **Upstream:** {'; '.join(f'{md(n)} {md(h)}' for n, h in r.upstream) or 'none in the repository'}")
    out.append(f"- **Downstream:** {'; '.join(f'{md(n)} ({md(h)})' for n, h in r.downstream) or 'none'}")
    out.append(f"- **Independently deployable:** {'yes' if r.deployable else '**no**'} — "
               + "; ".join(md(x) for x in r.deploy_reasons))
    out += ["", "### Scorecard", "", "| area | checklist item | status | evidence |", "|---|---|---|---|"]
    for item in r.scorecard:
        evidence = "<br>".join(f"`{f.rule}` {md(f.message)} ({_md_where(f, True)})" for f in item.findings)
        out.append(f"| {item.section} | {item.label} | {_ICON[item.status]} | {evidence or md(item.note)} |")
    out += ["", "### Inferred contract", ""]
    if r.contract:
        out.append(f"Declared in {markdown_code(r.contract[0])}; what the code and deployments show:")
        out.append("")
    out += [*markdown_block(r.inferred_contract, "yaml"), "", "### Database schema", ""]
    if r.models:
        frameworks = sorted({m.framework for _, m in r.models})
        out += [f"From {md(', '.join(frameworks))} models in " +
                ", ".join(sorted({markdown_code(p) for p, _ in r.models})) + ":", "",
                *markdown_block(r.er_diagram, "mermaid", markup=True), ""]
    else:
        out += ["No SQLAlchemy or Django models in its code.", ""]
    out += ["### Deployment configuration", ""]
    if r.workloads:
        out += ["| where | kind | image / build | replicas | probes | resources | non-root |", "|---|---|---|---|---|---|---|"]
        for w in r.workloads:
            out.append(_md_cell_row(w))
    else:
        out.append("No deployment file runs this service.")
    for f in r.deploy_findings:
        out.append(f"- `{f.rule}` {md(f.message)} ({_md_where(f)})")
    out += ["", "### CI/CD requirements", ""] + [f"- {_md_line(line)}" for line in r.ci] + [""]
    return out


def workload_row(w: Workload) -> list[str]:
    probes = ", ".join(sorted({p.kind + (f" {p.path}" if p.path else "") for p in w.probes})) or "none"
    kind = w.kind if w.source == "kubernetes" else "compose service"
    return [f"{w.file}:{w.line}", kind, w.image or (f"build {w.build_context}" if w.build_context else "—"),
            str(w.replicas) if w.replicas is not None else "—", probes,
            "limits set" if w.has_resources else "none",
            {True: "yes", False: "no", None: "not set"}[w.run_as_non_root]]


def _md_cell_row(w: Workload) -> str:
    return "| " + " | ".join(_md_cell(c) for c in workload_row(w)) + " |"

"""CON003 undeclared-dependency."""
from __future__ import annotations

from typing import Iterator

from analyzer.model import Finding, Severity
from analyzer.resolve import norm
from analyzer.rule import ARCHITECTURE, Context, Example, Rule
from analyzer.rules._util import edge_location

_COMPOSE = "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n  c:\n    build: ./c\n"
_CALLS = ("import requests\n\ndef f():\n    requests.get('http://b:8000/x', timeout=2)\n"
          "    requests.get('http://c:8000/y', timeout=2)\n")


def inferred_dependencies(ctx: Context, sid: str) -> dict[str, tuple[str, object]]:
    """Service -> (sync|async, edge) for everything `sid` depends on, by the code and deployment."""
    deps: dict[str, tuple[str, object]] = {}
    services = {s.id for s in ctx.arch.services}
    for e in ctx.arch.edges:
        if e.source == sid and e.kind == "call" and e.target in services:
            deps.setdefault(e.target, ("sync", e))
    for e in ctx.arch.edges:
        if e.source == sid and e.kind == "publish":
            for sub in ctx.arch.edges:
                if sub.kind == "subscribe" and sub.source == e.target and sub.target != sid:
                    deps.setdefault(sub.target, ("async", e))
    return deps


def _declared(contract_deps, svc) -> set[str]:
    return {norm(d.name) for d in contract_deps}


def check(ctx: Context) -> Iterator[Finding]:
    for svc in ctx.arch.services:
        contract = _contract(ctx, svc)
        if contract is None:
            continue
        path, facts = contract
        declared = {norm(d.name) for d in facts.dependencies}
        for target, (kind, edge) in sorted(inferred_dependencies(ctx, svc.id).items()):
            other = ctx.arch.service(target)
            names = {norm(target)} | {norm(a) for a in (other.aliases if other else ())}
            if names & declared:
                continue
            file, line = edge_location(edge)
            yield RULE.finding(f"{svc.id} depends on {target} ({kind}), which {path} does not declare",
                               file, line, service=svc.id, symbol=f"{svc.id}->{target}")


def _contract(ctx: Context, svc):
    for f in ctx.files.values():
        for c in f.contracts:
            if c.source == "contract" and (c.name == svc.id or norm(c.name) == norm(svc.id)):
                return f.path, c
    return None


RULE = Rule(
    id="CON003", name="undeclared-dependency", area="contracts", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="The code depends on a service its contract does not declare",
    rationale="Checklist, Service Contract: 'dependencies'. The declared dependencies are what other "
              "teams, on-call engineers and capacity plans rely on; a dependency the code has but the "
              "contract hides is found during an outage. svclint infers every sync call and every async "
              "flow (a publish some other service consumes) and compares them with the contract.",
    fix="Add the dependency to the contract with its type (sync/async) and criticality, or remove the call.",
    checklist="Service Contract: dependencies",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE, "a/app.py": _CALLS,
                    "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync}\n"
                                      "  - {name: c, type: sync}\n"}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "a/app.py": _CALLS,
                      "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync}\n"},
                     ("a/app.py:5",)),),
)

"""CON011 soft-dependency-treated-as-hard."""
from __future__ import annotations

from typing import Iterator

from svclint.contract.drift import Names, bind, call_sites, contract_sources, declared_dependencies
from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import call_owner
from svclint.rules.contracts._drift import COMPOSE

_CONTRACT = "service: {name: a}\ndependencies:\n  - {name: b, type: sync, criticality: soft}\n"


def check(ctx: Context) -> Iterator[Finding]:
    sources = contract_sources(ctx.files)
    if not sources:
        return
    bound = bind(ctx.files, ctx.arch)
    names = Names(ctx.arch, bound, sources)
    for sid, bs in sorted(bound.items()):
        soft = {}
        for b in bs:
            for d in declared_dependencies(b, names):
                kind, target = names.resolve(d.name)
                if kind == "service" and d.criticality == "soft" and d.type in ("sync", ""):
                    soft.setdefault(target, b.file)
        for e in ctx.arch.edges:
            if e.source != sid or e.kind != "call" or e.target not in soft:
                continue
            for path, call in call_sites(ctx.files, e):
                if not call.handled and call.kind != "publish":
                    yield RULE.finding(
                        f"{soft[e.target]} declares {e.target} a soft dependency of {sid}, but the failure of "
                        f"this call propagates (no except clause that falls back around it)", path, call.line,
                        call.column, service=call_owner(ctx, path, call.function) or sid,
                        symbol=f"{sid}->{e.target}:{call.function}")


RULE = Rule(
    id="CON011", name="soft-dependency-treated-as-hard", area="contracts", severity=Severity.WARNING,
    scope=ARCHITECTURE,
    summary="A dependency declared soft is called so that its failure propagates",
    rationale="Checklist, Resilience Patterns: 'Fallback behavior defined for non-critical dependencies', and "
              "Service Contract: criticality. Declaring a dependency soft promises that the service keeps "
              "working when it is down. A call with no try/except around it, or whose except clause only "
              "re-raises, turns every outage of that dependency into an outage of this service, and the "
              "contract says the opposite.",
    fix="Catch the call's errors and fall back (a default, a cached value, a degraded response), or "
        "declare the dependency hard.",
    checklist="Resilience Patterns: Fallback behavior defined for non-critical dependencies",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE, "a/service.yaml": _CONTRACT,
                    "a/app.py": "import requests\n\ndef recs():\n    try:\n"
                                "        return requests.get('http://b:8000/recs', timeout=1).json()\n"
                                "    except requests.RequestException:\n        return []\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE, "a/service.yaml": _CONTRACT,
                      "a/app.py": "import requests\n\ndef recs():\n"
                                  "    return requests.get('http://b:8000/recs', timeout=1).json()\n\n"
                                  "def more():\n    try:\n"
                                  "        return requests.get('http://b:8000/more', timeout=1).json()\n"
                                  "    except requests.RequestException as exc:\n"
                                  "        raise RuntimeError('b is down') from exc\n"},
                     ("a/app.py:4", "a/app.py:8")),),
)

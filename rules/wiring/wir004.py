"""WIR004 env-never-read."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.resolve import NOT_A_DEPENDENCY, parse_target
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.wiring._env import code_reads

_COMPOSE = ("services:\n  api:\n    build: ./api\n    environment:\n      - CATALOG_URL=http://catalog:8000\n"
            "      - PAYMENTS_URL=http://payments:8000\n  catalog:\n    build: ./catalog\n"
            "  payments:\n    build: ./payments\n")


def check(ctx: Context) -> Iterator[Finding]:
    hosts = dict(ctx.arch.hosts)
    services = {s.id for s in ctx.arch.services}
    for svc in ctx.arch.services:
        if svc.language != "python" or not svc.files:
            continue
        read = code_reads(ctx, svc)
        for w in ctx.arch.workloads_of(svc.id):
            for e in w.env:
                target = parse_target(e.value or "")
                if target is None or e.name in read or NOT_A_DEPENDENCY.search(e.name):
                    continue
                other = hosts.get(target.host)
                if other in services and other != svc.id:
                    yield RULE.finding(f"{e.name} points {svc.id} at service {other}, but the code of "
                                       f"{svc.id} never reads it", w.file, e.line, service=svc.id,
                                       symbol=f"{svc.id}:{e.name}")


RULE = Rule(
    id="WIR004", name="env-never-read", area="wiring", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="A deployment points a service at another one through a variable its code never reads",
    rationale="Checklist, Service Boundary Analysis: 'What are its upstream/downstream dependencies?'. "
              "A variable such as PAYMENTS_URL in a deployment tells every reader that the service calls "
              "payments. When the code never reads it, the deployment documents a dependency that does "
              "not exist (stale after a refactor) or the code reaches the service some other way that "
              "nobody configured — either way the wiring diagram people trust is wrong.",
    fix="Remove the variable from the deployment, or make the code read it instead of a hard-coded value.",
    checklist="Service Boundary Analysis: upstream/downstream dependencies",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE,
                    "api/app.py": "import os\nA = os.environ['CATALOG_URL']\nB = os.environ['PAYMENTS_URL']\n",
                    "catalog/app.py": "x = 1\n", "payments/app.py": "x = 1\n"}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "api/app.py": "import os\nA = os.environ['CATALOG_URL']\n",
                      "catalog/app.py": "x = 1\n", "payments/app.py": "x = 1\n"}, ("docker-compose.yml:6",)),),
)

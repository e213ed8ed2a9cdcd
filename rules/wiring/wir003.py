"""WIR003 localhost-fallback."""
from __future__ import annotations

import re
from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.wiring._env import deployment_sets

_FALLBACK = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-[^}]*?(?:localhost|127\.0\.0\.1|0\.0\.0\.0)")
_COMPOSE = "services:\n  api:\n    build: ./api\n{env}  catalog:\n    build: ./catalog\n"
_CODE = ("import os\nimport requests\n\nURL = os.getenv('CATALOG_URL', 'http://localhost:8001')\n\n"
         "def f():\n    return requests.get(URL + '/items', timeout=2)\n")


def check(ctx: Context) -> Iterator[Finding]:
    local = {(file, line, sid) for file, line, sid, _, node in ctx.arch.targets if node == "local"}
    for file, line, sid in sorted(local):
        svc = ctx.arch.service(sid)
        if svc is None or not svc.workloads:
            continue  # not containerised here: localhost may be right
        py = ctx.files[file].python
        call = next((c for c in py.calls if c.line == line), None) if py else None
        template = call.target if call is not None else ""
        for var in _FALLBACK.findall(template) or _fallback_through_constants(ctx, svc, template):
            if var not in deployment_sets(ctx, sid):
                yield RULE.finding(f"{var} is not set by the deployment of {sid}, so this call goes to the "
                                   "localhost default, which inside the container is the service itself",
                                   file, line, service=sid, symbol=f"{sid}:{var}")


def _fallback_through_constants(ctx: Context, svc, template: str) -> list[str]:
    """`URL = os.getenv("X", "http://localhost")` used as `${ref:...URL}` in the call."""
    out = []
    for ref in re.findall(r"\$\{ref:([^}]*)\}", template):
        name = ref.rsplit(".", 1)[-1]
        for path in svc.files:
            py = ctx.files[path].python
            for c in (py.constants if py else ()):
                if c.name == name or c.name.endswith("." + name):
                    out.extend(_FALLBACK.findall(c.value))
    return out


RULE = Rule(
    id="WIR003", name="localhost-fallback", area="wiring", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="A call falls back to localhost inside a container",
    rationale="Checklist, Service Communication. Defaults like os.getenv('CATALOG_URL', "
              "'http://localhost:8001') are handy on a laptop; in a container localhost is the container "
              "itself, so when the deployment forgets the variable the call silently goes nowhere (or, "
              "worse, to a sidecar). svclint flags the call when the variable is set by no deployment of "
              "the service; literal localhost targets without a variable (sidecars such as Dapr) are not "
              "judged.",
    fix="Set the variable in the deployment of the service, and prefer failing at start-up over a "
        "localhost default in code that runs in containers.",
    checklist="Service Communication: Sync REST/gRPC",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE.format(env="    environment: [CATALOG_URL=http://catalog:8001]\n"),
                    "api/app.py": _CODE, "catalog/app.py": "x = 1\n"}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE.format(env=""), "api/app.py": _CODE,
                      "catalog/app.py": "x = 1\n"}, ("api/app.py:7",)),),
)

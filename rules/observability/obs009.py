"""OBS009 liveness-checks-dependencies."""
from __future__ import annotations

import re
from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule

from ._common import python_files

_LIVE_NAME = re.compile(r"(^|/)(live|livez|liveness|alive|healthz/live|health/live)/?$", re.I)


def _norm(path: str) -> str:
    return "/" + path.split("?", 1)[0].strip("/")


def check(ctx: Context) -> Iterator[Finding]:
    probes: dict[str, set[str]] = {}
    for w in ctx.arch.workloads:
        svc = ctx.arch.service(w.name)
        if svc is None:
            continue
        for p in w.probes:
            if p.kind == "liveness" and p.type == "http" and p.path:
                probes.setdefault(svc.id, set()).add(_norm(p.path))
    for svc in ctx.arch.services:
        files = python_files(ctx, svc)
        if not files:
            continue
        wanted = probes.get(svc.id, set())
        handlers = set()
        for _path, py in files:
            for r in py.routes:
                if not r.handler or r.method not in ("GET", "*", "HEAD"):
                    continue
                route = _norm(re.sub(r"\{[^}]*\}|<[^>]*>", "x", r.path))
                if (route != "/" and any(p == route or p.endswith(route) for p in wanted)) or _LIVE_NAME.search(route):
                    handlers.add(r.handler)
        if not handlers:
            continue
        seen = set()
        for path, py in files:
            for h in py.handler_calls:
                full = f"{py.module}.{h.function}"
                if not any(x == h.function or x == full or full.endswith("." + x) or x.endswith("." + h.function)
                           for x in handlers) or h.function in seen:
                    continue
                seen.add(h.function)
                yield RULE.finding(f"liveness handler {h.function} of {svc.id} calls a dependency ({h.what}): "
                                   f"when that dependency is down every replica is restarted",
                                   path, h.line, h.column, service=svc.id, symbol=f"{svc.id}:{h.function}")


_K8S = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api
          livenessProbe: {httpGet: {path: /healthz, port: 8000}}
          readinessProbe: {httpGet: {path: /ready, port: 8000}}
"""
_APP = ("import redis\nfrom flask import Flask\napp = Flask(__name__)\ncache = redis.Redis(host='redis', "
        "socket_timeout=1)\n\n@app.get('/healthz')\ndef healthz():\n{live}\n\n@app.get('/ready')\ndef ready():\n"
        "    cache.ping()\n    return 'ready'\n")
RULE = Rule(
    id="OBS009", name="liveness-checks-dependencies", area="observability", severity=Severity.ERROR,
    scope=ARCHITECTURE,
    summary="Liveness handler calls a database, cache or other service",
    rationale="Checklist, Observability: 'Health check endpoints (/health, /ready)' — liveness and "
              "readiness answer different questions. Liveness asks whether this process is stuck; the "
              "platform restarts it when the answer is no. A liveness handler that pings the database "
              "fails for every replica at once when the database blips, and the restarts turn a "
              "dependency outage into a full outage (and a thundering herd of reconnects). Dependencies "
              "belong in readiness. svclint reads the handler of each liveness probe's path (and of "
              "routes named live/livez/liveness), and the helpers it calls in its module.",
    fix="Make liveness answer from the process alone (return 200 when the event loop or worker is "
        "alive); check the database, cache and peers in the readiness handler.",
    checklist="Observability: Health check endpoints (/health, /ready)",
    check=check,
    valid=(Example({"k8s/api.yaml": _K8S, "api/app.py": _APP.format(live="    return 'ok'")}),),
    invalid=(Example({"k8s/api.yaml": _K8S, "api/app.py": _APP.format(live="    cache.ping()\n    return 'ok'")},
                     ("api/app.py:8",)),),
)

"""RES005 no-circuit-breaker."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule

from ._common import NETWORK, criticality

_COMPOSE = "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n"
_B = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/x')\ndef x():\n    return 'x'\n"


def check(ctx: Context) -> Iterator[Finding]:
    services = {s.id for s in ctx.arch.services}
    for edge in sorted(ctx.arch.edges, key=lambda e: (e.source, e.target, e.protocol)):
        if edge.kind != "call" or edge.target not in services or edge.source == edge.target:
            continue
        crit = criticality(ctx, edge.source, edge.target)
        if crit == "soft":
            continue   # a soft dependency needs a fallback more than a breaker
        sites = []
        for ev in edge.evidence:
            facts = ctx.files.get(ev.file)
            py = facts.python if facts is not None else None
            if py is None or py.generated:
                continue
            sites += [c for c in py.calls if c.line == ev.line and c.kind in NETWORK and c.library != "locust"]
        unprotected = [c for c in sites if not c.circuit_breaker]
        if not unprotected:
            continue
        first = min(unprotected, key=lambda c: (c.line, c.column))
        file = next(ev.file for ev in edge.evidence if any(c is first for c in
                    (ctx.files[ev.file].python.calls if ctx.files.get(ev.file) and ctx.files[ev.file].python else ())))
        how = "a hard dependency in its contract" if crit == "hard" else "a synchronous dependency"
        yield RULE.finding(f"{edge.source} calls {edge.target} ({how}) without a circuit breaker "
                           f"({len(unprotected)} call site{'s' if len(unprotected) != 1 else ''})",
                           file, first.line, first.column, service=edge.source,
                           symbol=f"{edge.source}->{edge.target}",
                           severity=Severity.ERROR if crit == "hard" else RULE.severity)


RULE = Rule(
    id="RES005", name="no-circuit-breaker", area="resilience", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Synchronous dependency on another service called without a circuit breaker",
    rationale="Checklist, Resilience Patterns: 'Circuit breaker for external calls'. When a dependency "
              "fails slowly, every request that reaches it waits for the timeout and then retries; a "
              "breaker notices the failures, fails fast for a while, and lets the peer recover instead of "
              "queueing work on it. svclint recognises pybreaker, aiobreaker, circuitbreaker and purgatory "
              "(decorators, `with breaker:`, `breaker.call(f, ...)`) and hand-rolled breakers (objects, "
              "classes and decorators named *breaker*). Reported once per calling service and dependency, "
              "at the first unprotected call site; an error when the caller's contract declares the "
              "dependency hard, nothing when it declares it soft.",
    fix="Wrap the client calls to the dependency in a breaker (pybreaker.CircuitBreaker(fail_max=5, "
        "reset_timeout=30) as a decorator or `breaker.call(...)`), and decide what the caller answers "
        "while it is open.",
    checklist="Resilience Patterns: Circuit breaker for external calls",
    check=check,
    valid=(
        Example({"docker-compose.yml": _COMPOSE, "b/app.py": _B,
                 "a/app.py": "import pybreaker\nimport requests\n\nb_breaker = pybreaker.CircuitBreaker(fail_max=5)\n\n"
                             "@b_breaker\ndef f():\n    return requests.get('http://b:8000/x', timeout=2)\n"}),
        Example({"docker-compose.yml": _COMPOSE, "b/app.py": _B,
                 "a/service.yaml": "service: {name: a}\ndependencies:\n  - {name: b, type: sync, criticality: soft}\n",
                 "a/app.py": "import requests\n\ndef f():\n    return requests.get('http://b:8000/x', timeout=2)\n"},
                note="a soft dependency"),
    ),
    invalid=(
        Example({"docker-compose.yml": _COMPOSE, "b/app.py": _B,
                 "a/app.py": "import requests\n\ndef f():\n    return requests.get('http://b:8000/x', timeout=2)\n"},
                ("a/app.py:4",)),
    ),
)

"""RES007 timeout-too-long."""
from __future__ import annotations

from typing import Iterator

from svclint.model import CallSite, FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule

from ._common import call_findings, option

DEFAULT_CEILING = 30.0


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    ceiling = float(option(ctx, RULE.id, "max-timeout", DEFAULT_CEILING))  # type: ignore[arg-type]

    def problem(call: CallSite) -> str | None:
        if call.timeout_value is None or call.timeout_value <= ceiling:
            return None
        return f"waits up to {call.timeout_value:g} s, above the {ceiling:g} s ceiling"
    return call_findings(RULE, f, ctx, problem)


RULE = Rule(
    id="RES007", name="timeout-too-long", area="resilience", severity=Severity.WARNING, scope=FILE,
    summary="Outbound call whose timeout is longer than the configured ceiling (default 30 s)",
    rationale="Checklist, Resilience Patterns: 'Timeout on all network calls' — a timeout protects the "
              "caller only if it is shorter than the caller's own deadline. A 120 s timeout on a call made "
              "while serving a request outlives the client, the load balancer and the retry budget: threads "
              "and connections stay held for work nobody waits for. The ceiling is the rule option "
              "`max-timeout` (seconds, default 30); library defaults (aiohttp's 300 s) are not judged here. "
              "Raised to error for a dependency the contract declares hard.",
    fix="Lower the timeout below the caller's own deadline (a few seconds for synchronous dependencies), "
        "or move long work off the request path (a queue, a job).",
    checklist="Resilience Patterns: Timeout on all network calls",
    check=check,
    valid=(Example({"svc/app.py": "import requests\n\ndef f():\n    return requests.get('http://x/y', timeout=(3, 10))\n"}),),
    invalid=(Example({"svc/app.py": "import httpx\n\nclient = httpx.Client(timeout=120)\n\ndef f():\n"
                                    "    return client.get('http://x/y')\n"}, ("svc/app.py:6",)),),
)

"""RES004 non-idempotent-retry."""
from __future__ import annotations

import re
from typing import Iterator

from svclint.extract.python.libraries import IDEMPOTENCY_HEADERS
from svclint.model import CallSite, FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule

from ._common import call_findings

# gRPC methods whose names say they change state in a way a second delivery repeats
_GRPC_UNSAFE = re.compile(r"^(Create|Add|Place|Charge|Pay|Send|Submit|Transfer|Append|Increment|Insert|Post|"
                          r"Publish|Enqueue|Book|Reserve|Purchase|Order)")


def _unsafe(call: CallSite) -> bool:
    if call.kind == "http":
        return call.operation in ("post", "patch")
    if call.kind == "grpc":
        return bool(_GRPC_UNSAFE.match(call.operation))
    return False


def _problem(call: CallSite) -> str | None:
    if not (call.retry and call.retry_replays and _unsafe(call)):
        return None
    if "?" in call.headers or any(h in IDEMPOTENCY_HEADERS for h in call.headers):
        return None
    return (f"is not idempotent and is retried ({call.retry_via}) without an idempotency key: a retry "
            f"after a lost response repeats it")


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    return call_findings(RULE, f, ctx, _problem)


RULE = Rule(
    id="RES004", name="non-idempotent-retry", area="resilience", severity=Severity.WARNING, scope=FILE,
    summary="A POST/PATCH (or state-changing gRPC method) is retried without an idempotency key",
    rationale="Checklist, Resilience Patterns: 'Retry with exponential backoff' is only safe for "
              "idempotent operations. When a POST times out, the peer may well have done the work; the "
              "retry does it again — a second charge, a duplicate order. GET, PUT and DELETE are "
              "idempotent by HTTP's definition; POST and PATCH (and gRPC methods named Create*, Charge*, "
              "Send*, ...) are not unless the request carries a key the server deduplicates on. urllib3 "
              "Retry does not resend POST unless allowed_methods says so, and httpx transports retry only "
              "failed connections; both count as safe. Headers svclint cannot read are given the benefit "
              "of the doubt.",
    fix="Send an Idempotency-Key header (a UUID made once per logical operation, reused by every "
        "attempt) and deduplicate on it in the server, or do not retry the call.",
    checklist="Resilience Patterns: Retry with exponential backoff",
    check=check,
    valid=(
        Example({"svc/app.py": "import uuid\nimport requests\nfrom tenacity import retry, stop_after_attempt, "
                               "wait_exponential\n\n@retry(stop=stop_after_attempt(3), wait=wait_exponential())\n"
                               "def pay(key):\n    return requests.post('http://payments/charges', timeout=3,\n"
                               "                         headers={'Idempotency-Key': key})\n"}),
        Example({"svc/app.py": "import requests\nfrom requests.adapters import HTTPAdapter\nfrom urllib3 import Retry\n\n"
                               "s = requests.Session()\ns.mount('http://', HTTPAdapter(max_retries=Retry(total=3, "
                               "backoff_factor=0.3)))\n\ndef f():\n    return s.post('http://x/y', timeout=2)\n"},
                note="urllib3 does not resend POST by default"),
    ),
    invalid=(
        Example({"svc/app.py": "import backoff\nimport requests\n\n"
                               "@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=4)\n"
                               "def pay(order):\n    return requests.post('http://payments/charges', json=order, "
                               "timeout=3)\n"}, ("svc/app.py:6",)),
    ),
)

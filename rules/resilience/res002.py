"""RES002 retry-without-backoff."""
from __future__ import annotations

from typing import Iterator

from svclint.model import CallSite, FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule

from ._common import call_findings

_HOW = {"tenacity": "@retry without wait_exponential/wait_random", "backoff": "backoff.constant",
        "retrying": "@retry without wait_exponential_multiplier", "retry": "@retry without backoff=",
        "urllib3": "urllib3 Retry without backoff_factor", "loop": "a retry loop that sleeps a constant or not at all"}


def _problem(call: CallSite) -> str | None:
    if not call.retry or call.backoff:
        return None
    return f"is retried without backoff ({_HOW.get(call.retry_via, call.retry_via)})"


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    return call_findings(RULE, f, ctx, _problem)


RULE = Rule(
    id="RES002", name="retry-without-backoff", area="resilience", severity=Severity.WARNING, scope=FILE,
    summary="Outbound call retried immediately or at a fixed pace, without exponential backoff",
    rationale="Checklist, Resilience Patterns: 'Retry with exponential backoff'. Retries that fire at once "
              "(or every N seconds from every client at the same moment) multiply the load on a peer "
              "exactly when it is failing, and keep it from recovering: a retry storm. Exponential "
              "backoff with jitter spreads the attempts out. svclint reads tenacity (wait=), backoff "
              "(the wait generator), retrying, retry, stamina (backs off by default), urllib3 Retry "
              "mounted through an HTTPAdapter (backoff_factor), httpx transports (back off), gRPC "
              "retry policies (back off by specification) and hand-rolled retry loops (the sleep between "
              "attempts). Raised to error for a dependency the contract declares hard.",
    fix="Wait exponentially with jitter between attempts: tenacity wait=wait_random_exponential(...), "
        "@backoff.on_exception(backoff.expo, ...), Retry(backoff_factor=0.5), or sleep(base * 2 ** attempt "
        "+ random jitter) in a loop.",
    checklist="Resilience Patterns: Retry with exponential backoff",
    check=check,
    valid=(
        Example({"svc/app.py": "import requests\nfrom tenacity import retry, stop_after_attempt, wait_exponential\n\n"
                               "@retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.2))\n"
                               "def f():\n    return requests.get('http://x/y', timeout=2)\n"}),
        Example({"svc/app.py": "import requests\nfrom requests.adapters import HTTPAdapter\nfrom urllib3 import Retry\n\n"
                               "s = requests.Session()\ns.mount('http://', HTTPAdapter(max_retries=Retry(total=3, "
                               "backoff_factor=0.3)))\n\ndef f():\n    return s.get('http://x/y', timeout=2)\n"}),
    ),
    invalid=(
        Example({"svc/app.py": "import requests\nfrom tenacity import retry, stop_after_attempt\n\n"
                               "@retry(stop=stop_after_attempt(5))\ndef f():\n"
                               "    return requests.get('http://x/y', timeout=2)\n"}, ("svc/app.py:6",)),
        Example({"svc/app.py": "import time\nimport requests\n\ndef f():\n    for attempt in range(5):\n"
                               "        try:\n            return requests.get('http://x/y', timeout=2)\n"
                               "        except requests.ConnectionError:\n            time.sleep(1)\n"},
                ("svc/app.py:7",)),
    ),
)

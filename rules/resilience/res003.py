"""RES003 unbounded-retry."""
from __future__ import annotations

from typing import Iterator

from svclint.model import CallSite, FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule

from ._common import call_findings

_HOW = {"tenacity": "@retry without stop=", "backoff": "no max_tries or max_time",
        "retrying": "@retry without stop_max_attempt_number", "retry": "@retry without tries=",
        "stamina": "attempts=None and timeout=None", "urllib3": "Retry(total=None)", "loop": "a `while` loop"}


def _problem(call: CallSite) -> str | None:
    if not call.retry or call.retry_bounded:
        return None
    return f"is retried forever ({_HOW.get(call.retry_via, call.retry_via)})"


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    return call_findings(RULE, f, ctx, _problem)


RULE = Rule(
    id="RES003", name="unbounded-retry", area="resilience", severity=Severity.WARNING, scope=FILE,
    summary="Outbound call retried with no limit on attempts or time",
    rationale="Checklist, Resilience Patterns: 'Retry with exponential backoff' — retries are bounded by "
              "design. A retry with no stop turns a failing dependency into a request that never returns: "
              "the caller's own client gives up long before, but the work, the connection and the load on "
              "the peer go on. tenacity's bare @retry and backoff without max_tries/max_time retry forever; "
              "so does a `while True` loop that swallows the error. Raised to error for a dependency the "
              "contract declares hard.",
    fix="Bound the attempts or the total time: stop=stop_after_attempt(5) | stop_after_delay(30), "
        "max_tries=/max_time=, `for attempt in range(N)`; then fail (or fall back) visibly.",
    checklist="Resilience Patterns: Retry with exponential backoff",
    check=check,
    valid=(
        Example({"svc/app.py": "import backoff\nimport requests\n\n"
                               "@backoff.on_exception(backoff.expo, requests.RequestException, max_time=30)\n"
                               "def f():\n    return requests.get('http://x/y', timeout=2)\n"}),
    ),
    invalid=(
        Example({"svc/app.py": "import requests\nfrom tenacity import retry, wait_exponential\n\n"
                               "@retry(wait=wait_exponential())\ndef f():\n"
                               "    return requests.get('http://x/y', timeout=2)\n"}, ("svc/app.py:6",)),
        Example({"svc/app.py": "import time\nimport requests\n\ndef f():\n    delay = 1\n    while True:\n"
                               "        try:\n            return requests.get('http://x/y', timeout=2)\n"
                               "        except requests.ConnectionError:\n            time.sleep(delay)\n"
                               "            delay *= 2\n"}, ("svc/app.py:8",)),
    ),
)

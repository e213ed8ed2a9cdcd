"""RES006 unbounded-concurrency."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules._util import call_owner


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if f.python is None or f.python.generated:
        return
    for fan in f.python.fan_outs:
        if not fan.network or fan.bounded:
            continue
        what = "asyncio.gather over a list built from input" if fan.kind == "gather" else \
            "an executor with one worker per input item"
        yield RULE.finding(f"{what} makes network calls with no bound on how many run at once",
                           f.path, fan.line, fan.column, service=call_owner(ctx, f.path, fan.function),
                           symbol=f"{fan.function}:{fan.kind}")


_FETCH = ("import asyncio\nimport httpx\n\nclient = httpx.AsyncClient(timeout=5)\n\n"
          "async def fetch(url):\n    return await client.get(url)\n\n")
RULE = Rule(
    id="RES006", name="unbounded-concurrency", area="resilience", severity=Severity.WARNING, scope=FILE,
    summary="Fan-out of network calls with no semaphore, pool limit or worker bound",
    rationale="Checklist, Resilience Patterns: 'Bulkhead isolation'. `asyncio.gather(*[fetch(x) for x in "
              "items])` starts one request per item at once: a large input opens hundreds of connections, "
              "exhausts file descriptors and the peer's capacity, and one slow peer holds them all. A "
              "bulkhead caps the concurrency per dependency. An asyncio.Semaphore or anyio CapacityLimiter "
              "in the module, aiometer, or an explicit connection-pool limit (aiohttp TCPConnector(limit=), "
              "httpx.Limits(max_connections=)) counts as a bound; so does an executor with a fixed "
              "max_workers (executors sized with len(items) do not).",
    fix="Bound it: `sem = asyncio.Semaphore(10)` and `async with sem:` around the call, an explicit "
        "connection-pool limit on the client, or a fixed max_workers.",
    checklist="Resilience Patterns: Bulkhead isolation",
    check=check,
    valid=(
        Example({"svc/app.py": _FETCH + "sem = asyncio.Semaphore(10)\n\nasync def limited(url):\n"
                               "    async with sem:\n        return await fetch(url)\n\n"
                               "async def all_of(urls):\n    return await asyncio.gather(*[limited(u) for u in urls])\n"}),
    ),
    invalid=(
        Example({"svc/app.py": _FETCH + "async def all_of(urls):\n"
                               "    return await asyncio.gather(*[fetch(u) for u in urls])\n"}, ("svc/app.py:10",)),
        Example({"svc/app.py": _FETCH + "async def all_of(urls):\n    tasks = []\n    for u in urls:\n"
                               "        tasks.append(fetch(u))\n    return await asyncio.gather(*tasks)\n"},
                ("svc/app.py:13",)),
    ),
)

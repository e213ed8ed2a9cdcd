"""COM003 blocking-call-in-async."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules._util import call_owner


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if f.python is None or f.python.generated:
        return
    seen: set[tuple[str, str]] = set()
    sites = [(c.line, c.column, c.function, c.symbol, c.library) for c in f.python.calls if c.in_async and c.blocking]
    sites += [(line, column, fn.name, what, what.split(" ")[0]) for fn in f.python.functions if fn.is_async
              for line, column, what in fn.blocking]
    for line, column, function, what, client in sorted(sites):
        if (function, client) in seen:   # once per function and client: the fix is the same
            continue
        seen.add((function, client))
        yield RULE.finding(f"{what} blocks the event loop inside async def {function.rsplit('.', 1)[-1]}: every "
                           f"other request this process serves waits for it", f.path, line, column,
                           service=call_owner(ctx, f.path, function), symbol=f"{function}:{what}")


RULE = Rule(
    id="COM003", name="blocking-call-in-async", area="communication", severity=Severity.ERROR, scope=FILE,
    summary="A blocking network call (requests, urllib, sync DB or Redis clients, time.sleep) inside `async def`",
    rationale="Checklist, Service Communication: 'Sync: REST/gRPC for queries' and Resilience Patterns: "
              "'Bulkhead isolation'. An `async def` handler runs on the event loop that serves every "
              "request of the process; a blocking call inside it (requests, urllib, a synchronous "
              "httpx.Client, psycopg2, pymysql, pymongo, redis-py, time.sleep) stops the loop until the "
              "peer answers, so one slow dependency stalls all concurrent requests and health checks. "
              "Calls handed to a thread (`run_in_executor`, `asyncio.to_thread`, a lambda) do not count.",
    fix="Use the asyncio client (httpx.AsyncClient, aiohttp, asyncpg, redis.asyncio, motor, "
        "asyncio.sleep), run the blocking call in a thread (`await asyncio.to_thread(...)`), or make the "
        "handler a plain `def` so the framework runs it in its thread pool.",
    checklist="Service Communication: Sync: REST/gRPC for queries, commands needing immediate response",
    check=check,
    valid=(
        Example({"svc/app.py": "import asyncio\nimport httpx\nimport requests\n\nasync def f():\n"
                               "    async with httpx.AsyncClient() as c:\n        r = await c.get('http://x/y')\n"
                               "    await asyncio.sleep(1)\n"
                               "    return await asyncio.to_thread(requests.get, 'http://x/z', timeout=2)\n\n"
                               "def g():\n    return requests.get('http://x/y', timeout=2)\n"}),
        Example({"svc/app.py": "import asyncio\nimport requests\n\nasync def f(loop):\n"
                               "    return await loop.run_in_executor(None, lambda: requests.get('http://x', "
                               "timeout=2))\n"}),
    ),
    invalid=(
        Example({"svc/app.py": "import time\nimport requests\nimport redis\n\ncache = redis.Redis(host='redis')\n\n"
                               "async def f():\n    time.sleep(1)\n    cache.get('k')\n    cache.set('k', 1)\n"
                               "    return requests.get('http://x/y', timeout=2).json()\n"},
                ("svc/app.py:8", "svc/app.py:9", "svc/app.py:11"), note="redis once: one fix"),
        Example({"svc/app.py": "import httpx\n\nclient = httpx.Client(timeout=3)\n\nasync def f():\n"
                               "    return client.get('http://x/y').json()\n"}, ("svc/app.py:6",)),
    ),
)

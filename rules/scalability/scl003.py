"""SCL003 connection-per-request."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules.security._code import handlers


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    py = f.python
    if py is None or py.generated:
        return
    serving = handlers(ctx, f)
    service = (ctx.services_of(f.path) or ("",))[0]
    seen: set[tuple[str, str]] = set()
    for c in py.code_facts:
        if c.kind == "client-created" and c.function in serving and (c.function, c.detail) not in seen:
            seen.add((c.function, c.detail))
            yield RULE.finding(f"handler {c.function} creates {c.detail}(...) on every request: a new connection "
                               f"(pool) per request instead of one shared client", f.path, c.line, c.column,
                               service=service, symbol=f"{c.function}:{c.detail}")


RULE = Rule(
    id="SCL003", name="connection-per-request", area="scalability", severity=Severity.WARNING, scope=FILE,
    summary="Client, engine or connection created inside a request handler",
    rationale="Checklist, Scalability: 'Connection pooling for databases'. A Session, httpx/aiohttp client, "
              "SQLAlchemy engine, database connection, Redis/Mongo client, gRPC channel or Kafka producer "
              "made inside a handler opens new TCP (and TLS) connections for every request: latency grows, "
              "the database runs out of connections under load, and ephemeral ports run out. Reported only "
              "in functions that serve requests (routes, handler-shaped functions, gRPC servicer methods); "
              "factories called at start-up and per-request ORM sessions from a shared sessionmaker are fine. "
              "Known limit: clients created in helpers the handler calls are not followed.",
    fix="Create the client once (module level, app start-up/lifespan, dependency with lru_cache) and reuse "
        "it; use the driver's pool (create_engine once, asyncpg.create_pool at start-up).",
    checklist="Scalability: Connection pooling for databases",
    check=check,
    valid=(
        Example({"svc/app.py": "import httpx\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"
                               "client = httpx.AsyncClient(timeout=3)\n\n@app.get('/x')\nasync def x():\n"
                               "    return (await client.get('http://y/z')).json()\n"}),
    ),
    invalid=(
        Example({"svc/app.py": "import psycopg2\nimport httpx\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n"
                               "@app.get('/x')\nasync def x():\n    conn = psycopg2.connect('dbname=shop')\n"
                               "    async with httpx.AsyncClient(timeout=3) as client:\n"
                               "        return (await client.get('http://y/z')).json()\n"},
                ("svc/app.py:9", "svc/app.py:10")),
    ),
)

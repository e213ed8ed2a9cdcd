"""SVC002 shared-datastore."""
from __future__ import annotations

from typing import Iterator

from svclint.graph import datastore_users
from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import edge_location

_COMPOSE = """services:
  a:
    build: ./a
    environment: [DATABASE_URL=postgresql://app:pw@db:5432/app]
  b:
    build: ./b
    environment: [DATABASE_URL=postgresql://app:pw@db:5432/{db_host}]
  db:
    image: postgres:16
"""
_CODE = "import os\nfrom sqlalchemy import create_engine\nengine = create_engine(os.environ['DATABASE_URL'])\n"


def check(ctx: Context) -> Iterator[Finding]:
    paths = {s.id: s.path for s in ctx.arch.services}
    for store, users in datastore_users(ctx.graph).items():
        node = next((n for n in ctx.arch.nodes if n.id == store), None)
        if node is None or node.kind != "datastore":
            continue
        # several deployments of one codebase (web, worker) are one owner
        codebases = {paths.get(u) if paths.get(u) is not None else u for u in users}
        if len(codebases) < 2:
            continue
        for user in users:
            edge = next(e for e in ctx.arch.edges if e.source == user and e.target == store and e.kind == "datastore")
            file, line = edge_location(edge)
            others = ", ".join(u for u in users if u != user)
            yield RULE.finding(f"{user} uses datastore {store} ({node.type}), shared with {others}",
                               file, line, service=user, symbol=f"{user}->{store}")


RULE = Rule(
    id="SVC002", name="shared-datastore", area="boundaries", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="Two services use the same datastore",
    rationale="Checklist, Data Management: 'Database per service (no shared databases)'. A shared "
              "database is a hidden, unversioned API: a schema change for one service breaks the other, "
              "locks and load cross the boundary, and neither can be deployed or scaled alone. Processes "
              "of one codebase (web, worker, beat) count as one owner.",
    fix="Give each service its own database (or schema with its own credentials) and move access to the "
        "other's data behind its API or events.",
    checklist="Data Management: Database per service (no shared databases)",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE.replace("@db:5432/{db_host}", "@db2:5432/b") +
                    "  db2:\n    image: postgres:16\n", "a/app.py": _CODE, "b/app.py": _CODE}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE.format(db_host="app"), "a/app.py": _CODE, "b/app.py": _CODE},
                     ("a/app.py:3", "b/app.py:3")),),
)

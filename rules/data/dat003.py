"""DAT003 shared-table."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule

_SQL = ("postgres", "mysql", "sqlite", "mssql", "oracle", "cockroachdb", "mariadb")


def _sql_stores(ctx: Context, sid: str) -> set[str]:
    kinds = {n.id: n.type for n in ctx.arch.nodes if n.kind == "datastore"}
    return {e.target for e in ctx.arch.edges if e.source == sid and e.kind == "datastore"
            and kinds.get(e.target, "") in _SQL}


def check(ctx: Context) -> Iterator[Finding]:
    paths = {s.id: s.path for s in ctx.arch.services}
    # table -> [(service, file, line, model)]
    mapped: dict[str, list[tuple[str, str, int, str]]] = {}
    for f in ctx.files.values():
        if f.python is None:
            continue
        for m in f.python.models:
            for sid in ctx.services_of(f.path):
                mapped.setdefault(m.table.lower(), []).append((sid, f.path, m.line, m.name))
    for table, sites in sorted(mapped.items()):
        # processes of one codebase (web, worker) are one owner
        owners = {paths.get(s) if paths.get(s) is not None else s for s, *_ in sites}
        if len(owners) < 2:
            continue
        services = sorted({s for s, *_ in sites})
        stores = {s: _sql_stores(ctx, s) for s in services}
        # each with its own, known database: the same name in two schemas is no shared table
        if all(stores.values()) and all(not (stores[a] & stores[b]) for a in services for b in services if a < b):
            continue
        for sid, file, line, model in sorted(set(sites), key=lambda x: (x[1], x[2], x[0])):
            others = ", ".join(s for s in services if s != sid and paths.get(s) != paths.get(sid))
            if not others:
                continue
            yield RULE.finding(f"{model} maps table '{table}', which {others} also maps: two services own "
                               f"one table", file, line, service=sid, symbol=f"{sid}:{table}")


_COMPOSE = "services:\n  orders:\n    build: ./orders\n  billing:\n    build: ./billing\n"
_MODEL = ("from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n\n"
          "class {cls}(Base):\n    __tablename__ = {table!r}\n")

RULE = Rule(
    id="DAT003", name="shared-table", area="data", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="One database table mapped by models of two services",
    rationale="Checklist, Data Management: 'Database per service (no shared databases)' and Service "
              "Boundary Analysis: 'What data does it exclusively manage?'. When two services map the same "
              "table (SQLAlchemy `__tablename__` or `Table()`, SQLModel, Flask-SQLAlchemy, Django "
              "`Meta.db_table` or the default `<app>_<model>`), the table's schema is an API neither "
              "owns: a migration by one breaks the other, and both write rows the other must understand. "
              "Processes of one codebase count as one owner; two services whose databases are known to "
              "be different are not sharing a table that merely has the same name.",
    fix="Let one service own the table; the other asks it through its API or keeps its own copy fed by "
        "the owner's events.",
    checklist="Data Management: Database per service (no shared databases)",
    check=check,
    valid=(
        Example({"docker-compose.yml": _COMPOSE, "orders/models.py": _MODEL.format(cls="Order", table="orders"),
                 "billing/models.py": _MODEL.format(cls="Invoice", table="invoices")}),
        Example({"docker-compose.yml": _COMPOSE.replace("./orders\n", "./orders\n    environment: "
                                                        "[DATABASE_URL=postgresql://o@db1/o]\n")
                 .replace("./billing\n", "./billing\n    environment: [DATABASE_URL=postgresql://b@db2/b]\n") +
                 "  db1:\n    image: postgres:16\n  db2:\n    image: postgres:16\n",
                 "orders/models.py": _MODEL.format(cls="Order", table="orders") +
                 "\nimport os\nfrom sqlalchemy import create_engine\nengine = create_engine(os.environ['DATABASE_URL'])\n",
                 "billing/models.py": _MODEL.format(cls="Order", table="orders") +
                 "\nimport os\nfrom sqlalchemy import create_engine\nengine = create_engine(os.environ['DATABASE_URL'])\n"},
                note="each service has its own database"),
    ),
    invalid=(
        Example({"docker-compose.yml": _COMPOSE, "orders/models.py": _MODEL.format(cls="Order", table="orders"),
                 "billing/models.py": _MODEL.format(cls="OrderView", table="orders")},
                ("orders/models.py:6", "billing/models.py:6")),
        Example({"docker-compose.yml": _COMPOSE,
                 "orders/shop/models.py": "from django.db import models\n\nclass Order(models.Model):\n"
                                          "    total = models.IntegerField()\n",
                 "billing/app/models.py": "from django.db import models\n\nclass Order(models.Model):\n"
                                          "    total = models.IntegerField()\n\n    class Meta:\n"
                                          "        managed = False\n        db_table = 'shop_order'\n"},
                ("orders/shop/models.py:3", "billing/app/models.py:3")),
    ),
)

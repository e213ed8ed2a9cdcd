"""COM001 implementation-named-event."""
from __future__ import annotations

import re
from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules._util import call_owner

# Celery queues carry commands (tasks), boto3 sites are clients: neither names an event
_SKIP_LIBRARIES = ("celery", "boto3")
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# Debezium and other change-data-capture topics: <server>.<schema>.<table>
_CDC = re.compile(r"^[\w-]+\.(public|dbo)\.[\w-]+$")

CRUD = {"insert", "update", "delete", "create", "upsert", "save", "crud"}
STORAGE = {"table", "tbl", "row", "rows", "db", "sql", "orm", "cdc", "debezium", "dbz", "binlog"}
CLASS = {"model", "entity", "dto", "dao", "serializer"}


def implementation_detail(name: str) -> str:
    """Why a channel or event name describes the implementation rather than a domain fact ("" if it does not)."""
    if _CDC.match(name):
        return "a change-data-capture topic (server.schema.table)"
    words = [w.lower() for w in _WORD.findall(_PLACEHOLDER.sub(" ", name))]
    for w in words:
        if w in CRUD:
            return f"the CRUD verb '{w}'"
        if w in STORAGE:
            return f"the storage term '{w}'"
        if w in CLASS:
            return f"the code term '{w}'"
    return ""


def _tables(ctx: Context, f: FileFacts, service: str) -> set[str]:
    """Tables the models of the publishing service map."""
    svc = ctx.arch.service(service) if service else None
    folder = f.path.rpartition("/")[0]
    # no service known: the modules beside the publisher
    paths = set(svc.files) if svc else {p for p in ctx.files if p.rpartition("/")[0] == folder}
    return {m.table.lower() for p in paths if p in ctx.files and ctx.files[p].python is not None
            for m in ctx.files[p].python.models}


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if f.python is None or f.python.generated:
        return
    tables: dict[str, set[str]] = {}
    for call in f.python.calls:
        if call.kind != "publish" or call.library in _SKIP_LIBRARIES or not call.channel:
            continue
        why = implementation_detail(call.channel)
        owner = call_owner(ctx, f.path, call.function)
        if owner not in tables:
            tables[owner] = _tables(ctx, f, owner)
        if not why and call.channel.lower() in tables[owner]:
            why = f"the table '{call.channel}' it stores"
        if why:
            shown = _PLACEHOLDER.sub("…", call.channel)
            yield RULE.finding(f"{call.symbol} publishes to '{shown}', named after {why}: name events after "
                               f"what happened in the domain", f.path, call.line, call.column,
                               service=call_owner(ctx, f.path, call.function), symbol=f"{call.function}:{shown}")


_KAFKA = ("from kafka import KafkaProducer\n\nproducer = KafkaProducer(bootstrap_servers='kafka:9092')\n\n"
          "def placed(order):\n    producer.send({topic!r}, value=order)\n")

RULE = Rule(
    id="COM001", name="implementation-named-event", area="communication", severity=Severity.WARNING, scope=FILE,
    summary="An event or topic named after implementation details (tables, CRUD verbs, CDC, classes)",
    rationale="Checklist, Service Communication: 'Event-driven: Publish domain events, not implementation "
              "details'. A topic called `orders_table`, `user-update` or `dbserver1.public.orders` "
              "publishes the producer's storage: consumers couple to its schema and to every row change, "
              "and learn that something was written, not what happened. Domain events (`OrderPlaced`, "
              "`order.shipped`) state a fact in the language of the business and survive refactoring. "
              "Past-tense facts such as `order.created` are domain events; the bare verbs insert, update, "
              "delete, create, upsert and save are not.",
    fix="Name the event after the business fact it records (OrderPlaced, PaymentCaptured, order.shipped) "
        "and publish it from the code that decides that fact; for CDC, publish through an outbox table "
        "whose rows are domain events rather than streaming the entity tables.",
    checklist="Service Communication: Event-driven: Publish domain events, not implementation details",
    check=check,
    valid=(
        Example({"orders/events.py": _KAFKA.format(topic="order-placed")}),
        Example({"orders/events.py": _KAFKA.format(topic="orders.order_created")}),
        Example({"orders/events.py": _KAFKA.format(topic="OrderShipped")}),
    ),
    invalid=(
        Example({"orders/events.py": _KAFKA.format(topic="order-update")}, ("orders/events.py:6",)),
        Example({"orders/events.py": _KAFKA.format(topic="dbserver1.public.orders")}, ("orders/events.py:6",)),
        Example({"orders/events.py": _KAFKA.format(topic="orders_table")}, ("orders/events.py:6",)),
        Example({"orders/events.py": _KAFKA.format(topic="order_lines"),
                 "orders/models.py": "from sqlalchemy import MetaData, Table\n\n"
                                     "lines = Table('order_lines', MetaData())\n"}, ("orders/events.py:6",),
                note="the topic is the name of a table of the service"),
        Example({"orders/service.py": "from nameko.events import EventDispatcher\n\nclass Orders:\n"
                                      "    name = 'orders'\n    dispatch = EventDispatcher()\n\n"
                                      "    def create(self, order):\n        self.dispatch('OrderEntity', order)\n"},
                ("orders/service.py:8",)),
    ),
)

"""DAT001 dual-write."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules._util import call_owner

_NOT_MESSAGES = ("boto3",)   # boto3 sites are clients made, not messages sent


def has_outbox(ctx: Context, f: FileFacts) -> bool:
    """The file, or any file of a service it belongs to, names a transactional outbox."""
    paths = {f.path}
    for sid in ctx.services_of(f.path):
        svc = ctx.arch.service(sid)
        paths |= set(svc.files if svc else ())
    return any(ctx.files[p].python is not None and ctx.files[p].python.outbox for p in paths if p in ctx.files)


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if f.python is None or f.python.generated:
        return
    outbox = None
    for fn in f.python.functions:
        if not fn.writes or fn.on_commit:
            continue
        short = fn.name.rsplit(".", 1)[-1]
        # a batch task that enqueues its own next run (`task.delay()` inside `task`) sends no event
        publishes = [c for c in f.python.calls if c.function == fn.name and c.kind == "publish"
                     and c.library not in _NOT_MESSAGES
                     and not (c.library == "celery" and c.stub.rsplit(".", 1)[-1] == short)]
        if not publishes:
            continue
        if outbox is None:
            outbox = has_outbox(ctx, f)
        if outbox:
            return
        line, what = fn.writes[0]
        pub = publishes[0]
        channel = f" to '{pub.channel}'" if pub.channel and "${" not in pub.channel else ""
        if pub.library == "celery" and pub.stub:
            channel = f" task {pub.stub.rsplit('.', 1)[-1]}"
        yield RULE.finding(f"{fn.name.rsplit('.', 1)[-1]} writes to the database ({what}, line {line}) and "
                           f"publishes{channel} ({pub.symbol}) with no outbox: a crash or a broker error between "
                           f"the two leaves them disagreeing", f.path, pub.line, pub.column,
                           service=call_owner(ctx, f.path, fn.name), symbol=f"{fn.name}:{pub.symbol}")


_CODE = ("from kafka import KafkaProducer\n\nproducer = KafkaProducer(bootstrap_servers='kafka:9092')\n\n"
         "def place(session, order):\n    session.add(order)\n    session.commit()\n"
         "    producer.send('order-placed', value=order.id)\n")

RULE = Rule(
    id="DAT001", name="dual-write", area="data", severity=Severity.WARNING, scope=FILE,
    summary="A database write and a message publish in one function with no transactional outbox",
    rationale="Checklist, Data Management: 'Eventual consistency strategy'. Committing to the database "
              "and then publishing (or the other way round) are two writes with no shared transaction: "
              "a crash, a timeout or a broker outage between them leaves an order with no OrderPlaced "
              "event, or an event for a change that was rolled back, and consumers drift from the "
              "source of truth for good. Recognised writes: `commit()`, pymongo/motor writes, Django "
              "`.save()` and `objects.create()`, SQL INSERT/UPDATE/DELETE; publishes: Kafka, RabbitMQ, "
              "Celery, nameko events. A service that names an outbox (table, model or library) and "
              "work deferred with `transaction.on_commit` are taken as handled.",
    fix="Write the event to an outbox table in the same transaction as the change and let a relay "
        "(a poller or Debezium's outbox router) publish it; or make the consumer the writer (listen to "
        "your own event).",
    checklist="Data Management: Eventual consistency strategy",
    check=check,
    valid=(
        Example({"orders/app.py": _CODE.replace("    producer.send('order-placed', value=order.id)\n",
                                                "    session.add(Outbox(topic='order-placed', key=order.id))\n")
                 .replace("    session.commit()\n", "") + "    session.commit()\n",
                 "orders/models.py": "class Outbox:\n    __tablename__ = 'outbox'\n"},
                note="the event is a row in the same transaction"),
        Example({"orders/app.py": "from django.db import transaction\nfrom .tasks import send_receipt\n\n"
                                  "def place(order):\n    order.save()\n"
                                  "    transaction.on_commit(lambda: send_receipt.delay(order.id))\n"},
                note="deferred until the transaction commits"),
        Example({"jobs/tasks.py": "from celery import shared_task\n\n@shared_task\ndef backfill(ids):\n"
                                  "    Order.objects.bulk_update(load(ids[:100]), ['total'])\n"
                                  "    if ids[100:]:\n        backfill.delay(ids[100:])\n",
                 "jobs/models.py": "from django.db import models\n"},
                note="a batch task that enqueues its own next batch"),
    ),
    invalid=(
        Example({"orders/app.py": _CODE}, ("orders/app.py:8",)),
        Example({"orders/views.py": "from django.shortcuts import redirect\nfrom .tasks import export_orders\n\n"
                                    "def export(request):\n    job = ExportJob.objects.create(user=request.user)\n"
                                    "    export_orders.delay(job.id)\n    return redirect('/exports')\n"},
                ("orders/views.py:6",), note="the task may run before the row is committed, or be lost"),
        Example({"orders/app.py": "import pika\n\nconn = pika.BlockingConnection(pika.URLParameters('amqp://mq'))\n\n"
                                  "def ship(db, order):\n    db.orders.update_one({'_id': order}, {'$set': {'s': 1}})\n"
                                  "    conn.channel().basic_publish(exchange='shop', routing_key='order.shipped', "
                                  "body=b'1')\n"}, ("orders/app.py:7",)),
    ),
)

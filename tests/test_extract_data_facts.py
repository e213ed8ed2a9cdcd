"""The Python extractor's facts for the communication and data rules: discarded results, blocking clients,
per-function writes / blocking waits / except-handler calls, mapped tables, outbox mentions."""
from __future__ import annotations

import json
import textwrap

from svclint.extract.python import extract_python
from svclint.model import PythonFacts, from_data, to_data


def py(source: str, path: str = "svc/app.py") -> PythonFacts:
    facts, errors = extract_python(path, textwrap.dedent(source).lstrip("\n").encode())
    assert errors == () and facts is not None
    return facts


def test_discarded_results_and_blocking_clients() -> None:
    f = py("""
        import requests, httpx

        client = httpx.AsyncClient()
        sync = httpx.Client()

        async def handler():
            requests.post("http://a/x", json={})
            r = requests.put("http://a/y")
            requests.post("http://a/z").raise_for_status()
            await client.post("http://a/w")
            sync.get("http://a/v")
            return r
        """)
    by_line = {c.line: c for c in f.calls}
    assert by_line[7].discarded and by_line[7].blocking and by_line[7].in_async
    assert not by_line[8].discarded
    assert not by_line[9].discarded           # its result is read (raise_for_status)
    assert by_line[10].discarded and not by_line[10].blocking
    assert by_line[11].blocking               # a sync httpx.Client
    assert not any(c.blocking for c in py("import aiohttp\nasync def f(s: aiohttp.ClientSession):\n"
                                           "    return await s.get('http://x')\n").calls)


def test_calls_handed_to_a_thread_are_not_in_async() -> None:
    f = py("""
        import requests

        async def handler(loop):
            return await loop.run_in_executor(None, lambda: requests.get("http://a/x"))

        async def outer():
            def inner():
                return requests.get("http://a/y")
            return inner
        """)
    assert [c.in_async for c in f.calls] == [False, False]


def test_function_writes_blocking_and_handler_calls() -> None:
    f = py("""
        import time
        import redis
        import psycopg2
        from kafka import KafkaConsumer

        cache = redis.Redis(host="redis")
        consumer = KafkaConsumer("t", bootstrap_servers="kafka:9092")

        def place(session, db, order):
            session.add(order)
            session.commit()
            db.orders.insert_one({"x": 1})
            consumer.commit()
            try:
                pay(order)
            except Exception:
                log.exception("failed")
                payments.refund(order)
                raise PaymentFailed(order)

        async def view():
            time.sleep(1)
            conn = psycopg2.connect("dbname=x")
            cur = conn.cursor()
            cur.execute("INSERT INTO t VALUES (1)")
            cache.get("k")
        """)
    fns = {fn.name: fn for fn in f.functions}
    assert fns["place"].writes == ((11, "session.commit"), (12, "db.orders.insert_one"))  # not the Kafka commit
    assert fns["place"].handler_calls == ("payments.refund",)   # not the try body, logging or raising
    assert not fns["place"].is_async
    view = fns["view"]
    assert view.is_async and view.writes == ((25, "cur.execute"),)
    assert [(line, what) for line, _, what in view.blocking] == [
        (22, "time.sleep"), (24, "psycopg2.connect cursor"), (25, "psycopg2.connect execute"), (26, "redis.Redis get")]
    connect = next(c for c in f.calls if c.symbol == "psycopg2.connect")
    assert connect.blocking and connect.in_async


def test_django_save_needs_an_orm_and_on_commit_is_seen() -> None:
    assert not py("def f(img):\n    img.save('x.png')\n").functions
    f = py("""
        from django.db import transaction

        def place(order):
            order.save()
            Order.objects.create(x=1)
            transaction.on_commit(lambda: notify.delay(order.id))
        """)
    (fn,) = f.functions
    assert fn.writes == ((4, "order.save"), (5, "Order.objects.create")) and fn.on_commit


def test_models_and_their_tables() -> None:
    f = py("""
        from django.db import models
        from sqlalchemy import Column, MetaData, Table
        from sqlalchemy.orm import DeclarativeBase
        from sqlmodel import SQLModel
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()

        class Base(DeclarativeBase):
            pass

        class Order(Base):
            __tablename__ = "orders"

        class Abstract(Base):
            __abstract__ = True

        lines = Table("order_lines", MetaData())

        class Hero(SQLModel, table=True):
            id: int

        class HeroBase(SQLModel):
            name: str

        class OrderLine(db.Model):
            id = db.Column(db.Integer)

        class Stamped(models.Model):
            class Meta:
                abstract = True

        class Invoice(Stamped):
            total = models.IntegerField()

        class Legacy(models.Model):
            class Meta:
                db_table = "old_invoices"
        """, path="billing/invoices/models.py")
    assert [(m.name, m.table, m.line, m.framework) for m in f.models] == [
        ("Order", "orders", 12, "sqlalchemy"), ("order_lines", "order_lines", 18, "sqlalchemy"),
        ("Hero", "hero", 20, "sqlmodel"), ("OrderLine", "order_line", 26, "flask-sqlalchemy"),
        ("Invoice", "invoices_invoice", 33, "django"), ("Legacy", "old_invoices", 36, "django")]
    assert not f.outbox


def test_outbox_mentions() -> None:
    assert py("class OutboxMessage:\n    pass\n").outbox
    assert py("from sqlalchemy import Table, MetaData\nt = Table('event_outbox', MetaData())\n").outbox
    assert py("import django_outbox_pattern\n").outbox
    assert py("def f(c):\n    c.execute('INSERT INTO outbox (topic) VALUES (1)')\n").outbox
    assert not py("def f(c):\n    c.execute('INSERT INTO orders VALUES (1)')\n").outbox


def test_new_facts_round_trip() -> None:
    f = py("""
        import time
        from sqlalchemy.orm import DeclarativeBase

        class Order(DeclarativeBase):
            __tablename__ = "orders"

        async def f(session):
            time.sleep(1)
            session.commit()
        """)
    assert f.functions and f.models
    assert from_data(PythonFacts, json.loads(json.dumps(to_data(f)))) == f


def test_only_pikas_blocking_connection_blocks() -> None:
    f = py("""
        import pika

        blocking = pika.BlockingConnection(pika.URLParameters("amqp://mq"))
        selecting = pika.SelectConnection(pika.URLParameters("amqp://mq"))

        async def publish():
            blocking.channel().basic_publish(exchange="shop", routing_key="order.placed", body=b"1")
            selecting.channel().basic_publish(exchange="shop", routing_key="order.placed", body=b"1")
        """)
    assert [(c.line, c.blocking) for c in f.calls if c.kind == "publish"] == [(7, True), (8, False)]

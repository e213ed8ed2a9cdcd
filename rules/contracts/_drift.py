"""The drift rules share one comparison (svclint.contract.drift); each reports its kinds of drift."""
from __future__ import annotations

from typing import Iterator

from svclint.contract.drift import compute_drift
from svclint.model import Finding
from svclint.rule import Context, Rule

COMPOSE = ("services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n  c:\n    build: ./c\n"
           "  kafka:\n    image: bitnami/kafka:3.7\n")
# the examples' publisher and subscriber of one event
PUBLISHER = ("from kafka import KafkaProducer\n\nproducer = KafkaProducer(bootstrap_servers='kafka:9092')\n\n"
             "def placed(order):\n    producer.send('order-placed', order)\n")
SUBSCRIBER = ("from kafka import KafkaConsumer\n\ndef main():\n"
              "    for msg in KafkaConsumer('order-placed', bootstrap_servers='kafka:9092'):\n        print(msg)\n")


def drift_findings(rule: Rule, ctx: Context, only_certain: bool = True) -> Iterator[Finding]:
    for d in compute_drift(ctx.files, ctx.arch):
        if d.rule == rule.id and (d.certain or not only_certain):
            symbol = f"{d.service}->{d.subject}" if d.kind == "undeclared-dependency" else f"{d.kind}:{d.subject}"
            yield rule.finding(d.message, d.file, d.line, service=d.service, symbol=symbol)

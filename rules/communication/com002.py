"""COM002 fire-and-forget-http."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules._util import call_owner, reached_services

_WRITES = ("post", "put")
_COMPOSE = "services:\n  orders:\n    build: ./orders\n  notifications:\n    build: ./notifications\n"


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if f.python is None or f.python.generated:
        return
    reached = None
    for call in f.python.calls:
        if call.kind != "http" or call.operation not in _WRITES or not call.discarded or call.library == "locust":
            continue
        if reached is None:
            reached = reached_services(ctx, f.path)
        owner = call_owner(ctx, f.path, call.function)
        # only messages to services of this system: a webhook of a SaaS has no broker in between
        for target in sorted(reached.get(call.line, set()) - {owner}):
            yield RULE.finding(f"{call.symbol} to {target} ignores the response: a fire-and-forget message sent "
                               f"over synchronous HTTP, so {owner or 'the caller'} waits for {target} and the "
                               f"message is lost when {target} is down", f.path, call.line, call.column,
                               service=owner, symbol=f"{call.function}:{call.symbol}:{target}")


_CALLER = ("import requests\n\ndef place(order):\n"
           "    {stmt}requests.post('http://notifications:8000/emails', json=order, timeout=3){tail}\n")

RULE = Rule(
    id="COM002", name="fire-and-forget-http", area="communication", severity=Severity.WARNING, scope=FILE,
    summary="A POST or PUT to another service whose response is ignored: fire-and-forget over synchronous HTTP",
    rationale="Checklist, Service Communication: 'Sync: REST/gRPC for queries, commands needing immediate "
              "response' and 'Async: Message queue (Kafka, RabbitMQ) for events, long operations'. A call "
              "whose response nobody reads (not even its status) does not need an immediate answer, yet "
              "it makes the caller wait for the receiver and loses the message whenever the receiver is "
              "slow or down; a queue or event decouples both and keeps the message. Only calls that reach "
              "a service of the scanned system count.",
    fix="Publish an event (or enqueue a task) the other service consumes; if the call must stay "
        "synchronous, check its result (`response.raise_for_status()`) and handle failure.",
    checklist="Service Communication: Async: Message queue for events, long operations",
    check=check,
    valid=(
        Example({"docker-compose.yml": _COMPOSE, "notifications/app.py": "x = 1\n",
                 "orders/app.py": _CALLER.format(stmt="", tail=".raise_for_status()")}),
        Example({"docker-compose.yml": _COMPOSE, "notifications/app.py": "x = 1\n",
                 "orders/app.py": _CALLER.format(stmt="r = ", tail="\n    return r.json()")}),
        Example({"orders/app.py": "import requests\n\ndef alert(text):\n"
                                  "    requests.post('https://hooks.slack.com/services/T0/B0', json={'text': text}, "
                                  "timeout=3)\n"}, note="an external webhook"),
    ),
    invalid=(
        Example({"docker-compose.yml": _COMPOSE, "notifications/app.py": "x = 1\n",
                 "orders/app.py": _CALLER.format(stmt="", tail="")}, ("orders/app.py:4",)),
        Example({"docker-compose.yml": _COMPOSE, "notifications/app.py": "x = 1\n",
                 "orders/app.py": "import httpx\n\nclient = httpx.AsyncClient(base_url='http://notifications:8000')"
                                  "\n\nasync def place(order):\n    await client.put('/emails/1', json=order)\n"},
                ("orders/app.py:6",)),
    ),
)

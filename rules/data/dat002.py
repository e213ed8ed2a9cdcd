"""DAT002 multi-service-write-without-saga."""
from __future__ import annotations

import re
from typing import Iterator

from svclint.model import CallSite, FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules._util import call_owner, reached_services

_HTTP_WRITES = ("post", "put", "patch", "delete")
_VERBS = ("create|update|delete|remove|add|set|place|charge|pay|refund|cancel|reserve|book|submit|ship|send|"
          "empty|debit|credit|transfer|capture|authori[sz]e|insert|upsert|save|register|confirm|complete|approve|"
          "reject|release|allocate|decrement|increment|withdraw|deposit|assign|apply|commit|write|put|post|patch")
_COMMAND = re.compile(rf"^(?:{_VERBS})(?:[A-Z_]|$)", re.I)
_UNDO = re.compile(r"cancel|refund|compensat|revert|undo|release|void|reverse|rollback|restore|unreserve|"
                   r"(?:^|\.)(?:delete|remove|post|put|patch)$", re.I)
_LOCAL_ROLLBACK = re.compile(r"(?:^|\.)(?:session|db|conn|connection|transaction|cursor|tx)\.rollback$")


def state_changing(call: CallSite) -> bool:
    if call.kind == "http":
        return call.operation in _HTTP_WRITES
    if call.kind in ("grpc", "rpc"):
        return bool(_COMMAND.match(call.operation))
    return False


def compensates(handler_calls: tuple[str, ...]) -> bool:
    return any(_UNDO.search(c) and not _LOCAL_ROLLBACK.search(c) for c in handler_calls)


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if f.python is None or f.python.generated:
        return
    if any("saga" in imp.module.lower() for imp in f.python.imports):
        return
    handlers = {fn.name: fn.handler_calls for fn in f.python.functions}
    by_function: dict[str, list[CallSite]] = {}
    for call in f.python.calls:
        if call.function and state_changing(call):
            by_function.setdefault(call.function, []).append(call)
    if not by_function:
        return
    reached = reached_services(ctx, f.path)
    for function, calls in sorted(by_function.items()):
        owner = call_owner(ctx, f.path, function)
        first: dict[str, CallSite] = {}
        for call in calls:
            for target in sorted(reached.get(call.line, set()) - {owner}):
                first.setdefault(target, call)
        if len(first) < 2 or compensates(handlers.get(function, ())):
            continue
        (a, ca), (b, cb) = sorted(first.items(), key=lambda kv: (kv[1].line, kv[0]))[:2]
        yield RULE.finding(f"{function.rsplit('.', 1)[-1]} changes state in {a} ({ca.symbol}, line {ca.line}) and "
                           f"{b} ({cb.symbol}) with no compensation: when the second fails the first stays done",
                           f.path, cb.line, cb.column, service=owner, symbol=f"{function}:{a}+{b}")


_COMPOSE = "services:\n  checkout:\n    build: ./checkout\n  payments:\n    build: ./payments\n" \
           "  shipping:\n    build: ./shipping\n"
_PEERS = {"payments/app.py": "x = 1\n", "shipping/app.py": "x = 1\n", "docker-compose.yml": _COMPOSE}
_CHECKOUT = ("import requests\n\ndef checkout(order):\n"
             "    requests.post('http://payments:8000/charges', json=order, timeout=3).raise_for_status()\n"
             "    requests.post('http://shipping:8000/shipments', json=order, timeout=3).raise_for_status()\n")

RULE = Rule(
    id="DAT002", name="multi-service-write-without-saga", area="data", severity=Severity.WARNING, scope=FILE,
    summary="State-changing calls to two or more services in one handler with no compensation (saga)",
    rationale="Checklist, Data Management: 'Saga pattern for distributed transactions'. A handler that "
              "charges in one service and books in another runs a distributed transaction without a "
              "coordinator: when the second call fails (or times out after succeeding) the first change "
              "stays, and the customer is charged for a shipment that never exists. A saga pairs each "
              "step with a compensating action run on failure. State-changing calls: HTTP POST/PUT/PATCH/"
              "DELETE, gRPC and RPC methods named as commands (Create…, Charge…, Reserve…). A `try/except` "
              "whose handler calls an undo action (cancel, refund, release, delete…) or a saga library "
              "counts as compensation.",
    fix="Make it a saga: on failure of a later step call the earlier steps' compensations (refund, "
        "cancel), or orchestrate with events (each service reacts to the previous step's event and "
        "publishes its own, with compensating events on failure).",
    checklist="Data Management: Saga pattern for distributed transactions",
    check=check,
    valid=(
        Example({**_PEERS, "checkout/app.py": (
            "import requests\n\ndef checkout(order):\n"
            "    requests.post('http://payments:8000/charges', json=order, timeout=3).raise_for_status()\n"
            "    try:\n"
            "        requests.post('http://shipping:8000/shipments', json=order, timeout=3).raise_for_status()\n"
            "    except requests.RequestException:\n"
            "        refund = requests.post('http://payments:8000/refunds', json=order, timeout=3)\n"
            "        refund.raise_for_status()\n        raise\n")}, note="the charge is refunded"),
        Example({**_PEERS, "checkout/app.py": "import requests\n\ndef checkout(order):\n"
                                              "    requests.get('http://payments:8000/quote', timeout=3)\n"
                                              "    requests.post('http://shipping:8000/shipments', json=order, "
                                              "timeout=3).raise_for_status()\n"}, note="one write only"),
    ),
    invalid=(
        Example({**_PEERS, "checkout/app.py": _CHECKOUT}, ("checkout/app.py:5",)),
    ),
)

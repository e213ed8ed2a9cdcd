"""RES001 missing-timeout."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules._util import call_owner, shown

_KINDS = ("http", "grpc", "rpc")
_LOAD_TOOLS = ("locust",)   # load generators are meant to wait; their calls are not service dependencies at risk


def _describe(call, resolved: str) -> str:
    what = call.symbol if call.kind == "http" else f"{call.library} {call.operation}"
    target = resolved or (call.stub if call.kind in ("grpc", "rpc") and call.stub else call.target)
    target = shown(target) if target else ""
    return f"{what} to {target}" if target else what


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if f.python is None or f.python.generated:
        return
    # the node each call site reaches, as resolve worked it out (environment, settings, stubs)
    reached = {(f.path, line): target for line, _kind, target in ctx.arch.evidence_in(f.path)}
    for call in f.python.calls:
        if call.kind in _KINDS and call.timeout is False and call.library not in _LOAD_TOOLS:
            yield RULE.finding(f"{_describe(call, reached.get((f.path, call.line), ''))} has no timeout",
                               f.path, call.line, call.column,
                               service=call_owner(ctx, f.path, call.function),
                               symbol=f"{call.function}:{call.symbol}:{call.target}")


RULE = Rule(
    id="RES001", name="missing-timeout", area="resilience", severity=Severity.ERROR, scope=FILE,
    summary="Outbound network call without a timeout",
    rationale="Checklist, Resilience Patterns: 'Timeout on all network calls'. A call with no timeout "
              "waits as long as the peer or the network decides; one slow dependency then holds threads, "
              "connections and memory until the caller falls over too. requests, urllib, urllib3, "
              "http.client, gRPC stubs and nameko RPC proxies have no timeout unless one is given; httpx "
              "(5 s), aiohttp (300 s) and tornado (20 s) have a default, which counts. A timeout given to "
              "the Session, Client or channel the call goes through counts.",
    fix="Pass timeout= on the call (gRPC: timeout= seconds on the stub call), or create the client "
        "with a timeout (httpx.Client(timeout=...), aiohttp.ClientSession(timeout=ClientTimeout(...))).",
    checklist="Resilience Patterns: Timeout on all network calls",
    check=check,
    valid=(
        Example({"svc/app.py": "import requests\n\ndef f():\n    return requests.get('http://x/y', timeout=3)\n"}),
        Example({"svc/app.py": "import httpx\n\nasync def f():\n    async with httpx.AsyncClient() as c:\n"
                               "        return await c.get('http://x/y')\n"}, note="httpx has a 5 s default"),
        Example({"svc/app.py": "import grpc\nimport a_pb2_grpc\n\nch = grpc.insecure_channel('x:50051')\n"
                               "stub = a_pb2_grpc.AStub(ch)\n\ndef f(r):\n    return stub.Get(r, timeout=2.0)\n"}),
    ),
    invalid=(
        Example({"svc/app.py": "import requests\n\ns = requests.Session()\n\ndef f():\n"
                               "    a = requests.post('http://x/y', json={})\n    return s.get('http://x/z')\n"},
                ("svc/app.py:6", "svc/app.py:7")),
        Example({"svc/app.py": "import grpc\nfrom gen import a_pb2_grpc\n\ndef f(r):\n"
                               "    stub = a_pb2_grpc.AStub(grpc.insecure_channel('x:50051'))\n"
                               "    return stub.Get(r)\n"}, ("svc/app.py:6",)),
        Example({"svc/app.py": "import httpx\n\ndef f():\n    return httpx.get('http://x', timeout=None)\n"},
                ("svc/app.py:4",)),
    ),
)

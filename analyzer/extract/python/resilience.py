"""Resilience and observability facts, gathered during the visitor's one pass.

The visitor calls the hooks of `Observer` from its own visit methods (no second walk of the module
is made); the interpreter asks `retry_policy`, `client_retry` and `header_names` when it turns a
call into a `CallSite`. Only this package sees CST nodes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

import libcst as cst

from ...model import FanOut, HandlerCall
from . import libraries as lib
from .fold import dotted, string_value
from .fold import keyword_arg as _kw, positional_arg as _pos

if TYPE_CHECKING:  # pragma: no cover
    from .visitor import ModuleVisitor

# (via, bounded, backoff, replays): how a call is retried
Policy = tuple[str, bool, bool, bool]

_SLEEPS = ("time.sleep", "asyncio.sleep", "gevent.sleep", "trio.sleep", "anyio.sleep", "eventlet.sleep")
_FAN_OUT = ("asyncio.gather", "asyncio.wait", "asyncio.as_completed", "trio.gather")
_LIMITS = ("Semaphore", "BoundedSemaphore", "CapacityLimiter", "Limiter")
_LOG_CONFIG = lib.LOG_CONFIG
# methods whose call inside a handler is a dependency call whatever the receiver (db ping, query)
_DEPENDENCY_METHODS = ("ping", "execute", "server_info", "command", "cursor", "scalar", "query", "find_one",
                       "count_documents", "list_topics", "exists", "dbsize", "info", "check_connection")
_NETWORK = ("http", "grpc", "rpc")


@dataclass
class Loop:
    bounded: bool                   # `for` or a `while` with a condition; `while True` is not
    try_depth: int                  # try nesting where the loop starts
    retry: bool = False             # holds a try that leaves on success and swallows the failure
    sleeps: list[cst.BaseExpression | None] = field(default_factory=list)


@dataclass
class _Fan:
    node: cst.Call
    scope: str
    cls: str
    kind: str
    names: list[str] = field(default_factory=list)                       # starred names (tasks)
    inner: list[tuple[cst.Call, str]] = field(default_factory=list)      # calls in its arguments
    bounded: bool = False


class Observer:
    def __init__(self) -> None:
        self.guards: list[cst.CSTNode] = []     # `with breaker:` / `breaker.call(...)` being visited
        self.breaker_wrapped: set[str] = set()  # functions handed to breaker.call(...)
        self.loops: list[Loop] = []
        self.mounts: list[tuple[str, str, str, cst.BaseExpression]] = []     # scope, cls, session, adapter
        self.session_headers: list[tuple[str, str, str, cst.BaseExpression | None]] = []
        self.appends: dict[tuple[str, str], list[cst.BaseExpression]] = {}
        self.open_fans: list[_Fan] = []
        self.fans: list[_Fan] = []
        self.limited = False
        self.func_calls: list[tuple[cst.Call, str, str, str]] = []        # node, scope, cls, name
        self.prints: list[cst.CSTNode] = []
        self.log_config: list[cst.CSTNode] = []
        self.structured = False
        self.metrics = False
        self.instrumented: set[str] = set()

    # ------------------------------------------------------------------ hooks
    def on_import(self, full: list[str]) -> None:
        for name in full:
            for prefix, what in lib.TRACE_PROPAGATION.items():
                if name == prefix or name.startswith(prefix + "."):
                    self.instrumented.add(what)

    def on_string(self, value: str) -> None:
        low = value.lower()
        if any(m in low for m in lib.STRUCTURED_LOGGING_STRINGS):
            self.structured = True
        if any(m in low for m in lib.METRICS_STRINGS):
            self.metrics = True

    def on_class(self, name: str, bases: tuple[str, ...]) -> None:
        if "json" in name.lower() and any(b.endswith("Formatter") for b in bases):
            self.structured = True

    def on_call(self, v: "ModuleVisitor", node: cst.Call, qual: str, func_name: str) -> None:
        last = func_name.rsplit(".", 1)[-1]
        receiver = func_name.rsplit(".", 1)[0] if "." in func_name else ""
        for fan in self.open_fans:
            fan.inner.append((node, func_name))
        if func_name == "print":
            self.prints.append(node)
        if qual in _LOG_CONFIG or last == "setFormatter":
            self.log_config.append(node)
        if _breakerish(v, receiver) and last in ("call", "call_async", "acall"):
            self.guards.append(node)
            first = _pos(node, 0)
            if first is not None and dotted(first):
                self.breaker_wrapped.add((dotted(first) or "").rsplit(".", 1)[-1])
        if self.loops and qual in _SLEEPS:
            self.loops[-1].sleeps.append(_pos(node, 0))
        if last == "mount" and receiver:
            adapter = _pos(node, 1) or _kw(node, "adapter")
            if adapter is not None:
                self.mounts.append((v.scope, v.cls, receiver, adapter))
        if func_name.endswith(".headers.update"):
            self.session_headers.append((v.scope, v.cls, func_name[: -len(".headers.update")], _pos(node, 0)))
        if last == "append" and receiver and _pos(node, 0) is not None:
            self.appends.setdefault((v.scope, receiver), []).append(_pos(node, 0))  # type: ignore[arg-type]
        if last in _LIMITS or qual.startswith("aiometer") or \
                (last == "TCPConnector" and (_kw(node, "limit") or _kw(node, "limit_per_host"))) or \
                (last == "Limits" and _kw(node, "max_connections")):
            self.limited = True
        if qual in _FAN_OUT and any(a.star == "*" or isinstance(a.value, (cst.ListComp, cst.GeneratorExp))
                                    for a in node.args):
            fan = _Fan(node, v.scope, v.cls, "gather",
                       names=[dotted(a.value) or "" for a in node.args if a.star == "*"])
            self.open_fans.append(fan)
            self.fans.append(fan)
        if last in ("ThreadPoolExecutor", "ProcessPoolExecutor"):
            workers = _kw(node, "max_workers") or _pos(node, 0)
            if isinstance(workers, cst.Call) and dotted(workers.func) == "len":
                self.fans.append(_Fan(node, v.scope, v.cls, "executor"))
        if v.scope:
            self.func_calls.append((node, v.scope, v.cls, func_name))

    def on_leave_call(self, node: cst.Call) -> None:
        if self.guards and self.guards[-1] is node:
            self.guards.pop()
        if self.open_fans and self.open_fans[-1].node is node:
            self.open_fans.pop()

    def on_with(self, v: "ModuleVisitor", node: cst.With) -> None:
        for item in node.items:
            expr = item.item.func if isinstance(item.item, cst.Call) else item.item
            if _breakerish(v, dotted(expr) or ""):
                self.guards.append(node)
                return

    def on_leave_with(self, node: cst.With) -> None:
        if self.guards and self.guards[-1] is node:
            self.guards.pop()

    def on_loop(self, node: cst.For | cst.While, try_depth: int) -> None:
        bounded = True
        if isinstance(node, cst.While):
            test = node.test
            bounded = not ((isinstance(test, cst.Name) and test.value == "True") or
                           (isinstance(test, cst.Integer) and test.value != "0") or
                           isinstance(test, (cst.Name, cst.UnaryOperation, cst.Attribute)))
        self.loops.append(Loop(bounded, try_depth))

    def on_leave_loop(self) -> None:
        self.loops.pop()

    def on_try(self, node: cst.Try, try_depth: int) -> None:
        """A try directly in a loop that leaves the loop on success and carries on after a failure
        is a hand-rolled retry."""
        if not self.loops or self.loops[-1].try_depth != try_depth - 1:
            return
        leaves = _leaves(node.body.body) or (node.orelse is not None and _leaves(node.orelse.body.body))
        swallows = any(not _ends_in_raise(h.body.body) for h in node.handlers)
        if leaves and swallows:
            self.loops[-1].retry = True

    def loop_of(self, try_depth: int) -> Loop | None:
        """The retry loop a call made now sits in (inside the loop's try), if any."""
        return self.loops[-1] if self.loops and try_depth > self.loops[-1].try_depth else None

    # ------------------------------------------------------------------ end of module
    def finish(self, v: "ModuleVisitor", lookup: Callable) -> None:
        out = v.out
        if self.structured:
            out.logging = "structured"
        out.metrics = out.metrics or self.metrics
        net_nodes = {id(n) for n, c in out.calls if c.kind in _NETWORK}
        net_funcs = {c.function.rsplit(".", 1)[-1] for _, c in out.calls if c.kind in _NETWORK and c.function}
        for fan in self.fans:
            callees = [name for _, name in fan.inner]
            for name in fan.names:
                bound = v.values.get((fan.scope, name))
                if bound is not None:
                    callees += _call_names(bound)
                for expr in self.appends.get((fan.scope, name), ()):
                    callees += _call_names(expr)
            network = any(id(n) in net_nodes for n, _ in fan.inner) or \
                any(c.rsplit(".", 1)[-1] in net_funcs for c in callees if c)
            if fan.kind == "executor":
                network = bool(net_nodes)
            out.fan_outs.append((fan.node, FanOut(0, 0, fan.scope, fan.kind, network,
                                                  self.limited and fan.kind == "gather")))
        self._handler_calls(v, lookup, net_nodes)

    def _handler_calls(self, v: "ModuleVisitor", lookup: Callable, net_nodes: set[int]) -> None:
        handlers = {r.handler for _, r in v.out.routes if r.handler and r.method not in ("PREFIX", "MOUNT", "INCLUDE")}
        by_func: dict[str, list[tuple[cst.Call, str, str]]] = {}
        for node, scope, cls, name in self.func_calls:
            by_func.setdefault(scope, []).append((node, name, cls))
        local = {f.rsplit(".", 1)[-1]: f for f in by_func}

        def deps(func: str, depth: int) -> Iterator[tuple[cst.Call, str]]:
            for node, name, cls in by_func.get(func, ()):
                if id(node) in net_nodes or _dependency(name, func, cls, lookup):
                    yield node, name
                elif depth == 0 and name and name.split(".")[-1] in local and \
                        (name.count(".") == 0 or name.startswith(("self.", "cls."))):
                    yield from deps(local[name.split(".")[-1]], 1)

        for func in by_func:
            short = func.rsplit(".", 1)[-1]
            if func in handlers or short in handlers or re.search(lib.HEALTH_NAMES, short, re.I):
                for node, name in deps(func, 0):
                    v.out.handler_calls.append((node, HandlerCall(func, name, 0)))


def _dependency(name: str, scope: str, cls: str, lookup: Callable) -> bool:
    if "." not in name:
        return False
    receiver, method = name.rsplit(".", 1)
    if method in _DEPENDENCY_METHODS:
        return True
    head = receiver if receiver.startswith(("self.", "cls.")) and receiver.count(".") == 1 else receiver.split(".")[0]
    bound = lookup(head, scope, cls)
    return bound is not None and (bound.qual in lib.DATASTORE_CLIENTS or bound.qual in lib.CLIENT_TYPES)


def _breakerish(v: "ModuleVisitor", name: str) -> bool:
    """An object or decorator that is a circuit breaker: from a breaker library, or named like one
    (a hand-rolled `CircuitBreaker` class, `payments_breaker = ...`)."""
    if not name:
        return False
    qual = v.qualify(name) or name
    if qual.split(".")[0] in lib.BREAKERS or "breaker" in name.lower() or "breaker" in qual.lower():
        return True
    bound = v.bindings.get((v.scope, name)) or v.bindings.get(("", name))
    return bound is not None and (bound.qual.split(".")[0] in lib.BREAKERS or "breaker" in bound.qual.lower())


def retry_policy(decorators: tuple[str, ...]) -> Policy | None:
    """The retry policy a decorator stack gives (decorator strings as the visitor writes them:
    `qual+arg+kw=value`, with unknown argument values written as `?` / empty)."""
    for d in decorators:
        head, *parts = d.split("+")
        kws = {p.split("=", 1)[0]: p.split("=", 1)[1] for p in parts if "=" in p}
        args = [p for p in parts if "=" not in p]
        top, last = head.split(".")[0], head.rsplit(".", 1)[-1]
        if top == "tenacity" and last == "retry":
            wait = kws.get("wait")
            backoff = wait is not None and (wait in ("", "?") or bool(re.search(
                r"exponential|random|incrementing|jitter", wait)))
            return "tenacity", "stop" in kws, backoff, True
        if top == "backoff" and last in ("on_exception", "on_predicate"):
            gen = args[0] if args else kws.get("wait_gen", "")
            return "backoff", "max_tries" in kws or "max_time" in kws, not gen.endswith("constant"), True
        if top == "stamina" and last == "retry":
            return "stamina", not (kws.get("attempts") == "None" and kws.get("timeout") == "None"), True, True
        if top == "retrying" and last == "retry":
            return ("retrying", any(k.startswith("stop") for k in kws),
                    any(k.startswith(("wait_exponential", "wait_random", "wait_incrementing", "wait_func",
                                      "wait_jitter")) for k in kws), True)
        if top == "retry" and last == "retry":
            return "retry", "tries" in kws or len(args) >= 2, "backoff" in kws or "jitter" in kws or len(args) >= 4, True
        if last in ("retry", "on_exception") and top not in ("celery",):
            return "retry", True, True, True   # a project's own retry decorator: its policy is not visible
    return None


def loop_policy(loop: Loop | None) -> Policy | None:
    if loop is None or not loop.retry:
        return None
    backoff = any(s is not None and not isinstance(s, (cst.Integer, cst.Float)) for s in loop.sleeps)
    return "loop", loop.bounded, backoff, True


def client_retry(v: "ModuleVisitor", lookup: Callable, call: cst.Call, ctor: cst.Call | None, library: str,
                 scope: str, cls: str) -> Policy | None:
    """Retries configured on the client: urllib3 Retry mounted through an HTTPAdapter or given to a
    PoolManager, httpx transports with retries."""
    if library == "requests" and ctor is not None:
        for m_scope, m_cls, session, adapter in v.observer.mounts:
            bound = lookup(session, m_scope, m_cls)
            if bound is not None and bound.call is ctor and isinstance(adapter, cst.Call):
                retries = _kw(adapter, "max_retries")
                return _urllib3_retry(retries, lookup, scope, cls) if retries is not None else None
    if library == "urllib3":
        retries = _kw(call, "retries") or (_kw(ctor, "retries") if ctor is not None else None)
        return _urllib3_retry(retries, lookup, scope, cls) if retries is not None else None
    if library == "httpx" and ctor is not None:
        transport = _kw(ctor, "transport")
        if transport is not None and not isinstance(transport, cst.Call) and dotted(transport):
            bound = lookup(dotted(transport) or "", scope, cls)
            transport = bound.call if bound is not None else None
        if isinstance(transport, cst.Call) and _kw(transport, "retries") is not None:
            return "httpx", True, True, False   # connection failures only, with backoff
    return None


def _urllib3_retry(node: cst.BaseExpression | None, lookup: Callable, scope: str, cls: str) -> Policy | None:
    if node is not None and not isinstance(node, cst.Call) and dotted(node) and dotted(node) not in ("None", "False"):
        bound = lookup(dotted(node) or "", scope, cls)
        node = bound.call if bound is not None and bound.call is not None else node
    if node is None or (isinstance(node, cst.Name) and node.value in ("None", "False")):
        return None
    if isinstance(node, cst.Integer):
        return ("urllib3", True, False, False) if node.value != "0" else None
    if not isinstance(node, cst.Call):
        return "urllib3", True, True, False
    total = _kw(node, "total") or _pos(node, 0)
    if isinstance(total, cst.Name) and total.value == "False":
        return None
    bounded = not (isinstance(total, cst.Name) and total.value == "None")
    factor = _kw(node, "backoff_factor")
    backoff = factor is not None and not (isinstance(factor, (cst.Integer, cst.Float)) and
                                          float(factor.value) == 0)
    methods = _kw(node, "allowed_methods") or _kw(node, "method_whitelist")
    replays = methods is not None and (
        (isinstance(methods, cst.Name) and methods.value in ("None", "False")) or
        any(string_value(e.value) in ("POST", "PATCH") for e in getattr(methods, "elements", ())))
    return "urllib3", bounded, backoff, replays


def grpc_retry(channel: cst.Call | None) -> Policy | None:
    """A retry policy in the channel's service config (`grpc.service_config` option)."""
    if channel is None:
        return None
    if (dotted(channel.func) or "").endswith("intercept_channel"):
        inner = _pos(channel, 0)
        return grpc_retry(inner) if isinstance(inner, cst.Call) else None
    options = _kw(channel, "options")
    if options is None:
        options = _pos(channel, 2 if (dotted(channel.func) or "").endswith("secure_channel") and
                       not (dotted(channel.func) or "").endswith("insecure_channel") else 1)
    if options is None:
        return None
    text = cst.Module(body=[]).code_for_node(options)
    if "service_config" in text or "retryPolicy" in text:
        return "grpc", True, True, "DEADLINE_EXCEEDED" in text
    return None


def header_names(node: cst.BaseExpression | None, value: Callable[[str], cst.BaseExpression | None],
                 depth: int = 0) -> tuple[str, ...]:
    """Header names of a headers= / metadata= argument (lower case; `?` for what cannot be seen)."""
    if node is None:
        return ()
    if isinstance(node, cst.Dict):
        names = []
        for el in node.elements:
            key = string_value(el.key) if isinstance(el, cst.DictElement) else None
            names.append(key.lower() if key else "?")
        return tuple(names)
    if isinstance(node, (cst.List, cst.Tuple)):
        names = []
        for el in node.elements:
            pair = el.value
            key = string_value(pair.elements[0].value) if isinstance(pair, cst.Tuple) and pair.elements else None
            names.append(key.lower() if key else "?")
        return tuple(names)
    if isinstance(node, cst.Name) and depth == 0:
        bound = value(node.value)
        if bound is not None:
            return header_names(bound, value, 1)
    return ("?",)


# ---------------------------------------------------------------------- small CST helpers




def _leaves(stmts) -> bool:
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, (cst.Return, cst.Break)) for s in stmt.body):
            return True
        if isinstance(stmt, cst.If) and _leaves(stmt.body.body):
            return True
    return False


def _ends_in_raise(stmts) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    return isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, (cst.Raise, cst.Return, cst.Break))
                                                             for s in last.body)


def _call_names(node: cst.CSTNode) -> list[str]:
    """Dotted names of the calls inside an expression (a task list built elsewhere in the function)."""
    names: list[str] = []
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, cst.Call):
            names.append(dotted(current.func) or "")
        todo.extend(current.children)
    return names

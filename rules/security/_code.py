"""Code helpers of the security and scalability rules: request handlers, exposure, rate limits."""
from __future__ import annotations

import re

from svclint.model import FileFacts, PythonFacts
from svclint.rule import Context

_NOT_HANDLERS = ("PREFIX", "MOUNT", "INCLUDE")
RATE_LIMIT_MODULES = ("slowapi", "flask_limiter", "fastapi_limiter", "django_ratelimit", "ratelimit", "limits",
                      "aiohttp_ratelimiter", "ratelimiter", "asgi_ratelimit", "starlette_ratelimit",
                      "rest_framework.throttling", "throttled", "pyrate_limiter", "fastapi_throttle")
_RATE_LABEL = re.compile(r"ratelimit|rate-limit|limit_req|inflightreq", re.I)


def handlers(ctx: Context, f: FileFacts) -> set[str]:
    """Functions of the file that serve requests: named by a route of the service, shaped like a
    handler (request first, HTTP-verb methods), or methods of a gRPC servicer."""
    if f.python is None:
        return set()
    return set(ctx.once(("handlers", f.path), lambda: frozenset(_handlers(ctx, f))))


def _handlers(ctx: Context, f: FileFacts) -> set[str]:
    py = f.python
    assert py is not None
    files = _service_files(ctx, f.path)
    names, suffixes = ctx.once(("route-handlers", files), lambda: _route_handlers(ctx, files))
    out = set()
    functions = {c.function for c in py.code_facts if c.function} | {c.function for c in py.calls if c.function}
    for fn in functions:
        # a route names the handler by its qualified name, or by any dotted tail of it
        if fn in suffixes or f"{py.module}.{fn}" in names or fn.split(".")[-1] in names:
            out.add(fn)
        elif "." in fn and fn.split(".")[-2].endswith("Servicer"):
            out.add(fn)
    out |= {c.function for c in py.code_facts if c.kind == "request-handler"}
    return out


def _route_handlers(ctx: Context, files: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """(the handler names the routes of these files give, every dotted tail of those names)."""
    names: set[str] = set()
    for path in files:
        other = ctx.files[path].python
        for r in other.routes if other is not None else ():
            if r.method not in _NOT_HANDLERS and r.handler:
                names.add(r.handler)
    suffixes = set()
    for n in names:
        parts = n.split(".")
        suffixes.update(".".join(parts[i:]) for i in range(len(parts)))
    return frozenset(names), frozenset(suffixes)


def _service_files(ctx: Context, path: str) -> tuple[str, ...]:
    sids = ctx.services_of(path)
    files = ctx.once(("service-files", sids), lambda: tuple(
        p for sid in sids for s in [ctx.arch.service(sid)] if s for p in s.files))
    return files or (path,)


def python_files(ctx: Context, sid: str) -> list[tuple[str, PythonFacts]]:
    return list(ctx.once(("python-files", sid), lambda: _python_files(ctx, sid)))


def _python_files(ctx: Context, sid: str) -> tuple[tuple[str, PythonFacts], ...]:
    svc = ctx.arch.service(sid)
    out = []
    for path in svc.files if svc else ():
        py = ctx.files[path].python
        if py is not None and not py.generated:
            out.append((path, py))
    return tuple(out)


def exposed(ctx: Context) -> dict[str, tuple[str, int, bool]]:
    """Services reachable from outside the cluster -> (file, line of what exposes it, rate limited there).

    Kubernetes: a LoadBalancer/NodePort Service or an Ingress backend selecting the service's pods (an
    Ingress rate-limit annotation counts as a limit). Without Kubernetes workloads: compose services that
    publish a port to the host and that no other service calls (entry points), Traefik rate-limit labels
    counting as a limit.
    """
    from svclint.netpol import cluster
    c = cluster(ctx.files, ctx.arch)
    out: dict[str, tuple[str, int, bool]] = {}
    if c.pods:
        def nodes_of(name: str, ns: str = "") -> list[str]:
            found = []
            for sns, selector, _ in c.services.get(name, ()):
                if selector and (not ns or not sns or ns == sns):
                    found += [p.node for p in c.pods if p.node and all(p.labels.get(k) == v for k, v in selector.items())
                              and (not sns or not p.namespace or sns == p.namespace)]
            return found
        for path in sorted(ctx.files):
            deploy = ctx.files[path].deploy
            if deploy is None or ctx.files[path].kind == "compose":
                continue
            for ks in deploy.services:
                if ks.type in ("LoadBalancer", "NodePort"):
                    for node in nodes_of(ks.name, ks.namespace):
                        out.setdefault(node, (path, ks.line, False))
            for name, line, limited in deploy.ingress_backends:
                for node in nodes_of(name):
                    prev = out.get(node)
                    out[node] = (path, line, limited or (prev[2] if prev else False))
        return {k: v for k, v in out.items() if ctx.arch.service(k) is not None}
    called = {e.target for e in ctx.arch.edges if e.kind == "call"}
    for w in ctx.arch.workloads:
        if w.source != "compose" or w.name in called or ctx.arch.service(w.name) is None:
            continue
        if any(":" in p.split("/")[0] for p in w.ports):
            limited = any(_RATE_LABEL.search(k) for k, _ in w.labels)
            out.setdefault(w.name, (w.file, w.line, limited))
    return out

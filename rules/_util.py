"""Small helpers the rules share (locations of services, evidence of edges)."""
from __future__ import annotations

import re
from typing import Any

from svclint.model import Edge, Service
from svclint.rule import Context


# code that ships with a service but is not the service: migrations, scripts, example and test clients
_AUXILIARY = re.compile(r"(^|/)(alembic|migrations?|scripts?|tools|bin|examples?|docs|fixtures)/|"
                        r"(^|/)(\w*_?client|manage|setup|conftest|env)\.py$")


def auxiliary(path: str) -> bool:
    """Whether a file of a service is tooling around it (migrations, scripts, a test client) rather
    than the service itself: findings about the whole service should not point there."""
    return bool(_AUXILIARY.search(path))


def service_location(ctx: Context, svc: Service) -> tuple[str, int]:
    """Where a finding about a whole service points: the module that serves (routes, servicers), else
    its entry module, else its deployment, else its path; tooling around the service comes last."""
    ranked = []
    for path in svc.files:
        py = ctx.files[path].python
        if py is None or py.generated or not (py.is_main or py.routes or py.grpc_servicers):
            continue
        serves = bool(py.routes or py.grpc_servicers)
        line = min((r.line for r in py.routes), default=1) if not py.is_main else 1
        ranked.append(((auxiliary(path), not serves, path), (path, line)))
    if ranked:
        return min(ranked)[1]
    if svc.workloads:
        file, _, line = svc.workloads[0].rpartition(":")
        return file, int(line)
    if svc.files:
        return svc.files[0], 1
    return (svc.path or "."), 0


def edge_location(edge: Edge) -> tuple[str, int]:
    code = [e for e in edge.evidence if e.file.endswith(".py")]
    ev = (code or list(edge.evidence))
    return (ev[0].file, ev[0].line) if ev else ("", 0)


def receives_traffic(ctx: Context, svc: Service) -> bool:
    if svc.http or svc.grpc or svc.rpc:
        return True
    return any(e.target == svc.id and e.kind == "call" for e in ctx.arch.edges)


def call_owner(ctx: Context, path: str, function: str) -> str:
    """The service whose process runs code of `function` in `path`.

    One codebase deployed as several processes runs its Celery task bodies in the worker and the
    rest in the web process; a file of one service simply belongs to it.
    """
    services = ctx.services_of(path)
    if len(services) <= 1:
        return services[0] if services else ""
    py = ctx.files[path].python
    in_task = py is not None and function.split(".")[0] in py.celery_tasks
    wanted = "worker" if in_task else "web"
    for sid in services:
        svc = ctx.arch.service(sid)
        if svc is not None and svc.role == wanted:
            return sid
    return services[0]


def reached_services(ctx: Context, path: str) -> dict[int, set[str]]:
    """Line of a call site in `path` -> the services it reaches, as resolve worked them out."""
    services = {s.id for s in ctx.arch.services}
    reached: dict[int, set[str]] = {}
    for _file, line, _, _, node in ctx.arch.targets_in(path):
        if node in services:
            reached.setdefault(line, set()).add(node)
    for line, kind, target in ctx.arch.evidence_in(path):
        if kind == "call" and target in services:
            reached.setdefault(line, set()).add(target)
    return reached


_WRAPPED = re.compile(r"\$\{(?:param|init):(\w+)\}")


def shown(template: str) -> str:
    """A folded target as a reader should see it: unknown parts as `…`, a wrapper's parameter as `{name}`
    (environment placeholders `${VAR}` stay: they say where the value comes from)."""
    return _WRAPPED.sub(r"{\1}", template.replace("${?}", "…"))


def workload_index(ctx: Context) -> dict[str, list[tuple[int, Any]]]:
    """Workloads by their location (`file:line`), with their place in the model: built once per
    check, so looking up each service's workloads is not a scan of all of them (quadratic)."""
    index: dict[str, list[tuple[int, Any]]] = {}
    for i, w in enumerate(ctx.arch.workloads):
        index.setdefault(f"{w.file}:{w.line}", []).append((i, w))
    return index


def workloads_at(index: dict[str, list[tuple[int, Any]]], locations: Any) -> list:
    """The workloads at `locations`, in the model's order."""
    return [w for _, w in sorted((iw for loc in set(locations) for iw in index.get(loc, ())),
                                 key=lambda iw: iw[0])]

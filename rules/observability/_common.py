"""What the service-level observability rules share: which services are judged at all."""
from __future__ import annotations

from svclint.extract.python.libraries import AUTO_INSTRUMENT_COMMANDS
from svclint.model import PythonFacts, Service
from svclint.rules._util import auxiliary
from svclint.rule import Context


def python_files(ctx: Context, svc: Service) -> list[tuple[str, PythonFacts]]:
    """The service's Python modules (not generated stubs), its own first and tooling around it last."""
    return list(ctx.once(("service-modules", svc.id), lambda: _python_files(ctx, svc)))


def _python_files(ctx: Context, svc: Service) -> tuple[tuple[str, PythonFacts], ...]:
    out = []
    for path in svc.files:
        facts = ctx.files.get(path)
        if facts is not None and facts.python is not None and not facts.python.generated:
            out.append((path, facts.python))
    # the service's own modules first, tooling around it (migrations, scripts, clients) last
    return tuple(sorted(out, key=lambda item: auxiliary(item[0])))


def is_running_service(ctx: Context, svc: Service) -> bool:
    """A long-running Python service: deployed or serving, not a load generator or a loose script.
    Datastores and brokers are never services."""
    return ctx.once(("running-service", svc.id), lambda: _is_running_service(ctx, svc))


def _is_running_service(ctx: Context, svc: Service) -> bool:
    if svc.language != "python" or not svc.files:
        return False
    if svc.framework == "none" and not svc.workloads:
        return False
    files = python_files(ctx, svc)
    if not files:
        return False
    if any(imp.module.split(".")[0] == "locust" for _, py in files for imp in py.imports):
        return False   # a load generator
    return True


def auto_instrumented(ctx: Context, svc: Service) -> bool:
    """Started under an instrumenting launcher (opentelemetry-instrument, ddtrace-run, ...) by a
    deployment command or the Dockerfile of its source tree."""
    return ctx.once(("auto-instrumented", svc.id), lambda: _auto_instrumented(ctx, svc))


def _auto_instrumented(ctx: Context, svc: Service) -> bool:
    commands = [w.command for w in ctx.arch.workloads if ctx.arch.service(w.name) is svc or w.name == svc.id]
    if svc.path:
        prefix = "" if svc.path in ("", ".") else svc.path.rstrip("/") + "/"
        commands += [f.deploy.dockerfile_cmd for p, f in ctx.files.items()
                     if f.deploy is not None and f.kind == "dockerfile" and p.startswith(prefix)]
    return any(tool in cmd for cmd in commands for tool in AUTO_INSTRUMENT_COMMANDS)


def talks_to_services(ctx: Context, svc: Service) -> bool:
    """Takes part in a request or message flow with another service (so a trace would cross it)."""
    services = {s.id for s in ctx.arch.services}
    channels_out = {e.target for e in ctx.arch.edges if e.source == svc.id and e.kind == "publish"}
    channels_in = {e.source for e in ctx.arch.edges if e.target == svc.id and e.kind == "subscribe"}
    for e in ctx.arch.edges:
        if e.kind == "call" and svc.id in (e.source, e.target) and e.source != e.target and \
                {e.source, e.target} <= services:
            return True
        if e.kind == "subscribe" and e.source in channels_out and e.target != svc.id:
            return True
        if e.kind == "publish" and e.target in channels_in and e.source != svc.id:
            return True
    return False

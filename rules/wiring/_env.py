"""What the wiring rules share: which names a service's code reads, and which its deployment sets."""
from __future__ import annotations

import re

from svclint.model import Service
from svclint.resolve import start_commands
from svclint.rule import Context

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")
_SHELL_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
# set by the platform or the image, never by a deployment file
PLATFORM = {"HOME", "PATH", "HOSTNAME", "PWD", "USER", "LANG", "TZ", "TERM", "SHELL", "PYTHONPATH",
            "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "PORT", "DEBUG", "CI"}


def deployment_sets(ctx: Context, sid: str) -> dict[str, tuple[str, int]]:
    return {name: (file, line) for s, name, file, line in ctx.arch.env_sources if s == sid}


def code_reads(ctx: Context, svc: Service) -> set[str]:
    names: set[str] = set()
    for path in svc.files:
        py = ctx.files[path].python
        if py is None:
            continue
        names.update(e.name for e in py.env_reads)
        for c in py.constants:
            names.update(_PLACEHOLDER.findall(c.value))
        for call in py.calls:
            names.update(_PLACEHOLDER.findall(call.target))
    # the start command reads variables too (`locust --host "$HOST"`, `gunicorn -b 0.0.0.0:$PORT`)
    workloads = ctx.arch.workloads_of(svc.id)
    for command in start_commands(ctx.files.values(), workloads, svc.path):
        names.update(_SHELL_VAR.findall(command))
    return names


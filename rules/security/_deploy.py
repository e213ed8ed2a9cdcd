"""Deployment helpers of the security rules."""
from __future__ import annotations

import posixpath

from svclint.model import Service, Workload
from svclint.rule import Context


def dockerfile_of(ctx: Context, svc: Service, w: Workload | None = None) -> str:
    """Path of the Dockerfile that builds a service's image ("" when none is known)."""
    candidates = []
    if w is not None and w.dockerfile:
        candidates.append(w.dockerfile)
    if w is not None and w.build_context:
        candidates.append(posixpath.join(w.build_context, "Dockerfile") if w.build_context != "." else "Dockerfile")
    if svc.path is not None:
        candidates.append(posixpath.join(svc.path, "Dockerfile") if svc.path else "Dockerfile")
    for path in candidates:
        f = ctx.files.get(posixpath.normpath(path))
        if f is not None and f.kind == "dockerfile" and f.deploy is not None:
            return f.path
    return ""

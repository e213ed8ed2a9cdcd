"""SEC006 container-runs-as-root."""
from __future__ import annotations

import re
from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules._util import workload_index, workloads_at
from svclint.rules.security._deploy import dockerfile_of

_ROOT = ("", "root", "0", "0:0", "root:root")
_NONROOT_BASE = re.compile(r"nonroot|non-root|rootless|(?:^|/)chainguard/", re.I)


def _dockerfile_root(ctx: Context, path: str) -> bool:
    deploy = ctx.files[path].deploy
    return deploy is not None and deploy.dockerfile_user.strip().lower() in _ROOT and \
        not _NONROOT_BASE.search(deploy.dockerfile_base)


def check(ctx: Context) -> Iterator[Finding]:
    reported: set[str] = set()
    index = workload_index(ctx)
    for svc in ctx.arch.services:
        workloads = workloads_at(index, svc.workloads)
        k8s = [w for w in workloads if w.source == "kubernetes"]
        main = {}
        for w in k8s:
            main.setdefault((w.file, w.line), w)   # the first container runs the service's image
        for (file, line), w in sorted(main.items()):
            df = dockerfile_of(ctx, svc, w)
            if w.run_as_non_root is False:
                reason = "its securityContext runs it as root (runAsUser 0 or runAsNonRoot false)"
            elif w.run_as_non_root is None and df and _dockerfile_root(ctx, df):
                reason = f"{df} sets no non-root USER and the pod sets no runAsNonRoot/runAsUser"
            else:
                continue
            yield RULE.finding(f"{w.kind} {w.name} runs as root: {reason}", file, w.security_line or line,
                               service=svc.id, symbol=f"{file}:{w.name}")
        if k8s:
            continue
        for w in workloads:   # compose: `user:` wins over the image's USER
            if w.run_as_non_root is False:
                yield RULE.finding(f"compose service {w.name} runs as root (user: root)", w.file, w.line,
                                   service=svc.id, symbol=f"{w.file}:{w.name}")
        dfs = {dockerfile_of(ctx, svc, w) for w in workloads if w.run_as_non_root is None} if workloads else \
            {dockerfile_of(ctx, svc)}
        for df in sorted(d for d in dfs if d and d not in reported):
            if _dockerfile_root(ctx, df):
                reported.add(df)
                deploy = ctx.files[df].deploy
                line = (deploy.dockerfile_user_line or deploy.dockerfile_from_line or 1) if deploy else 1
                yield RULE.finding(f"the image of {svc.id} runs as root: the final stage of {df} sets no "
                                   f"non-root USER", df, line, service=svc.id, symbol=f"{df}:user")


_DOCKERFILE = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n{user}CMD [\"python\", \"app.py\"]\n"
_APP = "from flask import Flask\napp = Flask(__name__)\n"
_K8S = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: api}}
spec:
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
{pod}      containers:
        - name: api
          image: registry.example.com/api:1
"""

RULE = Rule(
    id="SEC006", name="container-runs-as-root", area="security", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Service container that runs as root",
    rationale="Checklist, Security: 'Containers run as non-root'. A process running as root inside the "
              "container turns any code-execution bug into root on the container's filesystem and makes a "
              "container escape far more damaging. The effective user is worked out as the runtime would: "
              "a Kubernetes securityContext (container over pod; runAsNonRoot or a non-zero runAsUser) "
              "wins; otherwise the USER of the final stage of the Dockerfile that builds the service's "
              "image. One finding per workload; a service deployed only with compose (or not at all) is "
              "reported once at its Dockerfile. Known limits: an image built elsewhere (no Dockerfile in "
              "the repository) is not judged, and a base image's own USER is only recognised from its "
              "name (distroless `:nonroot`, chainguard).",
    fix="Add `RUN useradd --uid 10001 app` and `USER 10001` to the final stage, and/or set "
        "`securityContext: {runAsNonRoot: true, runAsUser: 10001}` on the pod.",
    checklist="Security: Containers run as non-root",
    check=check,
    valid=(
        Example({"api/Dockerfile": _DOCKERFILE.format(user="USER 10001\n"), "api/app.py": _APP}),
        Example({"api/Dockerfile": _DOCKERFILE.format(user=""), "api/app.py": _APP,
                 "k8s/api.yaml": _K8S.format(pod="      securityContext: {runAsNonRoot: true, runAsUser: 1000}\n")},
                note="the pod's securityContext overrides the image"),
    ),
    invalid=(
        Example({"api/Dockerfile": _DOCKERFILE.format(user=""), "api/app.py": _APP}, ("api/Dockerfile:1",)),
        Example({"api/Dockerfile": _DOCKERFILE.format(user=""), "api/app.py": _APP,
                 "k8s/api.yaml": _K8S.format(pod="")}, ("k8s/api.yaml:1",)),
        Example({"api/Dockerfile": _DOCKERFILE.format(user="USER app\n"), "api/app.py": _APP,
                 "k8s/api.yaml": _K8S.format(pod="      securityContext: {runAsUser: 0}\n")},
                ("k8s/api.yaml:9",)),
    ),
)

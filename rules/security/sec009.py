"""SEC009 secret-in-plain-env."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.secrets import classify


def check(ctx: Context) -> Iterator[Finding]:
    for path in sorted(ctx.files):
        f = ctx.files[path]
        if f.deploy is None or f.kind == "compose":
            continue
        seen: set[tuple[int, str]] = set()
        for w in f.deploy.workloads:
            if w.source != "kubernetes":
                continue
            for env in w.env:
                if env.value is None or env.secret_ref or (env.line, env.name) in seen:
                    continue
                reason = classify(env.name, env.value, strict=True)
                if reason:
                    seen.add((env.line, env.name))
                    yield RULE.finding(f"{w.kind} {w.name} sets {env.name} to {reason} in plain text (value not "
                                       f"shown); use valueFrom.secretKeyRef", path, env.line,
                                       service=w.name, symbol=f"{w.name}:{env.name}")
        for cm in f.deploy.configmaps:
            for key, value in cm.data:
                reason = classify(key, value, strict=True)
                if reason:
                    yield RULE.finding(f"ConfigMap {cm.name} holds {key}: {reason} (value not shown); ConfigMaps "
                                       f"are not secret, use a Secret", path, cm.line, symbol=f"{cm.name}:{key}")


_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: api}}
spec:
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1
          env:
{env}"""

RULE = Rule(
    id="SEC009", name="secret-in-plain-env", area="security", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="Secret-like value in a plain Kubernetes env var or ConfigMap instead of a Secret reference",
    rationale="Checklist, Security: 'Secrets managed externally (not in code or config files)'. An env "
              "`value:` or a ConfigMap is stored unencrypted, shown by `kubectl describe`, and readable by "
              "everyone who may read the Deployment; a Secret can be access-controlled, encrypted at rest "
              "and rotated without editing the manifest. A variable counts when its name is secret-like "
              "(password, token, api key, ...) and its value is real-looking, or its value has a known "
              "token format or a password inside a connection URL. `$(VAR)` references to other variables "
              "(set from Secrets) and placeholders are fine. Compose files are SEC001's.",
    fix="Store the value in a Secret and reference it with `valueFrom.secretKeyRef` (or `envFrom.secretRef`).",
    checklist="Security: Secrets managed externally (not in code or config files)",
    check=check,
    valid=(
        Example({"k8s/api.yaml": _DEPLOY.format(env="            - name: DB_PASSWORD\n              valueFrom:\n"
                                                    "                secretKeyRef: {name: db, key: password}\n"
                                                    "            - name: DATABASE_URL\n"
                                                    "              value: postgresql://app:$(DB_PASSWORD)@db/app\n")}),
    ),
    invalid=(
        Example({"k8s/api.yaml": _DEPLOY.format(env="            - name: PAYMENT_API_KEY\n"
                                                    "              value: pk-9f8a7b6c5d4e3f2a1b0c\n"
                                                    "            - name: DATABASE_URL\n"
                                                    "              value: postgresql://app:Wint3rIsC0ming@db/app\n")},
                ("k8s/api.yaml:13", "k8s/api.yaml:15")),
    ),
)

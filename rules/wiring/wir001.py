"""WIR001 env-not-set."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.wiring._env import PLATFORM, deployment_sets

_COMPOSE = "services:\n  api:\n    build: ./api\n    environment:\n      - CATALOG_URL=http://catalog:8000\n"
_CODE = ("import os\n\nCATALOG = os.environ['CATALOG_URL']\nPAYMENTS = os.environ['PAYMENTS_URL']\n"
         "SENTRY = os.getenv('SENTRY_DSN')\n\ntry:\n    PROFILE = os.environ['PROFILE']\nexcept KeyError:\n"
         "    PROFILE = None\n")


def check(ctx: Context) -> Iterator[Finding]:
    for svc in ctx.arch.services:
        if svc.language != "python" or not svc.workloads:
            continue
        sets = deployment_sets(ctx, svc.id)
        if "*" in sets:
            continue  # an envFrom of a Secret or an unseen ConfigMap: its keys are unknown
        for path in svc.files:
            py = ctx.files[path].python
            if py is None:
                continue
            for read in py.env_reads:
                if read.required and read.name not in sets and read.name not in PLATFORM:
                    yield RULE.finding(f"{svc.id} requires {read.name} (os.environ[...]), which no deployment "
                                       "of it sets", path, read.line, read.column, service=svc.id,
                                       symbol=f"{svc.id}:{read.name}")


RULE = Rule(
    id="WIR001", name="env-not-set", area="wiring", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="Environment variable the code requires, set by no deployment of the service",
    rationale="Checklist, Service Boundary Analysis: 'What are its upstream/downstream dependencies?' "
              "and 'Can it be deployed independently?'. Configuration is the wiring between services; a "
              "variable the code requires but no compose file, manifest, ConfigMap or Dockerfile sets "
              "means the service crashes at start with a KeyError — in production, not in review. Only "
              "required reads count: os.environ['X'] outside a try block; os.environ.get / os.getenv "
              "without a default are optional by design. Services whose environment comes partly from a Secret via "
              "envFrom (keys not visible) are not judged; platform variables (HOSTNAME, PORT, ...) never.",
    fix="Set the variable in every deployment of the service (compose environment, Kubernetes env or "
        "ConfigMap), or give the code a safe default.",
    checklist="Service Boundary Analysis: upstream/downstream dependencies",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE + "      - PAYMENTS_URL=http://payments:8000\n",
                    "api/app.py": _CODE}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "api/app.py": _CODE}, ("api/app.py:4",)),),
)

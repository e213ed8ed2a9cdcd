"""CON006 undeclared-api."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import COMPOSE, drift_findings

_APP = ("from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get('/health')\ndef health():\n    return {}\n\n"
        "@app.get('/users/{user_id}')\ndef user(user_id: int):\n    return {}\n\n"
        "@app.post('/users')\ndef create():\n    return {}\n")


def check(ctx: Context) -> Iterator[Finding]:
    yield from drift_findings(RULE, ctx)


RULE = Rule(
    id="CON006", name="undeclared-api", area="contracts", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="The code serves an API its contract does not declare",
    rationale="Checklist, Service Contract: 'exposes: apis'. An endpoint other teams can call but the "
              "contract does not list is an interface nobody agreed to keep: it gets used, then broken. "
              "Route parameters compare equal whatever their spelling (`:id`, `{id}`, `<int:id>`); health, "
              "readiness and metrics endpoints are operational and never need declaring. Checked only when "
              "the contract has an `exposes.apis` list.",
    fix="Add the endpoint to `exposes.apis` (\"METHOD /path\"), or remove it if it is not meant to be public.",
    checklist="Service Contract: exposes (apis)",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _APP,
                    "a/service.yaml": "service: {name: a}\nexposes:\n  apis:\n    - GET /users/:id\n"
                                      "    - POST /users\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _APP,
                      "a/service.yaml": "service: {name: a}\nexposes:\n  apis:\n    - GET /users/<int:id>\n"},
                     ("a/app.py:13",)),),
)

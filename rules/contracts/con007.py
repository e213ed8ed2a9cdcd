"""CON007 unimplemented-api."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import COMPOSE, drift_findings

_APP = ("from flask import Flask\n\napp = Flask(__name__)\n\n"
        "@app.route('/users/<int:user_id>', methods=['GET'])\ndef user(user_id):\n    return {}\n")


def check(ctx: Context) -> Iterator[Finding]:
    yield from drift_findings(RULE, ctx)


RULE = Rule(
    id="CON007", name="unimplemented-api", area="contracts", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="A contract declares an API the code does not serve",
    rationale="Checklist, Service Contract: 'exposes: apis'. Consumers build against the declared "
              "interface; an endpoint that is declared but not served fails them at run time with a 404. "
              "Route parameters compare equal whatever their spelling; a gRPC API matches the service "
              "its servicer registers.",
    fix="Implement the endpoint, or remove it from `exposes.apis` (and tell its consumers).",
    checklist="Service Contract: exposes (apis)",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _APP,
                    "a/service.yaml": "service: {name: a}\nexposes:\n  apis: ['GET /users/{id}']\n"}),),
    invalid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _APP,
                      "a/service.yaml": "service: {name: a}\nexposes:\n  apis:\n    - GET /users/{id}\n"
                                        "    - DELETE /users/{id}\n"}, ("a/service.yaml:5",)),),
)

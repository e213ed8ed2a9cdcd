"""CON002 missing-contract."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule
from svclint.rules.contracts._drift import COMPOSE, drift_findings

_A = "from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get('/items')\ndef items():\n    return []\n"
_B = "from flask import Flask\n\napp = Flask(__name__)\n\n@app.route('/stock')\ndef stock():\n    return {}\n"


def check(ctx: Context) -> Iterator[Finding]:
    yield from drift_findings(RULE, ctx)


RULE = Rule(
    id="CON002", name="missing-contract", area="contracts", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="A service has no contract while the other services of the repository declare theirs",
    rationale="Checklist, Service Contract: every service declares its name, owner, dependencies, data and "
              "interfaces. Once a repository has adopted contracts, a service without one is invisible to "
              "the people who rely on them: nobody owns it on paper and its dependencies are never checked. "
              "A repository with no contract at all is not reported (it has not adopted them).",
    fix="Write the service's contract: `svclint contract infer PATH --service NAME --write` drafts it from "
        "the code; then fill in owner, capability and criticality.",
    checklist="Service Contract",
    check=check,
    valid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _A, "b/app.py": _B,
                    "a/service.yaml": "service: {name: a}\n", "b/service.yaml": "service: {name: b}\n"}),
           Example({"docker-compose.yml": COMPOSE, "a/app.py": _A, "b/app.py": _B},
                   note="no service declares a contract: the repository has not adopted them")),
    invalid=(Example({"docker-compose.yml": COMPOSE, "a/app.py": _A, "b/app.py": _B,
                      "a/service.yaml": "service: {name: a}\n"}, ("b/app.py:5",)),),
)

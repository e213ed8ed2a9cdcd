"""CON001 invalid-contract."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if f.kind not in ("contract", "catalog"):
        return
    for err in f.errors:
        message = err.message[len("contract: "):] if err.message.startswith("contract: ") else None
        if message is not None:
            yield RULE.finding(f"invalid contract: {message}", f.path, err.line, err.column, symbol=message)


RULE = Rule(
    id="CON001", name="invalid-contract", area="contracts", severity=Severity.ERROR, scope=FILE,
    summary="A service contract does not match the contract schema",
    rationale="Checklist, Service Contract. A contract is only worth diffing against the code when it "
              "says what its author meant: a misspelt key or a wrong value type is silently ignored by "
              "every reader, so svclint checks contracts against the schema it ships and reports every "
              "problem with its line.",
    fix="Correct the key or value the message names (see docs for the contract format).",
    checklist="Service Contract",
    check=check,
    valid=(Example({"svc/service.yaml": "service:\n  name: svc\ndependencies:\n  - {name: a, type: sync}\n"}),),
    invalid=(Example({"svc/service.yaml": "service:\n  name: svc\ndependencies:\n  - name: a\n    type: later\n"},
                     ("svc/service.yaml:5",)),),
)

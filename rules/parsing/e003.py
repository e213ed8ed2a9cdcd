"""E003 invalid-suppression."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if not f.suppressions:
        return
    from svclint.rules import ALL_RULES
    known = [r.id for r in ALL_RULES]
    for s in f.suppressions:
        unknown = [c for c in s.codes if not any(k.startswith(c) for k in known)]
        if not s.codes:
            why = "names no rule: write the ids in brackets, e.g. ignore[RES001] <reason>"
        elif unknown:
            why = f"names no known rule: {', '.join(unknown)} (see `svclint rules`)"
        elif not s.reason:
            why = f"gives no reason, so it does not apply: say why after ignore[{','.join(s.codes)}]"
        else:
            continue
        yield RULE.finding(f"suppression {why}", f.path, s.line, symbol=f"{','.join(s.codes)}:{why}")


RULE = Rule(
    id="E003", name="invalid-suppression", area="input", severity=Severity.WARNING, scope=FILE,
    summary="A suppression without a reason or naming no known rule",
    rationale="A suppression must say which rule it silences and why, so the exception can be reviewed "
              "and revisited. One without a reason is not honoured (the finding stays) and one that names "
              "no known rule silences nothing; both are reported so they are fixed instead of trusted.",
    fix="Name the rule ids in the brackets and write the reason after them: "
        "`# svclint: ignore[RES001] the batch job may wait`.",
    checklist="(input)",
    check=check,
    valid=(
        Example({"svc/app.py": "import os\n\nx = os.getcwd()  # svclint: ignore[RES001] the batch job may wait\n"}),
    ),
    invalid=(
        Example({"svc/app.py": "import os\n\nx = os.getcwd()  # svclint: ignore[RES001]\n"
                               "y = os.getcwd()  # svclint: ignore[NOPE01] typo in the id\n"},
                ("svc/app.py:3", "svc/app.py:4")),
        Example({"docker-compose.yml": "services:\n  web:  # svclint: ignore dev only\n    image: web\n"},
                ("docker-compose.yml:2",)),
    ),
)

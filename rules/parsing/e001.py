"""E001 file-not-parsed."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    for err in f.errors:
        if err.message.startswith("contract:"):
            continue  # CON001 reports contracts that break the schema
        # a duplicate YAML key or an unusable .gitignore line: the file is read, one thing in it is not
        severity = Severity.WARNING if "duplicate key" in err.message or f.kind == "gitignore" else None
        yield RULE.finding(f"{f.path} could not be read: {err.message}" if severity is None
                           else f"{err.message}", f.path, err.line, err.column, symbol=err.message,
                           severity=severity)


RULE = Rule(
    id="E001", name="file-not-parsed", area="input", severity=Severity.ERROR, scope=FILE,
    summary="A file could not be parsed (syntax error, bad encoding, bad YAML)",
    rationale="svclint reads the architecture from the files; a file it cannot read is a blind spot "
              "in the review, so it is reported with its path and line rather than silently dropped. "
              "The rest of the run goes on.",
    fix="Fix the syntax error or encoding, or exclude the file in [tool.svclint] exclude.",
    checklist="(input)",
    check=check,
    valid=(Example({"svc/app.py": "import os\nprint(os.getcwd())\n"}),),
    invalid=(Example({"svc/app.py": "def broken(:\n    pass\n"}, ("svc/app.py:1",)),
             Example({"k8s/app.yaml": "apiVersion: v1\nkind: Service\nmetadata: [a, b\n"}, ("k8s/app.yaml:4",))),
)

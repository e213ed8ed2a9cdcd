"""E002 unused-suppression."""
from __future__ import annotations

from typing import Iterable, Iterator

from svclint.model import Finding, Severity
from svclint.rule import SUPPRESSIONS, Context, Example, Rule, SuppressionUse


def check(usage: Iterable[SuppressionUse], ctx: Context) -> Iterator[Finding]:
    for use in usage:
        s = use.suppression
        where = {"file": "file-level suppression", "annotation": "suppression annotation"}.get(s.form, "suppression")
        if use.unused:
            yield RULE.finding(f"unused {where} of {', '.join(use.unused)}: no such finding "
                               f"{'in this file' if s.form == 'file' else 'where it stands'}; remove it",
                               use.file, s.line, symbol=f"unused:{','.join(use.unused)}:{s.reason}")
        if use.not_enabled:
            yield RULE.finding(f"unused {where} of {', '.join(use.not_enabled)}: "
                               f"{'that rule is' if len(use.not_enabled) == 1 else 'those rules are'} "
                               "not enabled here", use.file, s.line,
                               symbol=f"not-enabled:{','.join(use.not_enabled)}:{s.reason}")


RULE = Rule(
    id="E002", name="unused-suppression", area="input", severity=Severity.WARNING, scope=SUPPRESSIONS,
    summary="A suppression that suppresses nothing",
    rationale="A suppression is a reviewed exception to the checklist. Once the code it excused is fixed "
              "or moved, a suppression left behind would silently excuse the next real problem on that line "
              "or object, and readers would believe a problem is there that is not. Like ruff's RUF100, "
              "svclint reports every suppression (comment, file-level comment, annotation or label) naming a "
              "rule that found nothing it covers, or a rule that is not enabled there (not selected, or "
              "ignored for that path in the configuration).",
    fix="Delete the suppression, or the codes in it that no longer match a finding.",
    checklist="(input)",
    check=check,
    valid=(
        Example({"svc/app.py": "HELP = '''write # svclint: ignore[RES001] reason on the line'''\n"},
                note="text in a string is not a suppression"),
    ),
    invalid=(
        Example({"svc/app.py": "import os\n\nx = os.getcwd()  # svclint: ignore[RES001] the batch job may wait\n"},
                ("svc/app.py:3",), note="no RES001 finding on that line (here: RES001 is not even run)"),
        Example({"k8s/app.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n"
                                 "    svclint.io/ignore: \"OBS002 probes come from the mesh\"\n"
                                 "spec:\n  selector: {app: web}\n"},
                ("k8s/app.yaml:6",)),
    ),
)

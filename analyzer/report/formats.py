"""`scan --format`: one entry point from the CLI to each findings format."""
from __future__ import annotations

from typing import Sequence

from ..model import Finding
from ..rule import Rule

FORMATS = ("text", "json", "sarif", "github", "gitlab")


def render_findings(fmt: str, findings: Sequence[Finding], analysis, rules: Sequence[Rule],  # noqa: ANN001
                    skipped: Sequence[tuple[str, str]], colour: bool = False) -> str:
    files, services = len(analysis.files), len(analysis.arch.services)
    if fmt == "json":
        from .json_report import render_findings_json
        from ..accounting import account
        return render_findings_json(findings, files, services, skipped,
                                    account(analysis.discovery, analysis.files).counts())
    if fmt == "sarif":
        from .sarif import render_sarif
        return render_sarif(findings, rules, analysis.root, analysis.files)
    if fmt == "github":
        from .ci import render_github
        return render_github(findings)
    if fmt == "gitlab":
        from .ci import render_gitlab
        return render_gitlab(findings, analysis.root)
    from .text import render_text
    return render_text(findings, files, services, colour, len(skipped))

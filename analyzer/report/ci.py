"""CI formats: GitHub Actions workflow-command annotations and GitLab Code Quality JSON."""
from __future__ import annotations

import json
from typing import Iterable

from ..model import Finding
from .escape import json_text, github_data, github_property, text
from .fingerprint import SourceLines, fingerprint

_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def render_github(findings: Iterable[Finding]) -> str:
    """One `::error file=...,line=...,col=...,title=...::message` line per finding."""
    out = []
    for f in findings:
        props = []
        if f.file:
            props.append(f"file={github_property(f.file)}")
            if f.line >= 1:
                props += [f"line={f.line}", f"col={f.column + 1}"]
        props.append(f"title={github_property(f'{f.rule} {f.name}')}")
        message = f.message + (f" [{f.service}]" if f.service else "")
        out.append(f"::{_GITHUB_LEVEL[f.severity.value]} {','.join(props)}::{github_data(message)}")
    return "".join(line + "\n" for line in out)


def gitlab_document(findings: Iterable[Finding], root: str) -> list[dict]:
    lines = SourceLines(root)
    issues = []
    for f in findings:
        issues.append({"description": f"{f.rule} {text(f.message)}", "check_name": f"{f.rule} {f.name}",
                       "fingerprint": fingerprint(f, lines), "severity": _GITLAB_SEVERITY[f.severity.value],
                       "location": {"path": f.file or ".", "lines": {"begin": max(f.line, 1)}}})
    return issues


def render_gitlab(findings: Iterable[Finding], root: str) -> str:
    return json_text(json.dumps(gitlab_document(findings, root), indent=2)) + "\n"

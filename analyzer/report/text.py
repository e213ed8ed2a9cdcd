"""Terminal output: findings grouped by file, like ruff, and a summary line."""
from __future__ import annotations

from collections import Counter
from itertools import groupby
from typing import Iterable

from ..model import Finding
from .escape import text

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render_text(findings: Iterable[Finding], files: int, services: int, colour: bool = False,
                skipped: int = 0) -> str:
    findings = list(findings)
    out: list[str] = []
    for file, group in groupby(findings, key=lambda f: f.file):
        head = text(file, line_start=True) if file else "(repository)"
        out.append(_BOLD + head + _RESET if colour else head)
        for f in group:
            sev = f.severity.value
            tag = f"{_COLOURS[sev]}{f.rule}{_RESET}" if colour else f.rule
            where = f"{f.line}:{f.column + 1}"
            svc = f" [{text(f.service)}]" if f.service else ""
            out.append(f"  {where:>8}  {tag} {text(f.message)}{svc}  ({sev}, {f.name})")
        out.append("")
    counts = Counter(f.severity.value for f in findings)
    detail = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info")
                       if counts[s])
    summary = (f"Found {_n(len(findings), 'finding')}" + (f" ({detail})" if detail else "") +
               f" in {_n(files, 'file')}, {_n(services, 'service')}" +
               (f"; {_n(skipped, 'file')} skipped" if skipped else "") + ".")
    out.append(summary if not colour else _DIM + summary + _RESET)
    return "\n".join(out) + "\n"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"

"""What `svclint diff` and `svclint contract validate|infer` do, as functions returning text.

The CLI only parses arguments, prints and sets exit codes; writing contract files with `--write` is
the one side effect here, and it is what the user asked for.
"""
from __future__ import annotations

import os

from ..discover import DEFAULT_EXCLUDES, discover
from ..engine import Analysis
from ..extract import extract_file
from .drift import diff_services


class ContractError(Exception):
    """A usage error of the contract commands (unknown service...)."""


def diff(analysis: Analysis, fmt: str) -> tuple[str, bool]:
    from .render import render_diff_json, render_diff_markdown, render_diff_text
    diffs = diff_services(analysis.files, analysis.arch)
    render = {"json": render_diff_json, "markdown": render_diff_markdown}.get(fmt, render_diff_text)
    return render(diffs), any(d.drift for d in diffs)


def validate(path: str) -> tuple[str, int]:
    """Every problem of every contract under `path` (a directory or one file), one per line."""
    if os.path.isdir(path):
        root, rels = path, [f.path for f in discover(path, DEFAULT_EXCLUDES).files if f.kind == "yaml"]
    else:
        root, rels = os.path.dirname(path) or ".", [os.path.basename(path)]
    lines, problems, count = [], 0, 0
    for rel in rels:
        facts = extract_file(root, rel, "yaml")
        shown = rel if os.path.isdir(path) else path
        if facts.kind not in ("contract", "catalog"):
            if not os.path.isdir(path):
                lines.append(f"{shown}: not a contract (no top-level `service:` nor a Backstage entity)")
                problems += 1
            continue
        count += 1
        for err in facts.errors:
            message = err.message.removeprefix("contract: ")
            lines.append(f"{shown}:{err.line}: {message}")
            problems += 1
    if not count and os.path.isdir(path):
        lines.append("no contract found")
    lines.append(f"{count} contract file{'s' if count != 1 else ''} checked, "
                 f"{problems} problem{'s' if problems != 1 else ''}")
    return "\n".join(lines) + "\n", problems


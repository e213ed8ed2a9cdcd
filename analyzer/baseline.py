"""Baselines: adopt svclint on an existing repository and fail only on new findings.

A finding's fingerprint is the one SARIF and GitLab reports carry (report/fingerprint.py): semantic,
never its line number — the rule, the file, the service, what the finding is about (the rule's
`symbol`: call, edge, variable...; its message when it names none) and the text of the code on its
line with whitespace normalised. Inserting lines above a finding, or editing other lines, keeps its
fingerprint; changing the line itself or what the finding is about makes it new. Identical
fingerprints are counted, so a second identical finding is new.

    {"schema": "svclint.baseline/1",
     "findings": [{"fingerprint": "…", "rule": "RES001", "file": "svc/app.py", "service": "orders",
                   "message": "…", "count": 1}]}
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Iterable

from .model import Finding
from .report.fingerprint import SourceLines, fingerprint

SCHEMA = "svclint.baseline/1"


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a baseline."""


def fingerprints(findings: Iterable[Finding], root: str) -> list[str]:
    lines = SourceLines(root)
    return [fingerprint(f, lines) for f in findings]


def render_baseline(findings: list[Finding], root: str) -> str:
    """Deterministic JSON: sorted, no line numbers, one entry per fingerprint with its count."""
    counts: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for fp, f in zip(fingerprints(findings, root), findings):
        counts[fp] += 1
        first.setdefault(fp, f)
    entries = [{"fingerprint": fp, "rule": f.rule, "file": f.file, "service": f.service,
                "message": f.message, "count": counts[fp]} for fp, f in first.items()]
    entries.sort(key=lambda e: (e["file"], e["rule"], e["message"], e["fingerprint"]))
    return json.dumps({"schema": SCHEMA, "findings": entries}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_baseline(path: str, root: str | None = None) -> Counter[str]:
    """`root`: the repository the baseline lies in (its symlinks are not followed, see safeio)."""
    from .safeio import read_text
    try:
        data = json.loads(read_text(path, root))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a baseline (expected a JSON object with schema {SCHEMA!r})")
    known: Counter[str] = Counter()
    for entry in data["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: not a baseline (an entry has no fingerprint)")
        count = entry.get("count", 1)
        known[entry["fingerprint"]] += count if isinstance(count, int) and count > 0 else 1
    return known


def new_findings(findings: list[Finding], known: Counter[str], root: str) -> list[Finding]:
    """The findings the baseline does not account for."""
    left = Counter(known)
    out = []
    for fp, f in zip(fingerprints(findings, root), findings):
        if left[fp] > 0:
            left[fp] -= 1
        else:
            out.append(f)
    return out

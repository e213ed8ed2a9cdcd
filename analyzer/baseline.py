"""Baselines: adopt svclint on an existing repository and fail only on new findings.

A finding's fingerprint is semantic, never its line number: the rule, the file, the service, what the
finding is about (the rule's `symbol`: call, edge, variable...; its message when it names none, with
line numbers taken out) and the normalised text of the code on its line (whitespace collapsed, a
trailing comment dropped). Inserting lines above a finding, or editing other lines, keeps its
fingerprint; changing the line itself or what the finding says makes it new. Identical fingerprints are
counted, so a second identical finding is new.

    {"schema": "svclint.baseline/1",
     "findings": [{"fingerprint": "…", "rule": "RES001", "file": "svc/app.py", "service": "orders",
                   "message": "…", "count": 1}]}
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from typing import Iterable

from .model import Finding

SCHEMA = "svclint.baseline/1"
_LINE_NUMBERS = re.compile(r"\b(lines?|:)\s*\d+\b")
_TRAILING_COMMENT = re.compile(r"\s+#[^'\"]*$")


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a baseline."""


def normalise(code: str) -> str:
    code = _TRAILING_COMMENT.sub("", code.strip()) if not code.lstrip().startswith("#") else code.strip()
    return " ".join(code.split())


class _Lines:
    """Lines of the scanned files, read once each."""

    def __init__(self, root: str):
        self.root = root
        self.cache: dict[str, list[str]] = {}

    def get(self, path: str, line: int) -> str:
        if not path or line < 1:
            return ""
        if path not in self.cache:
            try:
                with open(os.path.join(self.root, *path.split("/")), encoding="utf-8", errors="replace") as fh:
                    self.cache[path] = fh.read().splitlines()
            except OSError:
                self.cache[path] = []
        lines = self.cache[path]
        return lines[line - 1] if line <= len(lines) else ""


def fingerprints(findings: Iterable[Finding], root: str) -> list[str]:
    lines = _Lines(root)
    out = []
    for f in findings:
        about = f.symbol or _LINE_NUMBERS.sub(r"\1", f.message)
        parts = (f.rule, f.file, f.service, about, normalise(lines.get(f.file, f.line)))
        out.append(hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:20])
    return out


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


def load_baseline(path: str) -> Counter[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
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

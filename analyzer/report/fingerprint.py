"""Stable identities for findings and the YAML objects they sit in; shared by SARIF and GitLab.

A fingerprint must survive unrelated edits above the finding, so it never includes the line number:
it hashes the rule, the service, the rule's own `symbol` (what the finding is about) and the text of
the finding's line with whitespace normalised.
"""
from __future__ import annotations

import hashlib
import os
from typing import Mapping

from ..model import FileFacts, Finding


class SourceLines:
    """Reads lines of the scanned files on demand (each file once), relative to the root."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._cache: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str:
        if not path or number < 1:
            return ""
        if path not in self._cache:
            try:
                with open(os.path.join(self.root, *path.split("/")), encoding="utf-8", errors="replace") as fh:
                    self._cache[path] = fh.read().splitlines()
            except OSError:
                self._cache[path] = []
        lines = self._cache[path]
        return lines[number - 1] if number <= len(lines) else ""


def normalise(text: str) -> str:
    return " ".join(text.split())


def fingerprint(finding: Finding, lines: SourceLines) -> str:
    """sha256 of rule, service, symbol (or message) and the normalised line text; 32 hex digits."""
    parts = (finding.rule, finding.service, finding.symbol or finding.message, finding.file,
             normalise(lines.line(finding.file, finding.line)))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def yaml_object(finding: Finding, files: Mapping[str, FileFacts]) -> tuple[str, str] | None:
    """(name, fully qualified name) of the deployment or contract object a YAML finding sits in."""
    facts = files.get(finding.file)
    if facts is None:
        return None
    objects: list[tuple[int, str, str]] = []
    if facts.deploy is not None:
        for w in facts.deploy.workloads:
            kind = "services" if w.source == "compose" else w.kind
            objects.append((w.line, w.name, f"{w.source}/{kind}/{w.name}"))
        for s in facts.deploy.services:
            objects.append((s.line, s.name, f"kubernetes/Service/{s.name}"))
        for c in facts.deploy.configmaps:
            objects.append((c.line, c.name, f"kubernetes/ConfigMap/{c.name}"))
    for c in facts.contracts:
        objects.append((c.line, c.name, f"{c.source}/{c.name}"))
    before = [o for o in objects if o[0] <= finding.line]
    if not before:
        return None
    _, name, fqn = max(before, key=lambda o: o[0])
    return name, fqn

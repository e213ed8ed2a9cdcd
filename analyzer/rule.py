"""The shape of a rule: metadata that is its documentation, examples that are its tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping

import networkx as nx

from .model import Architecture, FileFacts, Finding, Severity

FILE = "file"                  # check(file_facts, ctx): one file's facts
ARCHITECTURE = "architecture"  # check(ctx): the whole model and graph


@dataclass(frozen=True)
class Example:
    """A small repository given as {path: text}; `lines` are "path:line" where findings must appear."""
    files: Mapping[str, str]
    lines: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Context:
    """What a rule may look at. Plain data; no rule sees a CST node."""
    files: Mapping[str, FileFacts]
    arch: Architecture
    graph: nx.MultiDiGraph
    options: Mapping[str, object] = field(default_factory=dict)

    def services_of(self, path: str) -> tuple[str, ...]:
        return self.arch.services_of(path)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    area: str
    severity: Severity
    scope: str
    summary: str
    rationale: str
    fix: str
    checklist: str
    check: Callable[..., Iterator[Finding]]
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()

    def finding(self, message: str, file: str, line: int, column: int = 0, service: str = "",
                symbol: str = "", severity: Severity | None = None) -> Finding:
        return Finding(self.id, self.name, severity or self.severity, message, file, line, column, service, symbol)

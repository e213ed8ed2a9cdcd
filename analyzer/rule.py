"""The shape of a rule: metadata that is its documentation, examples that are its tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterator, Mapping, TypeVar

import networkx as nx

from .model import Architecture, FileFacts, Finding, Severity, Suppression

FILE = "file"                  # check(file_facts, ctx): one file's facts
ARCHITECTURE = "architecture"  # check(ctx): the whole model and graph
SUPPRESSIONS = "suppressions"  # check(usage, ctx): how the suppressions fared after the other rules ran
SCOPES = (FILE, ARCHITECTURE, SUPPRESSIONS)

T = TypeVar("T")


@dataclass(frozen=True)
class Option:
    """A setting of a rule that users may change in [tool.svclint.rules.<ID>].

    The type is the default's: bool, int, float (an int is accepted), str, or a tuple of str (a TOML
    array of strings). `minimum` bounds numbers, `choices` restricts strings.
    """
    default: object
    help: str
    minimum: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def type_name(self) -> str:
        d = self.default
        if isinstance(d, bool):
            return "boolean"
        if isinstance(d, int):
            return "integer"
        if isinstance(d, float):
            return "number"
        if isinstance(d, str):
            return "string"
        return "array of strings"


@dataclass(frozen=True)
class Example:
    """A small repository given as {path: text}; `lines` are "path:line" where findings must appear."""
    files: Mapping[str, str]
    lines: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class SuppressionUse:
    """How one well-formed suppression fared once the other rules ran (what SUPPRESSIONS rules read)."""
    file: str
    suppression: Suppression
    unused: tuple[str, ...] = ()       # its codes whose rules ran and found nothing it covers
    not_enabled: tuple[str, ...] = ()  # its codes whose rules did not run (not selected, ignored here)


@dataclass(frozen=True)
class Context:
    """What a rule may look at. Plain data; no rule sees a CST node."""
    files: Mapping[str, FileFacts]
    arch: Architecture
    graph: nx.MultiDiGraph
    # the options of the rule being run, every one present (the engine fills in the defaults)
    options: Mapping[str, object] = field(default_factory=dict)
    # what the rules' shared helpers work out once per scan (a service's files, its route handlers);
    # one dict for the whole run: the engine's per-rule copies of the context share it
    memo: dict = field(default_factory=dict, hash=False, compare=False, repr=False)

    def services_of(self, path: str) -> tuple[str, ...]:
        return self.arch.services_of(path)

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, worked out on the first call with this key and remembered for the run."""
        try:
            return self.memo[key]
        except KeyError:
            value = self.memo[key] = compute()
            return value


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
    # name -> Option; read them with RULE.option(ctx, "name") (the configured value, else the default)
    options: Mapping[str, Option] = field(default_factory=dict, hash=False, compare=False)

    def option(self, ctx: Context, name: str) -> object:
        return ctx.options.get(name, self.options[name].default)

    def finding(self, message: str, file: str, line: int, column: int = 0, service: str = "",
                symbol: str = "", severity: Severity | None = None) -> Finding:
        return Finding(self.id, self.name, severity or self.severity, message, file, line, column, service, symbol)

"""The pipeline end to end, and running the rules: selection, suppressions, a failing rule as a finding."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import networkx as nx

from .discover import DEFAULT_EXCLUDES, Discovery, discover
from .cache import FactsCache
from .extract import MAX_BYTES
from .extract.batch import extract_all
from .graph import build_graph
from .model import Architecture, FileFacts, Finding, Severity
from .resolve import resolve
from .rule import ARCHITECTURE, FILE, Context, Rule


@dataclass(frozen=True)
class Analysis:
    root: str
    discovery: Discovery
    files: dict[str, FileFacts]
    arch: Architecture
    graph: nx.MultiDiGraph


def analyze(root: str, excludes: Sequence[str] = DEFAULT_EXCLUDES,
            progress: Callable[[int, int], None] | None = None, *, jobs: int | None = None,
            cache_dir: str | None = None) -> Analysis:
    """discover -> extract -> resolve -> graph; `progress(done, total)` is told after each file.
    `jobs`: extraction processes (None: all cores); `cache_dir`: where per-file facts are cached by
    content (None: no cache)."""
    found = discover(root, tuple(excludes))
    cache = FactsCache(cache_dir, {"max_bytes": MAX_BYTES, "prefilter": True}) if cache_dir else None
    facts = extract_all(root, found.files, jobs=jobs, cache=cache, progress=progress)
    arch = resolve(facts.values(), found.languages, found.directories)
    return Analysis(root, found, facts, arch, build_graph(arch))


def select_rules(rules: Iterable[Rule], select: Sequence[str] = (), ignore: Sequence[str] = ()) -> list[Rule]:
    """Rules whose id starts with any `select` prefix (all when empty) and with no `ignore` prefix."""
    chosen = []
    for rule in rules:
        if select and not any(rule.id.startswith(s.upper()) for s in select):
            continue
        if any(rule.id.startswith(i.upper()) for i in ignore):
            continue
        chosen.append(rule)
    return chosen


def run_rules(analysis: Analysis, rules: Iterable[Rule], debug: bool = False,
              options: dict | None = None) -> list[Finding]:
    ctx = Context(analysis.files, analysis.arch, analysis.graph, options or {})
    findings: list[Finding] = []
    for rule in rules:
        try:
            if rule.scope == FILE:
                for f in sorted(analysis.files.values(), key=lambda f: f.path):
                    findings.extend(rule.check(f, ctx))
            elif rule.scope == ARCHITECTURE:
                findings.extend(rule.check(ctx))
        except Exception as exc:  # noqa: BLE001 - the one place a failing rule is contained
            if debug:
                raise
            findings.append(Finding(rule.id, rule.name, Severity.ERROR,
                                    f"rule {rule.id} failed: {type(exc).__name__}: {exc} (run with --debug)",
                                    "", 0, symbol="rule-failure"))
    findings = apply_suppressions(findings, analysis.files)
    return sorted(set(findings), key=Finding.sort_key)


def apply_suppressions(findings: list[Finding], files: dict[str, FileFacts]) -> list[Finding]:
    kept = []
    for f in findings:
        facts = files.get(f.file)
        if facts is not None and _suppressed(f, facts):
            continue
        kept.append(f)
    return kept


def _suppressed(finding: Finding, facts: FileFacts) -> bool:
    for s in facts.suppressions:
        if s.line not in (0, finding.line):
            continue
        if not s.reason:
            continue  # a suppression must say why; without a reason it does not apply
        if not s.codes or any(finding.rule.startswith(c) for c in s.codes):
            return True
    return False


def restrict_to(findings: list[Finding], analysis: Analysis, paths: Sequence[str]) -> list[Finding]:
    """Findings in the given files, or about the services those files belong to (pre-commit)."""
    wanted = {posixpath.normpath(p) for p in paths}
    services = {s for p in wanted for s in analysis.arch.services_of(p)}
    return [f for f in findings if f.file in wanted or (f.service and f.service in services)]

"""The pipeline end to end, and running the rules: selection, suppressions, a failing rule as a finding."""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Sequence

import networkx as nx

from .discover import DEFAULT_EXCLUDES, Discovery, discover
from .cache import FactsCache
from .extract import MAX_BYTES
from .extract.batch import extract_all
from .graph import build_graph
from .config import Config
from .model import Architecture, FileFacts, Finding, ParseError, Severity, Suppression
from .resolve import resolve
from .rule import ARCHITECTURE, FILE, SUPPRESSIONS, Context, Rule, SuppressionUse


@dataclass(frozen=True)
class Analysis:
    root: str
    discovery: Discovery
    files: dict[str, FileFacts]
    arch: Architecture
    graph: nx.MultiDiGraph
    cache_rejected: tuple[str, ...] = ()      # cache files that failed authentication, ignored


def analyze(root: str, excludes: Sequence[str] = DEFAULT_EXCLUDES, includes: Sequence[str] = (),
            progress: Callable[[int, int], None] | None = None, max_bytes: int = MAX_BYTES, *,
            jobs: int | None = None, cache_dir: str | None = None, limits=None) -> Analysis:
    """discover -> extract -> resolve -> graph; `progress(done, total)` is told after each file;
    files over `max_bytes` are skipped with a reason. `jobs`: extraction processes (None: all cores);
    `cache_dir`: where per-file facts are cached by content (None: no cache); `limits`: the memory and
    time one file may take (extract.isolate.Limits; None: the defaults)."""
    found = discover(root, tuple(excludes), tuple(includes))
    cache = FactsCache(cache_dir, {"max_bytes": max_bytes, "prefilter": True}) if cache_dir else None
    facts = extract_all(root, found.files, jobs=jobs, cache=cache, progress=progress, max_bytes=max_bytes,
                        limits=limits)
    arch = resolve(facts.values(), found.languages, found.directories,
                   root_name=os.path.basename(os.path.abspath(root)))
    facts.update(ignore_file_facts(found))
    return Analysis(root, found, facts, arch, build_graph(arch), tuple(cache.rejected) if cache else ())


def ignore_file_facts(found) -> dict[str, FileFacts]:
    """A .gitignore with lines svclint (like git) cannot use, as a file whose problems E001 reports."""
    by_path: dict[str, list[ParseError]] = {}
    for path, line, message in found.problems:
        by_path.setdefault(path, []).append(ParseError(message, line))
    return {path: FileFacts(path, IGNORE_KIND, errors=tuple(errors)) for path, errors in by_path.items()}


IGNORE_KIND = "gitignore"


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
              config: Config | None = None) -> list[Finding]:
    """Run `rules` (already selected) with their configured options; then per-path ignores,
    suppressions (and the rules that report on them: they run last), severities. A rule that raises
    becomes one finding naming it."""
    config = config or Config()
    rules = sorted(rules, key=lambda r: r.scope == SUPPRESSIONS)   # stable: the others keep their order
    base = Context(analysis.files, analysis.arch, analysis.graph)
    found: list[Finding] = []
    kept: list[Finding] | None = None     # the other rules' findings once suppressions are applied
    usage: list[SuppressionUse] = []
    failed: set[str] = set()
    for rule in rules:
        if rule.scope == SUPPRESSIONS and kept is None:
            ran = [r.id for r in rules if r.id not in failed and r.scope != SUPPRESSIONS]
            kept, usage = _suppress(_not_ignored(found, config), analysis.files, ran, config)
            found = []
        ctx = replace(base, options=config.options_for(rule))
        try:
            if rule.scope == FILE:
                for f in sorted(analysis.files.values(), key=lambda f: f.path):
                    found.extend(rule.check(f, ctx))
            elif rule.scope == ARCHITECTURE:
                found.extend(rule.check(ctx))
            else:
                found.extend(rule.check(usage, ctx))
        except Exception as exc:  # noqa: BLE001 - the one place a failing rule is contained
            if debug:
                raise
            failed.add(rule.id)
            found.append(Finding(rule.id, rule.name, Severity.ERROR,
                                 f"rule {rule.id} failed: {type(exc).__name__}: {exc} (run with --debug)",
                                 "", 0, symbol="rule-failure"))
    found, _ = _suppress(_not_ignored(found, config), analysis.files, None, config)
    return sorted(set(config.apply((kept or []) + found)), key=Finding.sort_key)


def _not_ignored(findings: list[Finding], config: Config) -> list[Finding]:
    return [f for f in findings if not config.ignored_at(f.rule, f.file)] if config.overrides else findings


def apply_suppressions(findings: list[Finding], files: dict[str, FileFacts]) -> list[Finding]:
    """The findings no well-formed suppression covers."""
    return _suppress(findings, files, None, Config())[0]


def _applies(s: Suppression) -> bool:
    """A suppression must name its rules and say why; one that does not is reported (E003), not honoured."""
    return bool(s.codes) and bool(s.reason)


def _suppress(findings: list[Finding], files: dict[str, FileFacts], ran: Sequence[str] | None,
              config: Config) -> tuple[list[Finding], list[SuppressionUse]]:
    """(findings left, how each well-formed suppression fared against the rules in `ran`; no usage
    when `ran` is None)."""
    kept: list[Finding] = []
    used: set[tuple[str, Suppression, str]] = set()
    for f in findings:
        facts = files.get(f.file)
        hits = [(s, code) for s in (facts.suppressions if facts is not None else ()) if _applies(s)
                and s.covers(f.line) for code in s.codes if f.rule.startswith(code)]
        if hits:
            used.update((f.file, s, code) for s, code in hits)
        else:
            kept.append(f)
    usage: list[SuppressionUse] = []
    if ran is not None:
        for path in sorted(files):
            for s in files[path].suppressions:
                if not _applies(s):
                    continue
                unused, not_enabled = [], []
                for code in s.codes:
                    if (path, s, code) in used:
                        continue
                    if any(r.startswith(code) and not config.ignored_at(r, path) for r in ran):
                        unused.append(code)
                    elif _known(code):
                        not_enabled.append(code)
                usage.append(SuppressionUse(path, s, tuple(unused), tuple(not_enabled)))
    return kept, usage


def _known(code: str) -> bool:
    from .rules import ALL_RULES
    return any(r.id.startswith(code) for r in ALL_RULES)


def restrict_to(findings: list[Finding], analysis: Analysis, paths: Sequence[str]) -> list[Finding]:
    """Findings in the given files, or about the services those files belong to (pre-commit)."""
    wanted = {posixpath.normpath(p) for p in paths}
    services = {s for p in wanted for s in analysis.arch.services_of(p)}
    return [f for f in findings if f.file in wanted or (f.service and f.service in services)]

"""What `svclint diff` and `svclint contract validate|infer` do, as functions returning text.

The CLI only parses arguments, prints and sets exit codes; writing contract files with `--write` is
the one side effect here, and it is what the user asked for.
"""
from __future__ import annotations

import os
from dataclasses import replace

from .. import safeio
from ..discover import DEFAULT_EXCLUDES, discover
from ..engine import Analysis
from ..extract import extract_file
from ..model import Service
from ..resolve import norm
from .drift import Inferred, InferredDep, Located, api_key, bind, contract_path_for, diff_services
from .drift import infer as infer_service


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



def infer(analysis: Analysis, service: str | None, fmt: str, write: bool) -> str:
    """The contract each codebase would declare; with `write`, written to (or merged into) its file."""
    groups = _codebases(analysis)
    if service is not None:
        groups = [g for g in groups if any(s.id == service or norm(s.id) == norm(service) for s in g)]
        if not groups:
            known = ", ".join(sorted(s.id for s in analysis.arch.services if s.path is not None))
            raise ContractError(f"no service named {service!r} with code (services: {known or 'none'})")
    bound = bind(analysis.files, analysis.arch)
    outputs, reports = [], []
    for group in groups:
        rel, text = _proposal(analysis, group, bound, fmt)
        if text is None:
            reports.append(f"skipped {rel}: it exists but describes another service")
            continue
        if not write:
            outputs.append(f"# {rel}\n{text}")
            continue
        target = os.path.join(analysis.root, *rel.split("/"))
        try:
            current = safeio.read_text(target, analysis.root)
        except FileNotFoundError:
            current = None
        except (OSError, UnicodeDecodeError) as exc:
            raise ContractError(f"{rel}: cannot update: {exc}") from None
        if current == text:
            reports.append(f"unchanged {rel}")
            continue
        try:
            safeio.write_text(target, text, analysis.root, make_dirs=True)
        except OSError as exc:
            raise ContractError(f"{rel}: cannot write: {exc.strerror or exc}") from None
        reports.append(f"{'updated' if current is not None else 'created'} {rel}")
    return "---\n".join(outputs) + "".join(r + "\n" for r in reports)


def _codebases(analysis: Analysis) -> list[list[Service]]:
    """Services with code, grouped by source root (one codebase may run as web and worker)."""
    groups: dict[str, list[Service]] = {}
    for svc in analysis.arch.services:
        if svc.path is not None and any(analysis.files[p].python is not None
                                        for p in svc.files if p in analysis.files):
            groups.setdefault(svc.path, []).append(svc)
    return [sorted(g, key=lambda s: (s.role != "web", s.id)) for _, g in sorted(groups.items())]


def _union(analysis: Analysis, group: list[Service]) -> Inferred:
    parts = [infer_service(analysis.files, analysis.arch, s) for s in group]
    members = {s.id for s in group}
    deps: dict[str, InferredDep] = {}
    for p in parts:
        for d in p.dependencies:
            if d.name not in members:
                known = deps.get(d.name)
                if known is None or (d.type, d.criticality) < (known.type, known.criticality):
                    deps[d.name] = d     # sync before async, hard before soft: the stronger claim
    first = parts[0]

    def merged(attr: str) -> tuple:
        seen: dict[str, Located] = {}
        for p in parts:
            for item in getattr(p, attr):
                seen.setdefault(item.value, item)
        return tuple(sorted(seen.values(), key=lambda i: i.value))
    return replace(first, dependencies=tuple(sorted(deps.values(), key=lambda d: d.name)),
                   apis=tuple(sorted(merged("apis"), key=lambda a: api_key(a.value))),
                   events=merged("events"), consumes=merged("consumes"),
                   data=tuple(sorted({d for p in parts for d in p.data})),
                   has_code=any(p.has_code for p in parts))


def _proposal(analysis: Analysis, group: list[Service], bound: dict, fmt: str) -> tuple[str, str | None]:
    """(file, text) of the contract for one codebase; text None when the file belongs to another service."""
    from .write import (MergeError, apply_plan, backstage_plan, contract_plan, find_document, render_backstage,
                        render_contract)
    inf = _union(analysis, group)
    aliases = {s.id: set(s.aliases) for s in analysis.arch.services}
    sources = [b for s in group for b in bound.get(s.id, ())]
    contract = next((b for b in sources if b.facts.source == "contract"), None)
    wanted = "backstage" if fmt == "backstage" else "contract"
    mine = next((b for b in sources if b.facts.source == wanted), None)
    name = mine.facts.name if mine else (contract.facts.name if contract else group[0].id)
    rel = mine.file if mine else contract_path_for(group[0], fmt)
    full = os.path.join(analysis.root, *rel.split("/"))
    existing = None
    if safeio.existing(full) is not None:
        try:
            existing = safeio.read_text(full, analysis.root)
        except (OSError, UnicodeDecodeError) as exc:
            raise ContractError(f"{rel}: cannot read: {exc}") from None
    if existing is None or (mine is None and not existing.strip()):
        if fmt == "backstage":
            owner = contract.facts.owner if contract else ""
            return rel, render_backstage(inf, name, owner, contract.facts.capability if contract else "")
        return rel, render_contract(inf, name)
    if mine is None:
        return rel, None
    try:
        if fmt == "backstage":
            doc = find_document(existing, lambda d: d.get("kind") == "Component" and
                                isinstance(d.get("metadata"), dict) and d["metadata"].get("name") == name)
            return rel, apply_plan(existing, doc, backstage_plan(inf, aliases))
        doc = find_document(existing, lambda d: isinstance(d.get("service"), dict) and
                            d["service"].get("name") == name)
        from .write import _plain
        return rel, apply_plan(existing, doc, contract_plan(inf, aliases, _plain(doc)))
    except MergeError as exc:
        raise ContractError(f"{rel}: {exc}") from None

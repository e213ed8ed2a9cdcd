"""`svclint diff` as text, JSON (svclint.diff/1) and Markdown for a pull-request comment. Pure: str out."""
from __future__ import annotations

import json

from ..report.escape import json_text, markdown_code, text
from .drift import Drift, ServiceDiff

DIFF_SCHEMA = "svclint.diff/1"

_TITLES = {
    "missing-contract": "no contract", "undeclared-dependency": "undeclared dependency",
    "stale-dependency": "declared dependency not found", "type-mismatch": "sync/async mismatch",
    "unknown-service": "dependency on an unknown service", "undeclared-api": "undeclared API",
    "unimplemented-api": "unimplemented API", "undeclared-event": "undeclared published event",
    "undeclared-consumed-event": "undeclared consumed event", "unpublished-event": "event never published",
    "unpublished-consumed-event": "consumed event no one publishes",
    "unsubscribed-event": "consumed event never subscribed to",
}


def _where(d: Drift) -> str:
    return f"{d.file}:{d.line}" if d.file else ""


def diff_document(diffs: list[ServiceDiff]) -> dict:
    total = sum(len(d.drift) for d in diffs)
    return {"schema": DIFF_SCHEMA,
            "services": [{"service": d.service, "contract": d.contract or None,
                          "drift": [x.to_json() for x in d.drift]} for d in diffs],
            "summary": {"services": len(diffs), "drifting": sum(1 for d in diffs if d.drift), "drift": total}}


def render_diff_json(diffs: list[ServiceDiff]) -> str:
    return json_text(json.dumps(diff_document(diffs), indent=2)) + "\n"


def render_diff_text(diffs: list[ServiceDiff]) -> str:
    lines: list[str] = []
    for d in diffs:
        head = f"{text(d.service, line_start=True)}  ({text(d.contract) or 'no contract'})"
        if not d.drift:
            lines.append(f"{head}: no drift")
            continue
        lines.append(head)
        for x in d.drift:
            unsure = "  [unverified]" if not x.certain else ""
            lines.append(f"  {x.rule} {_TITLES[x.kind]}: {text(x.subject)}{unsure}")
            lines.append(f"      {text(x.message)}" + (f"  ({text(_where(x))})" if x.file else ""))
    lines.append(_summary(diffs))
    return "\n".join(lines) + "\n"


def _summary(diffs: list[ServiceDiff]) -> str:
    total = sum(len(d.drift) for d in diffs)
    drifting = sum(1 for d in diffs if d.drift)
    if not total:
        return f"No drift: the code of all {len(diffs)} service{'s' if len(diffs) != 1 else ''} matches its contracts."
    return (f"{total} difference{'s' if total != 1 else ''} between contracts and code in {drifting} of "
            f"{len(diffs)} service{'s' if len(diffs) != 1 else ''}.")


def _code(value: str) -> str:
    return markdown_code(value, in_table=True) if value else "—"


def render_diff_markdown(diffs: list[ServiceDiff]) -> str:
    out = ["## svclint: contracts against code", "", f"**{_summary(diffs)}**", ""]
    for d in diffs:
        if not d.drift:
            continue
        contract = markdown_code(d.contract) if d.contract else "no contract"
        out += [f"### {markdown_code(d.service)} ({contract})", "", "| rule | difference | declared | inferred | where |",
                "|---|---|---|---|---|"]
        for x in d.drift:
            what = f"{_TITLES[x.kind]}: {_code(x.subject)}" + (" (unverified)" if not x.certain else "")
            out.append(f"| {x.rule} | {what} | {_code(x.declared)} | {_code(x.inferred)} | "
                       f"{_code(_where(x)) if x.file else '—'} |")
        out.append("")
    clean = [d.service for d in diffs if not d.drift]
    if clean:
        out += [f"No drift: {', '.join(markdown_code(s) for s in clean)}.", ""]
    return "\n".join(out)

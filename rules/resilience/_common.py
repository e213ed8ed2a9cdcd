"""What the resilience rules share: reading rule options, a call site's peer and how critical the
caller's contract says that peer is, and severity scaled by that criticality."""
from __future__ import annotations

from typing import Callable, Iterator, Optional

from svclint.model import CallSite, ContractFacts, FileFacts, Finding, Severity
from svclint.resolve import norm
from svclint.rule import Context, Rule
from svclint.rules._util import call_owner

NETWORK = ("http", "grpc", "rpc")
_UP = {Severity.INFO: Severity.WARNING, Severity.WARNING: Severity.ERROR, Severity.ERROR: Severity.ERROR}
_DOWN = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO, Severity.INFO: Severity.INFO}


def option(ctx: Context, rule_id: str, key: str, default):
    """A rule option: `{RULE: {key: value}}` as the configuration gives it, else the default."""
    scoped = ctx.options.get(rule_id)
    if isinstance(scoped, dict) and key in scoped:
        return scoped[key]
    return ctx.options.get(key, default)


def network_calls(f: FileFacts) -> Iterator[CallSite]:
    """Outbound request/response calls of service code (not generated stubs, not load generators)."""
    if f.python is None or f.python.generated:
        return
    for call in f.python.calls:
        if call.kind in NETWORK and call.library != "locust":
            yield call


def contract_of(ctx: Context, service: str) -> ContractFacts | None:
    svc = ctx.arch.service(service)
    names = {norm(service)} | {norm(a) for a in (svc.aliases if svc else ())}
    for f in ctx.files.values():
        for c in f.contracts:
            if norm(c.name) in names:
                return c
    return None


def peers(ctx: Context, path: str) -> dict[int, str]:
    """Line -> the node a call site on that line reaches, as resolve worked it out."""
    return {line: node for _file, line, _svc, _target, node in ctx.arch.targets_in(path) if node}


def criticality(ctx: Context, service: str, peer: str) -> str:
    """hard | soft as the caller's contract declares its dependency on `peer`; "" when it does not say."""
    contract = contract_of(ctx, service) if service and peer else None
    if contract is None:
        return ""
    other = ctx.arch.service(peer)
    names = {norm(peer)} | {norm(a) for a in (other.aliases if other else ())}
    for dep in contract.dependencies:
        if norm(dep.name) in names:
            return dep.criticality
    return ""


def scaled(severity: Severity, crit: str) -> Severity:
    """A hard dependency raises a finding one level, a soft one lowers it one level."""
    return _UP[severity] if crit == "hard" else (_DOWN[severity] if crit == "soft" else severity)


def describe(call: CallSite, peer: str) -> str:
    what = call.symbol if call.kind == "http" else f"{call.library} {call.operation}"
    to = peer or (call.stub if call.kind in ("grpc", "rpc") and call.stub else call.target)
    to = to.replace("${?}", "…") if to else ""
    return f"{what} to {to}" if to else what


def call_findings(rule: Rule, f: FileFacts, ctx: Context,
                  problem: Callable[[CallSite], Optional[str]]) -> Iterator[Finding]:
    """A finding for each outbound call of the file that `problem` objects to (it returns what the
    message says after the call, or None): owned by the calling service, about the peer resolve found,
    its severity scaled by how critical the caller's contract says that peer is."""
    reached = peers(ctx, f.path)
    for call in network_calls(f):
        what = problem(call)
        if what is None:
            continue
        owner = call_owner(ctx, f.path, call.function)
        peer = reached.get(call.line, "")
        yield rule.finding(f"{describe(call, peer)} {what}", f.path, call.line, call.column, service=owner,
                           symbol=f"{call.function}:{call.symbol}:{call.target}",
                           severity=scaled(rule.severity, criticality(ctx, owner, peer)))

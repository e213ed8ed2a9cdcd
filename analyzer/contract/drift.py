"""Declared against inferred: what each service's contracts say, what its code shows, and the drift.

A service is bound to the contracts that name it (name or alias, case and punctuation ignored), else
to those whose path is its source root. `service.yaml` comes first; a Backstage `catalog-info.yaml`
Component is a second source (its `dependsOn` components and the providers of its `consumesApis`).
"""
from __future__ import annotations

import posixpath
import re
import weakref
from dataclasses import dataclass
from typing import Mapping

from ..model import Architecture, CallSite, ContractFacts, Dependency, Edge, FileFacts, Service
from ..resolve import norm

_HEALTH = re.compile(r"^/?(?:api/)?(?:v\d+/)?(?:_|-/)?(health|healthz|healthcheck|health-check|health_check|"
                     r"ready|readyz|readiness|live|livez|liveness|alive|heartbeat|metrics)/?$", re.I)
_PARAM = re.compile(r"<[^<>]*>|\{[^{}]*\}|(?<=/):[A-Za-z_]\w*")

# drift kind -> the rule that reports it
RULE_OF = {
    "missing-contract": "CON002", "undeclared-dependency": "CON003", "stale-dependency": "CON004",
    "type-mismatch": "CON005", "undeclared-api": "CON006", "unimplemented-api": "CON007",
    "undeclared-event": "CON008", "undeclared-consumed-event": "CON008",
    "unpublished-event": "CON009", "unpublished-consumed-event": "CON009", "unsubscribed-event": "CON009",
    "unknown-service": "CON010",
}


@dataclass(frozen=True)
class Bound:
    """One contract source of a service: the file it is in and what it says."""
    file: str
    facts: ContractFacts


@dataclass(frozen=True)
class Located:
    value: str
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class InferredDep:
    name: str                 # service id
    type: str                 # sync | async
    criticality: str          # soft when every call to it is caught without re-raising, else hard
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Inferred:
    """What the code and deployment of one service show, in the contract's terms."""
    service: str
    path: str
    dependencies: tuple[InferredDep, ...] = ()
    apis: tuple[Located, ...] = ()        # "GET /orders/{order_id}", "GRPC /pkg.Service", "RPC svc.method"
    events: tuple[Located, ...] = ()      # channels it publishes
    consumes: tuple[Located, ...] = ()    # channels it subscribes to
    data: tuple[tuple[str, str], ...] = ()   # (datastore node, type)
    has_code: bool = False


@dataclass(frozen=True)
class Drift:
    service: str
    kind: str                 # a key of RULE_OF
    subject: str              # the dependency, API or event it is about
    message: str
    file: str                 # where it shows: the code for inferred things, the contract for declared ones
    line: int
    contract: str = ""        # the contract file of the service ("" when it has none)
    declared: str = ""
    inferred: str = ""
    certain: bool = True      # False when unresolved call targets could explain it

    @property
    def rule(self) -> str:
        return RULE_OF[self.kind]

    def sort_key(self) -> tuple:
        return (self.service, RULE_OF[self.kind], self.subject, self.kind, self.file, self.line)

    def to_json(self) -> dict:
        return {"kind": self.kind, "rule": self.rule, "subject": self.subject, "declared": self.declared,
                "inferred": self.inferred, "message": self.message, "file": self.file, "line": self.line,
                "certain": self.certain}


@dataclass(frozen=True)
class ServiceDiff:
    service: str
    contract: str              # its first contract file, "" when it has none
    drift: tuple[Drift, ...]


# ------------------------------------------------------------------------------------------------
# binding


def contract_sources(files: Mapping[str, FileFacts]) -> list[Bound]:
    return [Bound(f.path, c) for f in sorted(files.values(), key=lambda f: f.path) for c in f.contracts]


def bind(files: Mapping[str, FileFacts], arch: Architecture) -> dict[str, list[Bound]]:
    """Service id -> its contract sources, `service.yaml` before Backstage."""
    sources = contract_sources(files)
    names: dict[str, str] = {}
    for svc in arch.services:
        for n in (svc.id, *svc.aliases):
            names.setdefault(norm(n), svc.id)
    bound: dict[str, list[Bound]] = {}
    for b in sources:
        sid = names.get(norm(b.facts.name))
        if sid is None:
            by_path = [s.id for s in arch.services if s.path is not None and s.path == b.facts.path]
            sid = by_path[0] if len(by_path) == 1 else None
        if sid is not None:
            bound.setdefault(sid, []).append(b)
    for sid in bound:
        bound[sid].sort(key=lambda b: (b.facts.source != "contract", b.file))
    return bound


def covered(svc: Service, sources: list[Bound]) -> bool:
    """Whether some contract speaks for the codebase `svc` runs (one codebase, several processes)."""
    if svc.path is None:
        return False
    return any(b.facts.path == svc.path or svc.path.startswith(b.facts.path.rstrip("/") + "/")
               for b in sources if b.facts.path)


# ------------------------------------------------------------------------------------------------
# inference


def _code_evidence(edge: Edge) -> tuple[str, int]:
    code = [e for e in edge.evidence if e.file.endswith(".py")]
    ev = code or list(edge.evidence)
    return (ev[0].file, ev[0].line) if ev else ("", 0)


def call_sites(files: Mapping[str, FileFacts], edge: Edge) -> list[tuple[str, CallSite]]:
    """The Python call sites an edge was inferred from."""
    out = []
    for ev in edge.evidence:
        facts = files.get(ev.file)
        if facts is None or facts.python is None:
            continue
        out += [(ev.file, c) for c in facts.python.calls
                if c.line == ev.line and c.kind in ("http", "grpc", "rpc", "publish")]
    return out


def inferred_dependencies(files: Mapping[str, FileFacts], arch: Architecture, sid: str) -> list[InferredDep]:
    services = {s.id for s in arch.services}
    deps: dict[str, InferredDep] = {}
    for e in arch.edges:
        if e.source == sid and e.kind == "call" and e.target in services and e.target != sid:
            sites = [c for _, c in call_sites(files, e)]
            soft = bool(sites) and all(c.handled for c in sites)
            file, line = _code_evidence(e)
            deps.setdefault(e.target, InferredDep(e.target, "sync", "soft" if soft else "hard", file, line))
    subscribers: dict[str, list[str]] = {}
    for e in arch.edges:
        if e.kind == "subscribe":
            subscribers.setdefault(e.source, []).append(e.target)
    for e in arch.edges:
        if e.source == sid and e.kind == "publish":
            file, line = _code_evidence(e)
            for target in sorted(subscribers.get(e.target, ())):
                if target != sid and target in services:
                    deps.setdefault(target, InferredDep(target, "async", "soft", file, line))
    return sorted(deps.values(), key=lambda d: d.name)


def is_operational(route: str) -> bool:
    """Health, readiness and metrics endpoints: operational, never part of the declared API."""
    method, _, path = route.partition(" ")
    return method in ("GET", "HEAD", "*") and bool(_HEALTH.match(path.strip()))


def infer(files: Mapping[str, FileFacts], arch: Architecture, svc: Service) -> Inferred:
    health = set(svc.health_endpoints)
    where = _route_locations(files, svc)
    apis = [Located(a, *where.get(api_key(a), ("", 0))) for a in svc.http
            if a.partition(" ")[2] not in health and not is_operational(a)]
    apis += [Located(f"GRPC /{g}") for g in svc.grpc]
    apis += [Located(f"RPC {r}") for r in svc.rpc]
    events, consumes = [], []
    for e in arch.edges:
        if e.kind == "publish" and e.source == svc.id:
            events.append(Located(e.target, *_code_evidence(e)))
        elif e.kind == "subscribe" and e.target == svc.id:
            consumes.append(Located(e.source, *_code_evidence(e)))
    kinds = {n.id: n for n in arch.nodes}
    data = sorted({(e.target, kinds[e.target].type) for e in arch.edges
                   if e.kind == "datastore" and e.source == svc.id and e.target in kinds})
    has_code = any(files[p].python is not None for p in svc.files if p in files)
    return Inferred(svc.id, svc.path or "", tuple(inferred_dependencies(files, arch, svc.id)),
                    tuple(sorted(apis, key=lambda a: api_key(a.value))), tuple(sorted(events, key=_by_value)),
                    tuple(sorted(consumes, key=_by_value)), tuple(data), has_code)


def _by_value(item: Located) -> tuple:
    return (item.value, item.file, item.line)


def _route_locations(files: Mapping[str, FileFacts], svc: Service) -> dict[tuple[str, str], tuple[str, int]]:
    """Where each composed route is defined: the decorated handler in one of the service's modules."""
    from ..routes import compose_routes
    pys = [(p, files[p].python) for p in svc.files if p in files and files[p].python is not None]
    origin = {(o.line, o.handler, o.method): path for path, py in pys for o in py.routes}  # type: ignore[union-attr]
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for r in compose_routes(py for _, py in pys):
        path = origin.get((r.line, r.handler, r.method))
        if r.method not in ("PREFIX", "MOUNT", "INCLUDE") and path is not None:
            found.setdefault(api_key(f"{r.method} {r.path}"), (path, r.line))
    return found


# ------------------------------------------------------------------------------------------------
# comparison keys


def route_path(path: str) -> str:
    """`/users/:id`, `/users/{id}`, `/users/<int:id>/` -> `/users/{}`."""
    path = _PARAM.sub("{}", path.strip())
    path = "/" + re.sub(r"/{2,}", "/", path).strip("/")
    return path


def api_key(api: str) -> tuple[str, str]:
    method, _, rest = api.strip().partition(" ")
    method = method.upper()
    rest = rest.strip()
    if method == "GRPC":
        service = rest.strip("/").split("/")[0]
        return method, service
    if method == "RPC":
        return method, rest
    return method, route_path(rest)


def apis_match(declared: str, inferred: str) -> bool:
    (dm, dp), (im, ip) = api_key(declared), api_key(inferred)
    if dm == "GRPC" or im == "GRPC":
        if dm != im:
            return False
        # a package on one side only still names the same service
        return dp == ip or (("." not in dp or "." not in ip) and dp.split(".")[-1] == ip.split(".")[-1])
    if dm == "RPC" or im == "RPC":
        return dm == im and (dp == ip or norm(dp) == norm(ip))
    return (dm == im or "*" in (dm, im)) and dp == ip


def events_match(a: str, b: str) -> bool:
    """`OrderPlaced`, `order-placed` and `order_placed` are one event."""
    return a == b or norm(a) == norm(b)


# ------------------------------------------------------------------------------------------------
# drift


class Names:
    """Declared dependency names -> what they stand for in the architecture."""

    def __init__(self, arch: Architecture, bound: dict[str, list[Bound]], sources: list[Bound]) -> None:
        self.services: dict[str, str] = {}
        for svc in arch.services:
            for n in (svc.id, *svc.aliases):
                self.services.setdefault(norm(n), svc.id)
        for sid, bs in bound.items():
            for b in bs:
                self.services.setdefault(norm(b.facts.name), sid)
        self.nodes = {norm(n.id): n.id for n in arch.nodes}
        self.contracts = {norm(b.facts.name) for b in sources}
        self.providers: dict[str, str] = {}
        for sid, bs in sorted(bound.items()):
            for b in bs:
                if b.facts.source == "backstage":
                    for api, _ in b.facts.apis:
                        self.providers.setdefault(api, sid)

    def resolve(self, name: str) -> tuple[str, str]:
        """("service", id) | ("node", id) | ("contract", name) | ("", "")."""
        key = norm(name)
        if key in self.services:
            return "service", self.services[key]
        if key in self.nodes:
            return "node", self.nodes[key]
        if key in self.contracts:
            return "contract", name
        return "", ""


def declared_dependencies(b: Bound, names: Names) -> list[Dependency]:
    deps = list(b.facts.dependencies)
    for api, line in b.facts.consumes_apis:
        provider = names.providers.get(api)
        if provider is not None:
            deps.append(Dependency(provider, "", "", line))
    return deps


_LAST: list = [None, 0, []]   # the last (arch, files) compared: every CON rule of a scan asks again


def compute_drift(files: Mapping[str, FileFacts], arch: Architecture) -> list[Drift]:
    ref, files_id, result = _LAST
    if ref is not None and ref() is arch and files_id == id(files):
        return list(result)
    result = _compute_drift(files, arch)
    _LAST[:] = [weakref.ref(arch), id(files), result]
    return list(result)


def _compute_drift(files: Mapping[str, FileFacts], arch: Architecture) -> list[Drift]:
    sources = contract_sources(files)
    if not sources:
        return []
    bound = bind(files, arch)
    names = Names(arch, bound, sources)
    out: list[Drift] = []
    for svc in arch.services:
        if svc.id in bound:
            out += _service_drift(files, arch, svc, bound[svc.id], names)
        elif svc.path is not None and not covered(svc, sources) and \
                any(files[p].python is not None for p in svc.files if p in files):
            file, line = _service_location(files, svc)
            out.append(Drift(svc.id, "missing-contract", svc.id,
                             f"{svc.id} has no contract (service.yaml or catalog-info.yaml) while other "
                             f"services of the repository declare theirs", file, line))
    return sorted(out, key=Drift.sort_key)


def _service_location(files: Mapping[str, FileFacts], svc: Service) -> tuple[str, int]:
    for path in svc.files:
        py = files[path].python if path in files else None
        if py is not None and (py.is_main or py.routes) and not py.generated:
            return path, 1 if py.is_main else min((r.line for r in py.routes), default=1)
    if svc.workloads:
        file, _, line = svc.workloads[0].rpartition(":")
        return file, int(line)
    return (svc.files[0], 1) if svc.files else ((svc.path or "."), 0)


def _service_drift(files: Mapping[str, FileFacts], arch: Architecture, svc: Service, sources: list[Bound],
                   names: Names) -> list[Drift]:
    inf = infer(files, arch, svc)
    primary = sources[0]
    contract = primary.file
    out: list[Drift] = []
    unresolved = sum(1 for t in arch.targets if t[2] == svc.id and t[4] == "")
    declared = [(b, d) for b in sources if "dependencies" in b.facts.declares or b.facts.source == "contract"
                for d in declared_dependencies(b, names)]
    resolved = [(b, d, *names.resolve(d.name)) for b, d in declared]
    declared_services = {target for _, _, kind, target in resolved if kind == "service"}
    if declared or any(b.facts.source == "contract" or "dependencies" in b.facts.declares for b in sources):
        for dep in inf.dependencies:
            if dep.name not in declared_services:
                out.append(Drift(svc.id, "undeclared-dependency", dep.name,
                                 f"{svc.id} depends on {dep.name} ({dep.type}), which {contract} does not declare",
                                 dep.file, dep.line, contract, "", dep.type))
    inferred_types: dict[str, set[str]] = {}
    for dep in inf.dependencies:
        inferred_types.setdefault(dep.name, set()).add(dep.type)
    for b, d, kind, target in resolved:
        if kind == "":
            out.append(Drift(svc.id, "unknown-service", d.name,
                             f"{b.file} declares a dependency on {d.name}, which is no service, datastore or "
                             f"contract of the repository", b.file, d.line, contract, d.type or "?", ""))
        elif kind == "service" and target not in inferred_types:
            note = f" ({unresolved} call target{'s' if unresolved != 1 else ''} of {svc.id} could not be " \
                   f"resolved)" if unresolved else ""
            out.append(Drift(svc.id, "stale-dependency", d.name,
                             f"{b.file} declares a dependency on {d.name}"
                             f"{' (' + d.type + ')' if d.type else ''} that the code of {svc.id} does not "
                             f"show{note}", b.file, d.line, contract, d.type or "?", "",
                             certain=not unresolved))
        elif kind == "service" and d.type and d.type not in inferred_types[target]:
            found = "/".join(sorted(inferred_types[target]))
            out.append(Drift(svc.id, "type-mismatch", d.name,
                             f"{b.file} declares {d.name} as {'an' if d.type == 'async' else 'a'} {d.type} dependency, but {svc.id} "
                             f"{'calls it' if found == 'sync' else 'reaches it through events' if found == 'async' else 'both calls it and sends it events'}",
                             b.file, d.line, contract, d.type, found))
        elif kind in ("node", "contract") and not any(
                e.source == svc.id and e.target == target for e in arch.edges):
            out.append(Drift(svc.id, "stale-dependency", d.name,
                             f"{b.file} declares a dependency on {d.name} that the code of {svc.id} does not show",
                             b.file, d.line, contract, d.type or "?", "", certain=not unresolved))
    out += _api_drift(files, svc, inf, sources, contract)
    out += _event_drift(arch, svc, inf, sources, contract)
    return out


def _api_drift(files: Mapping[str, FileFacts], svc: Service, inf: Inferred, sources: list[Bound], contract: str) -> list[Drift]:
    stating = [b for b in sources if b.facts.source == "contract" and "apis" in b.facts.declares]
    if not stating:
        return []
    declared = [(b, api, line) for b in stating for api, line in b.facts.apis]
    out = []
    for api in inf.apis:
        if not any(apis_match(d, api.value) for _, d, _ in declared):
            file, line = (api.file, api.line) if api.file else _service_location(files, svc)
            out.append(Drift(svc.id, "undeclared-api", api.value,
                             f"{svc.id} serves {api.value}, which {contract} does not declare",
                             file, line, contract, "", api.value))
    if inf.has_code:
        for b, api, line in declared:
            if not any(apis_match(api, i.value) for i in inf.apis):
                out.append(Drift(svc.id, "unimplemented-api", api,
                                 f"{b.file} declares {api}, which the code of {svc.id} does not serve",
                                 b.file, line, contract, api, ""))
    return out


def _event_drift(arch: Architecture, svc: Service, inf: Inferred,
                 sources: list[Bound], contract: str) -> list[Drift]:
    out = []
    stating = [b for b in sources if b.facts.source == "contract"]
    published = [b for b in stating if "events" in b.facts.declares]
    if published:
        declared = [(b, e, line) for b in published for e, line in b.facts.events]
        for ev in inf.events:
            if not any(events_match(d, ev.value) for _, d, _ in declared):
                out.append(Drift(svc.id, "undeclared-event", ev.value,
                                 f"{svc.id} publishes {ev.value}, which {contract} does not declare under "
                                 f"exposes.events", ev.file, ev.line, contract, "", ev.value))
        if inf.has_code:
            for b, e, line in declared:
                if not any(events_match(e, i.value) for i in inf.events):
                    out.append(Drift(svc.id, "unpublished-event", e,
                                     f"{b.file} declares that {svc.id} publishes {e}, which its code never does",
                                     b.file, line, contract, e, ""))
    consuming = [b for b in stating if "consumes" in b.facts.declares]
    if consuming:
        declared = [(b, e, line) for b in consuming for e, line in b.facts.consumes]
        for ev in inf.consumes:
            if not any(events_match(d, ev.value) for _, d, _ in declared):
                out.append(Drift(svc.id, "undeclared-consumed-event", ev.value,
                                 f"{svc.id} consumes {ev.value}, which {contract} does not declare under "
                                 f"consumes.events", ev.file, ev.line, contract, "", ev.value))
        publishers = [e.target for e in arch.edges if e.kind == "publish"]
        for b, e, line in declared:
            if not any(events_match(e, p) for p in publishers):
                out.append(Drift(svc.id, "unpublished-consumed-event", e,
                                 f"{b.file} declares that {svc.id} consumes {e}, which no service of the "
                                 f"repository publishes", b.file, line, contract, e, ""))
            elif inf.has_code and not any(events_match(e, i.value) for i in inf.consumes):
                out.append(Drift(svc.id, "unsubscribed-event", e,
                                 f"{b.file} declares that {svc.id} consumes {e}, but its code subscribes to "
                                 f"no such channel", b.file, line, contract, e, ""))
    return out


def contract_path_for(svc: Service, kind: str = "contract") -> str:
    """Where a new contract of `svc` goes: `service.yaml` (or `catalog-info.yaml`) in its source root."""
    name = "catalog-info.yaml" if kind == "backstage" else "service.yaml"
    return posixpath.join(svc.path, name) if svc.path not in (None, "", ".") else name


def diff_services(files: Mapping[str, FileFacts], arch: Architecture) -> list[ServiceDiff]:
    """Per service with a contract or code: its contract file and its drift (empty when none)."""
    drift = compute_drift(files, arch)
    bound = bind(files, arch)
    out = []
    for svc in arch.services:
        mine = tuple(d for d in drift if d.service == svc.id)
        if svc.id in bound or mine:
            out.append(ServiceDiff(svc.id, bound[svc.id][0].file if svc.id in bound else "", mine))
    return out

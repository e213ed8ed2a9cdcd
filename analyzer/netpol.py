"""Kubernetes NetworkPolicy semantics over the extracted facts: which pods a policy selects, which
traffic it lets through, and the traffic the inferred graph says the code makes.

Used by SEC007/SEC008 and by `svclint generate networkpolicy`. Plain functions over facts; nothing
here parses a file.

Namespaces: a manifest without `metadata.namespace` is applied with `kubectl -n`, so its namespace
is unknown; it is taken to be the same as the namespace of whatever it is compared with (a policy
and a workload that both leave it out are in one namespace). A namespace's labels are those of its
`Namespace` object when the repository has one, else `kubernetes.io/metadata.name: <name>`, which
the API server sets on every namespace.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .model import Architecture, FileFacts, NetworkPolicy, PolicyPeer, PolicyRule, Workload

NS_LABEL = "kubernetes.io/metadata.name"
_ANY_CIDR = ("0.0.0.0/0", "::/0")


@dataclass(frozen=True)
class Pods:
    """The pods one Kubernetes workload runs (all its containers), and the graph node they are."""
    name: str
    node: str                      # service, datastore or broker id ("" when none)
    namespace: str
    labels: Mapping[str, str]
    ports: tuple[str, ...]         # container port numbers
    port_names: Mapping[str, str]  # named container port -> number
    file: str
    line: int
    kind: str


@dataclass
class Cluster:
    pods: list[Pods] = field(default_factory=list)
    policies: list[NetworkPolicy] = field(default_factory=list)
    ns_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    services: dict[str, list[tuple[str, dict[str, str], tuple[str, ...]]]] = field(default_factory=dict)

    def of(self, node: str) -> list[Pods]:
        return [p for p in self.pods if p.node == node]

    def labels_of_ns(self, ns: str) -> dict[str, str]:
        return self.ns_labels.get(ns, {NS_LABEL: ns})


def cluster(files: Mapping[str, FileFacts], arch: Architecture) -> Cluster:
    c = Cluster()
    present = {f"{w.file}:{w.line}" for w in arch.workloads}
    by_loc = {loc: s.id for s in arch.services for loc in s.workloads if loc in present}
    stores = {n.id for n in arch.nodes if n.kind in ("datastore", "broker")}
    for path in sorted(files):
        deploy = files[path].deploy
        if deploy is None or files[path].kind == "compose":
            continue
        c.policies.extend(deploy.network_policies)
        for name, labels in deploy.namespaces:
            c.ns_labels[name] = dict(labels)
        for ks in deploy.services:
            c.services.setdefault(ks.name, []).append((ks.namespace, dict(ks.selector), ks.ports))
        seen: dict[tuple[str, int], list[Workload]] = {}
        for w in deploy.workloads:
            if w.source == "kubernetes":
                seen.setdefault((w.file, w.line), []).append(w)
        for (file, line), ws in seen.items():
            w = ws[0]
            node = by_loc.get(f"{file}:{line}") or (w.name if w.name in stores else "")
            c.pods.append(Pods(w.name, node, w.namespace, dict(w.labels),
                               tuple(dict.fromkeys(p for x in ws for p in x.ports)),
                               {k: v for x in ws for k, v in x.port_names}, file, line, w.kind))
    return c


def _workloads(arch: Architecture, locations: Iterable[str]) -> list[Workload]:
    wanted = set(locations)
    return [w for w in arch.workloads if f"{w.file}:{w.line}" in wanted]


def same_ns(a: str, b: str) -> bool:
    return a == b or not a or not b


def selects(policy: NetworkPolicy, pod: Pods, direction: str | None = None) -> bool:
    if direction is not None and direction not in policy.policy_types:
        return False
    return same_ns(policy.namespace, pod.namespace) and policy.pod_selector.matches(dict(pod.labels))


def peer_admits(c: Cluster, peer: PolicyPeer, policy_ns: str, pod: Pods) -> bool:
    if peer.ip_block:
        return peer.ip_block in _ANY_CIDR
    if peer.namespace_selector is None:
        if peer.pod_selector is None:
            return False
        return same_ns(policy_ns, pod.namespace) and peer.pod_selector.matches(dict(pod.labels))
    ns = pod.namespace or policy_ns
    # both namespaces unknown: a namespace selector is taken to include the one they share
    if ns and not peer.namespace_selector.matches(c.labels_of_ns(ns)):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(dict(pod.labels))


def ports_admit(rule: PolicyRule, dst: Pods) -> bool:
    """Whether a rule's ports let traffic reach one of the destination's container ports."""
    if not rule.ports or not dst.ports:
        return True   # every port, or the destination's ports are unknown
    for spec in rule.ports:
        _, _, port = spec.partition("/")
        if not port or port in dst.ports or dst.port_names.get(port) in dst.ports or \
                (not port.isdigit() and not dst.port_names):
            return True
    return False


def rule_admits(c: Cluster, rule: PolicyRule, policy_ns: str, peer_pod: Pods, dst: Pods) -> bool:
    return (not rule.peers or any(peer_admits(c, p, policy_ns, peer_pod) for p in rule.peers)) and \
        ports_admit(rule, dst)


def blocking(c: Cluster, src: Pods, dst: Pods) -> tuple[str, list[NetworkPolicy]]:
    """("ingress"|"egress", the policies isolating that side) when they stop src -> dst, else ("", [])."""
    ingress = [p for p in c.policies if selects(p, dst, "Ingress")]
    if ingress and not any(rule_admits(c, r, p.namespace, src, dst) for p in ingress for r in p.ingress):
        return "ingress", _specific_first(ingress)
    egress = [p for p in c.policies if selects(p, src, "Egress")]
    if egress and not any(rule_admits(c, r, p.namespace, dst, dst) for p in egress for r in p.egress):
        return "egress", _specific_first(egress)
    return "", []


def _specific_first(policies: list[NetworkPolicy]) -> list[NetworkPolicy]:
    """Policies that name their pods before catch-all ones (`podSelector: {}`): the likelier place to fix."""
    return sorted(policies, key=lambda p: (not (p.pod_selector.match_labels or p.pod_selector.match_expressions),
                                           p.file, p.line))


def traffic(arch: Architecture) -> dict[tuple[str, str], tuple[str, str, int]]:
    """(source node, destination node) -> (protocol, evidence file, line) of the traffic the graph implies.

    Calls and datastore edges connect their ends; publishing and consuming connect the service to
    the broker of the channel (every broker of that type when there are several)."""
    brokers: dict[str, list[str]] = {}
    for n in arch.nodes:
        if n.kind == "broker":
            brokers.setdefault(n.type, []).append(n.id)
    channel_broker = {n.id: n.broker for n in arch.nodes if n.kind == "channel"}
    out: dict[tuple[str, str], tuple[str, str, int]] = {}
    for e in arch.edges:
        ev = next((x for x in e.evidence if x.file.endswith(".py")), e.evidence[0] if e.evidence else None)
        where = (e.protocol, ev.file if ev else "", ev.line if ev else 0)
        if e.kind in ("call", "datastore"):
            out.setdefault((e.source, e.target), where)
        elif e.kind == "publish":
            for b in brokers.get(channel_broker.get(e.target, ""), []):
                out.setdefault((e.source, b), where)
        elif e.kind == "subscribe":
            for b in brokers.get(channel_broker.get(e.source, ""), []):
                out.setdefault((e.target, b), where)
    return out

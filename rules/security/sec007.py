"""SEC007 no-network-policy."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.netpol import cluster, selects
from svclint.rule import ARCHITECTURE, Context, Example, Rule

_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}, tier: {tier}}}}}
    spec:
      containers:
        - {{name: {name}, image: "shop/{name}:1", ports: [{{containerPort: 8000}}]}}
"""
_POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}, namespace: {ns}}}
spec:
  podSelector: {selector}
  policyTypes: [{types}]
"""


def check(ctx: Context) -> Iterator[Finding]:
    c = cluster(ctx.files, ctx.arch)
    pods = [p for p in c.pods if p.node and p.kind not in ("Job", "CronJob", "Pod")]
    if not pods:
        return
    if not c.policies:
        by_ns: dict[str, list] = {}
        for p in pods:
            by_ns.setdefault(p.namespace, []).append(p)
        for ns, group in sorted(by_ns.items()):
            first = min(group, key=lambda p: (p.file, p.line))
            names = ", ".join(sorted({p.name for p in group}))
            where = f"namespace {ns}" if ns else "the repository's namespace"
            yield RULE.finding(f"no NetworkPolicy selects any workload in {where} ({names}): every pod accepts "
                               f"traffic from anywhere (`svclint generate networkpolicy` writes policies "
                               f"from the inferred traffic)", first.file, first.line, service=first.node,
                               symbol=f"namespace:{ns}")
        return
    for p in pods:
        if any(selects(pol, p, "Ingress") for pol in c.policies):
            continue
        only_egress = any(selects(pol, p) for pol in c.policies)
        what = "only by egress NetworkPolicies, so its ingress is open" if only_egress else \
            "by no NetworkPolicy: it accepts traffic from any pod"
        yield RULE.finding(f"{p.kind} {p.name} is selected {what}", p.file, p.line,
                           service=p.node, symbol=f"{p.file}:{p.name}")


RULE = Rule(
    id="SEC007", name="no-network-policy", area="security", severity=Severity.WARNING, scope=ARCHITECTURE,
    summary="Kubernetes workload that no NetworkPolicy isolates",
    rationale="Checklist, Security: 'Network policies restrict inter-service traffic'. A pod that no "
              "NetworkPolicy selects for Ingress accepts connections from every pod of the cluster, so one "
              "compromised service reaches every datastore and internal API. Selection follows Kubernetes: "
              "same namespace as the policy, podSelector matchLabels and matchExpressions (In, NotIn, "
              "Exists, DoesNotExist), `podSelector: {}` selecting every pod, and the effective policyTypes "
              "(Ingress unless only Egress is listed). A manifest without a namespace is taken to be "
              "applied to the same namespace as the policy. When the repository has no NetworkPolicy at "
              "all, one finding per namespace says so instead of one per workload. Jobs, CronJobs and bare "
              "Pods are not checked; compose deployments have no NetworkPolicy to check.",
    fix="Add a NetworkPolicy that selects the workload's pod labels and allows only its callers "
        "(`svclint generate networkpolicy PATH` derives them from the code), or a default-deny policy "
        "with `podSelector: {}` plus allow rules.",
    checklist="Security: Network policies restrict inter-service traffic",
    check=check,
    valid=(
        Example({"k8s/api.yaml": _DEPLOY.format(name="api", tier="web"),
                 "k8s/worker.yaml": _DEPLOY.format(name="worker", tier="back"),
                 "k8s/deny.yaml": _POLICY.format(name="default-deny", ns="shop", selector="{}",
                                                 types="Ingress")},
                note="a default-deny policy with podSelector {} selects every pod of its namespace"),
        Example({"k8s/api.yaml": _DEPLOY.format(name="api", tier="web"),
                 "k8s/pol.yaml": _POLICY.format(
                     name="web", ns="shop", types="Ingress",
                     selector="{matchExpressions: [{key: tier, operator: In, values: [web, api]}]}")}),
    ),
    invalid=(
        Example({"k8s/api.yaml": _DEPLOY.format(name="api", tier="web"),
                 "k8s/worker.yaml": _DEPLOY.format(name="worker", tier="back"),
                 "k8s/pol.yaml": _POLICY.format(name="api", ns="shop", selector="{matchLabels: {app: api}}",
                                                types="Ingress")},
                ("k8s/worker.yaml:1",)),
        Example({"k8s/api.yaml": _DEPLOY.format(name="api", tier="web"),
                 "k8s/pol.yaml": _POLICY.format(name="other-ns", ns="payments", selector="{}", types="Ingress")},
                ("k8s/api.yaml:1",), note="a policy of another namespace selects nothing here"),
        Example({"k8s/api.yaml": _DEPLOY.format(name="api", tier="web"),
                 "k8s/pol.yaml": _POLICY.format(
                     name="not-web", ns="shop", types="Ingress",
                     selector="{matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}")},
                ("k8s/api.yaml:1",)),
        Example({"k8s/api.yaml": _DEPLOY.format(name="api", tier="web")}, ("k8s/api.yaml:1",),
                note="no NetworkPolicy at all: one finding for the namespace"),
    ),
)

"""Kubernetes extraction on small inline manifests: real values and real line numbers."""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svclint.extract.kubernetes import extract_kubernetes, is_kubernetes, kustomization_resources
from svclint.model import Autoscaler, ConfigMap, DeployFacts, EnvVar, K8sService, Probe, from_data, to_data
from svclint.yamlio import load_all


def _yaml(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


DEPLOYMENT = _yaml("""
    # header comment
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: cart
      namespace: shop
    spec:
      replicas: 3
      template:
        metadata:
          labels: {tier: backend, app: cart}
        spec:
          securityContext: {runAsNonRoot: true}
          initContainers:
          - name: migrate
            image: cart-migrate
          containers:
          - name: server
            image: registry/cart:1.2
            command: ["python", "-m"]
            args: [cart.app, --port, 8080]
            ports:
            - containerPort: 8080
            - name: metrics
              containerPort: 9090
            env:
            - name: REDIS_URL
              value: redis://redis-cart:6379
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: cart-db, key: password}
            - name: FEATURE_FLAGS
              valueFrom:
                configMapKeyRef: {name: flags, key: cart}
            - name: POD_IP
              valueFrom:
                fieldRef: {fieldPath: status.podIP}
            - name: CPU_LIMIT
              valueFrom:
                resourceFieldRef: {resource: limits.cpu}
            - name: DEBUG
              value: true
            - name: EMPTY
            envFrom:
            - configMapRef: {name: cart-config}
            - secretRef: {name: cart-secrets}
              prefix: SECRET_
            readinessProbe:
              httpGet: {path: /healthz, port: http}
            livenessProbe:
              tcpSocket: {port: 8080}
            startupProbe:
              exec: {command: [cat, /tmp/ready]}
            resources:
              limits: {memory: 128Mi}
          - name: sidecar
            image: envoy:v1
            securityContext: {runAsUser: 0}
            livenessProbe:
              grpc: {port: 9901}
    """)


def test_deployment_workload_fields() -> None:
    facts, errors = extract_kubernetes("deploy/cart.yaml", DEPLOYMENT)
    assert errors == []
    server, sidecar = facts.workloads
    assert (server.name, server.container, server.kind, server.source) == ("cart", "server", "Deployment",
                                                                           "kubernetes")
    assert (server.file, server.line) == ("deploy/cart.yaml", 2)   # the document's first key
    assert server.image == "registry/cart:1.2"
    assert server.command == "python -m cart.app --port 8080"
    assert server.ports == ("8080", "9090")
    assert server.replicas == 3
    assert server.namespace == "shop"
    assert server.labels == (("app", "cart"), ("tier", "backend"))
    assert server.init_containers == ("migrate",)
    assert server.has_resources is True
    assert server.run_as_non_root is True
    assert server.env_from == ("configmap/cart-config", "secret/cart-secrets?prefix=SECRET_")


def test_deployment_env_vars_with_refs_and_lines() -> None:
    server = extract_kubernetes("d.yaml", DEPLOYMENT)[0].workloads[0]
    assert server.env == (
        EnvVar("REDIS_URL", "redis://redis-cart:6379", 27),
        EnvVar("DB_PASSWORD", None, 29, secret_ref="cart-db/password"),
        EnvVar("FEATURE_FLAGS", None, 32, configmap_ref="flags/cart"),
        EnvVar("POD_IP", None, 35, field_ref="status.podIP"),
        EnvVar("CPU_LIMIT", None, 38, field_ref="resource:limits.cpu"),
        EnvVar("DEBUG", "true", 41),
        EnvVar("EMPTY", "", 43),
    )


def test_probes_of_every_handler_type() -> None:
    server, sidecar = extract_kubernetes("d.yaml", DEPLOYMENT)[0].workloads
    assert server.probes == (
        Probe("liveness", "tcp", port="8080", line=50),
        Probe("readiness", "http", path="/healthz", port="http", line=48),
        Probe("startup", "exec", line=52),
    )
    assert sidecar.probes == (Probe("liveness", "grpc", port="9901", line=59),)


def test_second_container_shares_the_workload_name() -> None:
    sidecar = extract_kubernetes("d.yaml", DEPLOYMENT)[0].workloads[1]
    assert (sidecar.name, sidecar.container, sidecar.image, sidecar.line) == ("cart", "sidecar", "envoy:v1", 2)
    assert sidecar.has_resources is False
    assert sidecar.run_as_non_root is False      # container runAsUser 0 beats the pod's runAsNonRoot
    assert sidecar.replicas == 3


@pytest.mark.parametrize(("pod_ctx", "container_ctx", "expected"), [
    ("{}", "{}", None),
    ("{runAsNonRoot: true}", "{}", True),
    ("{runAsNonRoot: false}", "{}", False),
    ("{runAsUser: 1000}", "{}", True),
    ("{runAsUser: 0}", "{}", False),
    ("{runAsUser: 1000}", "{runAsUser: 0}", False),
    ("{runAsNonRoot: false}", "{runAsUser: 1000}", True),
    ("{runAsNonRoot: true}", "{runAsNonRoot: false}", False),
])
def test_run_as_non_root(pod_ctx: str, container_ctx: str, expected: bool | None) -> None:
    text = _yaml(f"""
        apiVersion: v1
        kind: Pod
        metadata: {{name: p}}
        spec:
          securityContext: {pod_ctx}
          containers:
          - {{name: c, image: i, securityContext: {container_ctx}}}
        """)
    assert extract_kubernetes("p.yaml", text)[0].workloads[0].run_as_non_root is expected


def test_pod_cronjob_job_statefulset_and_rollout() -> None:
    text = _yaml("""
        apiVersion: v1
        kind: Pod
        metadata: {name: debug, labels: {app: debug}}
        spec:
          containers: [{name: box, image: busybox}]
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly}
        spec:
          schedule: "0 0 * * *"
          jobTemplate:
            spec:
              template:
                metadata: {labels: {app: nightly}}
                spec:
                  containers: [{name: job, image: report:1, args: [--all]}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db}
        spec:
          replicas: 1
          template:
            spec:
              containers: [{name: pg, image: postgres:16, resources: {requests: {cpu: 1}}}]
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: web}
        spec:
          replicas: 2
          workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
        """)
    facts, errors = extract_kubernetes("k.yaml", text)
    assert errors == []
    pod, cron, sts, rollout = facts.workloads
    assert (pod.kind, pod.name, pod.line, pod.replicas) == ("Pod", "debug", 1, None)
    assert pod.labels == (("app", "debug"),)
    assert (cron.kind, cron.name, cron.line, cron.image, cron.command) == ("CronJob", "nightly", 7, "report:1",
                                                                           "--all")
    assert cron.labels == (("app", "nightly"),)
    assert (sts.kind, sts.line, sts.replicas, sts.has_resources) == ("StatefulSet", 19, 1, True)
    assert (rollout.kind, rollout.name, rollout.container, rollout.replicas) == ("Rollout", "web", "", 2)


def test_service_configmap_and_autoscalers() -> None:
    text = _yaml("""
        apiVersion: v1
        kind: Service
        metadata: {name: cart, namespace: shop}
        spec:
          selector: {app: cart}
          ports:
          - {name: http, port: 80, targetPort: 8080}
          - {name: grpc, port: 7070}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: flags}
        data:
          b: "2"
          a: one
          n: 3
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: cart}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: cart}
          minReplicas: 2
          maxReplicas: 10
        ---
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata: {name: worker-scaler}
        spec:
          scaleTargetRef: {name: worker}
          maxReplicaCount: 5
        ---
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata: {name: not-a-k8s-service}
        """)
    facts, errors = extract_kubernetes("k.yaml", text)
    assert errors == []
    assert facts.services == (K8sService("cart", "k.yaml", 1, (("app", "cart"),), ("80", "7070"), "shop",
                                         "ClusterIP"),)
    assert facts.configmaps == (ConfigMap("flags", "k.yaml", 10, (("a", "one"), ("b", "2"), ("n", "3"))),)
    assert facts.autoscalers == (
        Autoscaler("cart", "Deployment", "cart", "k.yaml", 18, 2, 10),
        Autoscaler("worker-scaler", "Deployment", "worker", "k.yaml", 26, None, 5),
    )


def test_list_kind_items_are_read() -> None:
    text = _yaml("""
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Service
          metadata: {name: a}
        - not a mapping
        - apiVersion: apps/v1
          kind: DaemonSet
          metadata: {name: agent}
          spec:
            template:
              spec:
                containers: [{name: agent, image: agent:1}]
        """)
    facts, errors = extract_kubernetes("list.yaml", text)
    assert errors == []
    assert [(s.name, s.line) for s in facts.services] == [("a", 4)]
    assert [(w.kind, w.name, w.line, w.replicas) for w in facts.workloads] == [("DaemonSet", "agent", 8, None)]


def test_odd_documents_are_ignored() -> None:
    text = _yaml("""
        ---
        - just
        - a list
        ---
        plain scalar
        ---
        ---
        name: no-kind
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: s}
        ---
        apiVersion: v1
        kind: Service
        metadata: not-a-mapping
        spec: [1, 2]
        """)
    facts, errors = extract_kubernetes("odd.yaml", text)
    assert errors == []
    assert facts.workloads == () and facts.configmaps == ()
    assert facts.services == (K8sService("", "odd.yaml", 14),)


def test_empty_text_gives_empty_facts() -> None:
    assert extract_kubernetes("e.yaml", "") == (DeployFacts(), [])
    assert extract_kubernetes("e.yaml", "# only a comment\n---\n") == (DeployFacts(), [])


def test_broken_yaml_is_an_error_and_earlier_documents_survive() -> None:
    text = _yaml("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: ok}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: [broken
        """)
    facts, errors = extract_kubernetes("b.yaml", text)
    assert [c.name for c in facts.configmaps] == ["ok"]
    assert len(errors) == 1
    assert errors[0].message.startswith("invalid YAML") and errors[0].line == 8


def test_duplicate_keys_are_reported_and_the_last_wins() -> None:
    text = _yaml("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: first}
        metadata: {name: second}
        """)
    facts, errors = extract_kubernetes("d.yaml", text)
    assert [c.name for c in facts.configmaps] == ["second"]
    assert len(errors) == 1 and "duplicate key" in errors[0].message and errors[0].line == 4


def test_helm_template_that_yaml_accepts_is_an_error_not_a_workload() -> None:
    text = _yaml("""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ include "app.fullname" . }}
        spec:
          replicas: {{ .Values.replicaCount }}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: alerts}
        data:
          rule: "{{ $labels.instance }} is down"
        """)
    facts, errors = extract_kubernetes("chart/templates/deployment.yaml", text)
    assert facts.workloads == ()
    assert [(c.name, c.data) for c in facts.configmaps] == [
        ("alerts", (("rule", "{{ $labels.instance }} is down"),))]
    assert len(errors) == 1 and "template" in errors[0].message and errors[0].line == 4


def test_helm_template_that_breaks_yaml_is_an_error() -> None:
    text = _yaml("""
        {{- if .Values.enabled }}
        apiVersion: v1
        kind: Service
        metadata:
          name: x
          labels:
            {{- include "x.labels" . | nindent 4 }}
        {{- end }}
        """)
    facts, errors = extract_kubernetes("chart/templates/svc.yaml", text)
    assert facts == DeployFacts()
    assert len(errors) == 1 and errors[0].line == 1 and "template" in errors[0].message


def test_facts_round_trip_through_json() -> None:
    facts, _ = extract_kubernetes("d.yaml", DEPLOYMENT)
    assert from_data(DeployFacts, to_data(facts)) == facts


def test_is_kubernetes() -> None:
    assert is_kubernetes(load_all("apiVersion: v1\nkind: Service\n")[0])
    assert is_kubernetes(load_all("- x\n---\napiVersion: v1\nkind: List\nitems: []\n")[0])
    assert not is_kubernetes(load_all("services:\n  web: {image: nginx}\n")[0])
    assert not is_kubernetes(load_all("apiVersion: v1\n")[0])
    assert not is_kubernetes([])


def test_kustomization_resources_are_repo_relative() -> None:
    text = _yaml("""
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
        - deployment.yaml
        - ./svc/service.yaml
        - ../base
        - https://github.com/org/repo//deploy?ref=v1
        - github.com/kubernetes-sigs/kustomize/examples/multibases?ref=v1.0.6
        - ../../../../outside
        - deployment.yaml
        bases: [../../common]
        components:
        - ../../components/redis
        - 7
        """)
    resources, components = kustomization_resources("deploy/overlays/prod/kustomization.yaml", text)
    assert resources == ["deploy/overlays/prod/deployment.yaml", "deploy/overlays/prod/svc/service.yaml",
                         "deploy/overlays/base", "deploy/common"]
    assert components == ["deploy/components/redis"]


def test_kustomization_at_root_and_broken() -> None:
    assert kustomization_resources("kustomization.yaml", "resources: [a.yaml]\n") == (["a.yaml"], [])
    assert kustomization_resources("k/kustomization.yaml", "resources: [\n") == ([], [])
    assert kustomization_resources("k/kustomization.yaml", "- a\n") == ([], [])


_NOISE = st.text(alphabet=st.sampled_from(list("{}[]:-,'\"&*!|>#\n ab")), max_size=200)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_NOISE, st.builds(lambda cut, junk: DEPLOYMENT[:cut] + junk,
                                   st.integers(0, len(DEPLOYMENT)), _NOISE)))
def test_never_raises_on_noise(text: str) -> None:
    facts, errors = extract_kubernetes("k.yaml", text)
    assert isinstance(facts, DeployFacts)
    assert all(e.line >= 1 for e in errors)
    kustomization_resources("k/kustomization.yaml", text)

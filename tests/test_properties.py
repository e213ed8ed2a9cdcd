"""Property tests: arbitrary bytes as any kind of file, generated YAML documents of the shapes the
extractors read, and generated Python source (hypothesmith) never crash extraction or the scan.

`extract_bytes` has a last guard that turns an unexpected exception into an E001 "internal error"
finding; these tests treat such a finding as the crash it hides. Bounded (max_examples, no deadline)
so the suite stays fast; the counts are what the hostile-input report quotes.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import hypothesmith
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svclint.engine import analyze, run_rules
from svclint.extract import extract_bytes
from svclint.rules import ALL_RULES

TEXT_KINDS = ("yaml", "kubernetes", "compose", "contract", "catalog", "kustomization", "skaffold", "envoy",
              "dockerfile", "envfile", "nginx", "shell", "helm-template", "source")
PATHS = {"yaml": "k8s/x.yaml", "compose": "docker-compose.yml", "contract": "svc/service.yaml",
         "catalog": "catalog-info.yaml", "kustomization": "kustomization.yaml", "dockerfile": "Dockerfile",
         "envfile": ".env", "nginx": "nginx.conf", "shell": "run.sh", "source": "svc/main.go"}
# SVCLINT_PROPERTY_SCALE=10 runs ten times the examples (a longer hunt than the normal test run)
SCALE = int(os.environ.get("SVCLINT_PROPERTY_SCALE", "1"))
BOUNDED = settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sound(facts) -> None:  # noqa: ANN001
    """No exception was swallowed by extract's last guard; every error has a line."""
    assert not any("internal error" in e.message for e in facts.errors), facts.errors
    assert all(isinstance(e.line, int) and e.line >= 1 for e in facts.errors), facts.errors


@BOUNDED
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_as_python(data: bytes) -> None:
    facts = extract_bytes("svc/app.py", "python", data)
    sound(facts)
    assert (facts.python is None) == bool(facts.errors)


@BOUNDED
@given(st.sampled_from(TEXT_KINDS), st.binary(max_size=3000))
def test_arbitrary_bytes_as_any_deployment_file(kind: str, data: bytes) -> None:
    sound(extract_bytes(PATHS.get(kind, "k8s/x.yaml"), kind, data))


YAML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=2000)


@BOUNDED
@given(st.sampled_from(TEXT_KINDS[:8]), YAML_TEXT)
def test_arbitrary_text_as_yaml(kind: str, text: str) -> None:
    sound(extract_bytes(PATHS.get(kind, "k8s/x.yaml"), kind, text.encode("utf-8")))


# documents of the right outline with values of any type where the extractors expect a certain one
KEYS = ("apiVersion", "kind", "metadata", "name", "namespace", "labels", "spec", "template", "selector",
        "matchLabels", "containers", "initContainers", "image", "env", "envFrom", "valueFrom", "configMapRef",
        "configMapKeyRef", "secretKeyRef", "value", "ports", "port", "targetPort", "containerPort",
        "livenessProbe", "readinessProbe", "httpGet", "path", "replicas", "scaleTargetRef", "minReplicas",
        "maxReplicas", "resources", "limits", "data", "services", "build", "context", "dockerfile",
        "environment", "env_file", "depends_on", "healthcheck", "test", "networks", "aliases", "labels",
        "extends", "file", "service", "command", "entrypoint", "profiles", "dependencies", "type",
        "criticality", "exposes", "consumes", "events", "apis", "owner", "version", "dependsOn",
        "providesApis", "consumesApis", "resources", "bases", "patches", "images", "newName",
        "configMapGenerator", "literals", "envs", "build", "artifacts", "static_resources", "clusters",
        "listeners", "routes", "route", "cluster", "match", "prefix", "<<")
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10, 70000), st.floats(allow_nan=False),
                    st.sampled_from(["", "x", "api", "http://orders:8080/x", "redis://cache:6379/0", "${A:-b}",
                                     "$HOST", "{{ .Values.x }}", "A=1", "8080:80", "postgres:15", "./svc",
                                     "Deployment", "Service", "apps/v1", "v1", "sync", "async", "soft"]),
                    st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.sampled_from(KEYS), kids, max_size=5)), max_leaves=25)
KIND = st.sampled_from(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "Service",
                        "ConfigMap", "Secret", "HorizontalPodAutoscaler", "Ingress", "NetworkPolicy",
                        "Kustomization", "Component"])
DOCS = {
    "kubernetes": st.fixed_dictionaries({"apiVersion": st.sampled_from(["v1", "apps/v1", "autoscaling/v2"]),
                                         "kind": KIND}, optional={"metadata": VALUES, "spec": VALUES,
                                                                  "data": VALUES}),
    "compose": st.fixed_dictionaries({"services": st.one_of(
        VALUES, st.dictionaries(st.sampled_from(["web", "db", "orders"]), VALUES, max_size=3))},
        optional={"x-common": VALUES, "networks": VALUES, "volumes": VALUES}),
    "contract": st.fixed_dictionaries({"service": st.one_of(VALUES, st.fixed_dictionaries(
        {"name": SCALARS}, optional={"path": SCALARS, "owner": SCALARS}))},
        optional={"dependencies": VALUES, "data": VALUES, "exposes": VALUES, "consumes": VALUES}),
    "catalog": st.fixed_dictionaries({"apiVersion": st.just("backstage.io/v1alpha1"), "kind": st.just("Component"),
                                      "metadata": VALUES, "spec": VALUES}),
    "kustomization": st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5),
    "skaffold": st.fixed_dictionaries({"apiVersion": st.just("skaffold/v4beta6"), "kind": st.just("Config")},
                                      optional={"build": VALUES}),
    "envoy": st.fixed_dictionaries({"static_resources": VALUES}, optional={"clusters": VALUES}),
}


@BOUNDED
@given(st.sampled_from(sorted(DOCS)).flatmap(lambda k: st.tuples(st.just(k), st.lists(DOCS[k], min_size=1,
                                                                                         max_size=3))))
def test_generated_documents_of_each_kind(case: tuple[str, list]) -> None:
    kind, docs = case
    text = yaml.safe_dump_all(docs, sort_keys=False)
    sound(extract_bytes(PATHS.get(kind, "k8s/x.yaml"), kind, text.encode("utf-8")))


@settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_python_source_from_the_grammar(source: str) -> None:
    facts = extract_bytes("svc/gen.py", "python", source.encode("utf-8", "surrogatepass"))
    sound(facts)


@settings(max_examples=12 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_generated_python_modules_from_libcst_nodes(source: str) -> None:
    facts = extract_bytes("svc/gen.py", "python", source.encode("utf-8", "surrogatepass"))
    sound(facts)
    assert facts.python is not None, facts.errors       # valid source: it is analysed


FILE_NAMES = st.sampled_from(["svc/app.py", "svc/settings.py", "docker-compose.yml", "k8s/app.yaml",
                              "svc/service.yaml", "svc/Dockerfile", ".env", "nginx.conf", "svc/main.go"])


@settings(max_examples=25 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(FILE_NAMES, st.one_of(st.binary(max_size=600), DOCS["compose"].map(yaml.safe_dump).map(
    str.encode), DOCS["kubernetes"].map(yaml.safe_dump).map(str.encode)), min_size=1, max_size=6))
def test_whole_scan_of_a_generated_repository(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for rel, data in files.items():
            target = Path(tmp, *rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        analysis = analyze(tmp)
        findings = run_rules(analysis, ALL_RULES, debug=True)       # a failing rule raises here
        assert all(f.line >= 0 for f in findings)
        for facts in analysis.files.values():
            sound(facts)


def test_the_last_guard_turns_a_crash_into_a_finding(monkeypatch) -> None:  # noqa: ANN001
    """The control for `sound`: an extractor that raises becomes an E001 "internal error", not a crash."""
    from svclint.extract import kubernetes

    def boom(path, text):  # noqa: ANN001, ANN202
        raise TypeError("'int' object is not subscriptable")
    monkeypatch.setattr(kubernetes, "extract_kubernetes", boom)
    facts = extract_bytes("k8s/x.yaml", "kubernetes", b"apiVersion: v1\nkind: Service\n")
    (err,) = facts.errors
    assert "internal error" in err.message and "TypeError" in err.message and err.line == 1

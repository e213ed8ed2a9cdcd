"""Kubernetes manifests -> `DeployFacts`: workloads, Services, ConfigMaps and autoscalers.

The manifests are the runtime half of the architecture: they say which image runs with which
environment, how many copies, behind which Service name, probed how. Everything here is read from
one file only; matching Services to workloads, ConfigMap refs to ConfigMaps and images to code is
left to `resolve`.

Conventions (other stages rely on them):

* every object's `line` is the line where its document (or `List` item) starts, i.e. the line of
  its first key, usually `apiVersion:`; env vars and probes carry their own lines;
* one `Workload` per (workload, app container), in container order, all named `metadata.name`,
  with `container` naming the container; the first container is the workload's main one;
  a workload whose pod template has no containers (e.g. an Argo Rollout with `workloadRef`)
  still yields one `Workload` with `container=""`;
* `env_from` entries are "configmap/NAME" or "secret/NAME", with "?prefix=P" appended when the
  `envFrom` entry has a `prefix`;
* `K8sService.ports` holds the Service's own `port` values (what clients dial), not `targetPort`;
* a `resourceFieldRef` env var gets `field_ref="resource:<resource>"`;
* min/max replicas of autoscalers are `None` when the manifest leaves them to the defaults.
"""
from __future__ import annotations

import base64
import posixpath
import re
from typing import Any, Iterator

from svclint.model import (Autoscaler, ConfigMap, DeployFacts, EnvVar, K8sService, Kustomization, LabelSelector,
                            NetworkPolicy, ParseError, PolicyPeer, PolicyRule, Probe, Workload)
from svclint.secrets import classify
from svclint.yamlio import YamlProblem, line_of, load_all, mappings

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                            "Job", "CronJob", "Pod", "Rollout"})
_PROBES = (("livenessProbe", "liveness"), ("readinessProbe", "readiness"), ("startupProbe", "startup"))
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|(?:github\.com|gitlab\.com|bitbucket\.org)/)")
_TEMPLATE_HINT = " (Helm/Go template syntax such as {{ ... }} is not YAML)"

DeployObject = Workload | K8sService | ConfigMap | Autoscaler | NetworkPolicy | tuple
_RATE_LIMIT = re.compile(r"(?:limit-(?:rps|rpm|connections)|rate-?limit|ratelimit)", re.I)


def extract_kubernetes(path: str, text: str) -> tuple[DeployFacts, list[ParseError]]:
    """Facts of every Kubernetes object in a YAML stream; bad documents become errors, never raise."""
    docs, problems = load_all(text)
    errors = yaml_errors(problems, text)
    objects: list[DeployObject] = []
    templated = "{{" in text      # once per file: searched per document, it made a long stream quadratic
    for doc in _resources(docs):
        bad_line = _template_line(doc) if templated else None
        if bad_line is not None:
            errors.append(ParseError("Helm/Go template syntax ({{ ... }}) in YAML; document not read", bad_line))
            continue
        objects.extend(_objects(doc, path))
    facts = DeployFacts(
        workloads=tuple(o for o in objects if isinstance(o, Workload)),
        services=tuple(o for o in objects if isinstance(o, K8sService)),
        configmaps=tuple(o for o in objects if isinstance(o, ConfigMap)),
        autoscalers=tuple(o for o in objects if isinstance(o, Autoscaler)),
        network_policies=tuple(o for o in objects if isinstance(o, NetworkPolicy)),
        namespaces=tuple(o[1:] for o in objects if isinstance(o, tuple) and o[0] == "namespace"),
        ingress_backends=tuple(o[1:] for o in objects if isinstance(o, tuple) and o[0] == "ingress"),
        secret_data=tuple(o[1:] for o in objects if isinstance(o, tuple) and o[0] == "secret"),
        limit_ranges=tuple(o[1] for o in objects if isinstance(o, tuple) and o[0] == "limitrange"))
    return facts, errors


def is_kubernetes(docs: list[Any]) -> bool:
    """Whether a loaded YAML stream holds a Kubernetes-style object (so discovery can classify it)."""
    return any(_is_resource(doc) for doc in docs)


def kustomization_resources(path: str, text: str) -> tuple[list[str], list[str]]:
    """Repo-relative paths a kustomization pulls in: (`resources` + `bases`, `components`).

    Remote references (URLs, `github.com/...`) and paths that leave the repository are dropped:
    nothing in the repository can be read for them.
    """
    docs, _ = load_all(text)
    doc = next((d for d in docs if isinstance(d, dict)), {})
    base = posixpath.dirname(path)
    resources = _local_paths(base, [*_str_list(doc.get("resources")), *_str_list(doc.get("bases"))])
    return resources, _local_paths(base, _str_list(doc.get("components")))


def extract_kustomization(path: str, text: str) -> tuple[DeployFacts, list[ParseError]]:
    """What a kustomization pulls in (resources, bases, components), the files that patch them, the
    ConfigMaps its generator makes (literals here; `envs` files are read by resolve), and image renames."""
    docs, problems = load_all(text)
    errors = yaml_errors(problems, text)
    doc = next((d for d in docs if isinstance(d, dict)), None)
    if doc is None:
        return DeployFacts(), errors
    base = posixpath.dirname(path)
    resources = _local_paths(base, [*_str_list(doc.get("resources")), *_str_list(doc.get("bases")),
                                    *_str_list(doc.get("components"))])
    patch_files = [*_str_list(doc.get("patchesStrategicMerge")),
                   *(_text(p.get("path")) for p in _maps(doc.get("patches")) if p.get("path")),
                   *_str_list(doc.get("patches"))]
    configmaps = []
    for gen in _maps(doc.get("configMapGenerator")):
        data = []
        for literal in _str_list(gen.get("literals")):
            key, sep, value = literal.partition("=")
            if sep:
                data.append((key.strip(), value.strip()))
        for env_file in _local_paths(base, _str_list(gen.get("envs")) + _str_list(gen.get("env"))):
            data.append(("@envfile", env_file))   # resolve reads the file's variables
        configmaps.append(ConfigMap(name=_text(gen.get("name")), file=path, line=line_of(gen), data=tuple(data),
                                    namespace=_text(gen.get("namespace")) or _text(doc.get("namespace"))))
    images = tuple((_text(i.get("name")), _text(i.get("newName"))) for i in _maps(doc.get("images"))
                   if i.get("name") and i.get("newName"))
    k = Kustomization(file=path, line=line_of(doc), resources=tuple(resources),
                      patches=tuple(_local_paths(base, [p for p in patch_files if p and "\n" not in p])),
                      namespace=_text(doc.get("namespace")), images=images)
    return DeployFacts(configmaps=tuple(configmaps), kustomization=k), errors


def yaml_errors(problems: list[YamlProblem], text: str = "") -> list[ParseError]:
    """`load_all` problems as `ParseError`s; a hint is added when template syntax explains them."""
    hint = _TEMPLATE_HINT if "{{" in text else ""
    return [ParseError(p.message + (hint if p.fatal else ""), p.line, p.column) for p in problems]


# ----------------------------------------------------------------------------------------------
# documents


def _is_resource(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str)


def _resources(docs: list[Any]) -> Iterator[dict]:
    """Every object of the stream, `List` items included (kubectl output is often one `List`)."""
    for doc in docs:
        if not _is_resource(doc):
            continue
        items = doc.get("items")
        if doc["kind"].endswith("List") and isinstance(items, list):
            yield from _resources(items)
        else:
            yield doc


def _template_line(doc: dict) -> int | None:
    """First line of a `{{ ... }}` value, which YAML reads as a mapping keyed by a mapping, not as an error."""
    lines = [line_of(mapping, key) for mapping in mappings(doc) for key in mapping
             if isinstance(key, str) and key[:2] in ("{'", '{"') and key.endswith(": None}")]
    return min(lines, default=None)



def _objects(doc: dict, path: str) -> list[DeployObject]:
    kind, api = doc["kind"], doc["apiVersion"]
    if kind in WORKLOAD_KINDS:
        return list(_workloads(doc, path))
    if kind == "Service" and api == "v1":
        return [_service(doc, path)]
    if kind == "ConfigMap" and api == "v1":
        return [_configmap(doc, path)]
    if kind == "HorizontalPodAutoscaler" or (kind == "ScaledObject" and api.startswith("keda.sh/")):
        return [_autoscaler(doc, path)]
    if kind == "NetworkPolicy" and api.startswith("networking.k8s.io/"):
        return [_network_policy(doc, path)]
    if kind == "Namespace" and api == "v1":
        name = _text(_map(doc.get("metadata")).get("name"))
        labels = dict(_pairs(_map(doc.get("metadata")).get("labels")))
        labels.setdefault("kubernetes.io/metadata.name", name)   # set by the API server on every namespace
        return [("namespace", name, tuple(sorted(labels.items())))]
    if kind == "LimitRange" and api == "v1":
        return [("limitrange", _text(_map(doc.get("metadata")).get("namespace")))]
    if kind == "Secret" and api == "v1":
        return [("secret", *x) for x in _secret_data(doc)]
    if kind == "Ingress" and api.startswith("networking.k8s.io/"):
        return [("ingress", *b) for b in _ingress_backends(doc)]
    return []


# ----------------------------------------------------------------------------------------------
# workloads


def _workloads(doc: dict, path: str) -> Iterator[Workload]:
    kind = doc["kind"]
    meta, spec = _map(doc.get("metadata")), _map(doc.get("spec"))
    pod_meta, pod = _pod_template(kind, doc)
    common = dict(
        name=_text(meta.get("name") or meta.get("generateName")), source="kubernetes", kind=kind, file=path,
        line=line_of(doc), replicas=None if kind == "Pod" else _int(spec.get("replicas")),
        labels=_pairs(pod_meta.get("labels")), namespace=_text(meta.get("namespace")),
        init_containers=tuple(_text(c.get("name")) for c in _maps(pod.get("initContainers"))))
    containers = _maps(pod.get("containers"))
    if not containers:
        yield Workload(**common)
    for container in containers:
        yield Workload(**common, **_container(container, pod))


def _pod_template(kind: str, doc: dict) -> tuple[dict, dict]:
    """(pod metadata, pod spec): a Pod is its own template, a CronJob nests one level deeper."""
    spec = _map(doc.get("spec"))
    if kind == "Pod":
        return _map(doc.get("metadata")), spec
    if kind == "CronJob":
        spec = _map(_map(spec.get("jobTemplate")).get("spec"))
    template = _map(spec.get("template"))
    return _map(template.get("metadata")), _map(template.get("spec"))


def _container(c: dict, pod: dict) -> dict[str, Any]:
    resources = _map(c.get("resources"))
    return dict(
        container=_text(c.get("name")), image=_text(c.get("image")),
        command=" ".join(_text(x) for x in [*_list(c.get("command")), *_list(c.get("args"))]),
        env=_env(c.get("env")), env_from=_env_from(c.get("envFrom")),
        ports=tuple(_text(p["containerPort"]) for p in _maps(c.get("ports")) if "containerPort" in p),
        probes=tuple(p for key, kind in _PROBES if (p := _probe(c, key, kind)) is not None),
        has_resources=bool(resources.get("requests") or resources.get("limits")),
        run_as_non_root=_non_root(_map(pod.get("securityContext")), _map(c.get("securityContext"))),
        port_names=tuple((_text(p["name"]), _text(p["containerPort"])) for p in _maps(c.get("ports"))
                         if p.get("name") and "containerPort" in p),
        security_line=line_of(c, "securityContext") if "securityContext" in c else
        (line_of(pod, "securityContext") if "securityContext" in pod else 0))


def _env(entries: Any) -> tuple[EnvVar, ...]:
    out = []
    for i, entry in enumerate(_list(entries)):
        if isinstance(entry, dict) and entry.get("name") is not None:
            out.append(_env_var(entry, line_of(entries, i)))
    return tuple(out)


def _env_var(entry: dict, line: int) -> EnvVar:
    name, source = _text(entry["name"]), _map(entry.get("valueFrom"))
    if not source:
        return EnvVar(name, _text(entry.get("value")), line)
    secret, cm = _map(source.get("secretKeyRef")), _map(source.get("configMapKeyRef"))
    field, res = _map(source.get("fieldRef")), _map(source.get("resourceFieldRef"))
    return EnvVar(name, None, line,
                  secret_ref=_key_ref(secret) if secret else "",
                  configmap_ref=_key_ref(cm) if cm else "",
                  field_ref=(_text(field.get("fieldPath")) if field
                             else f"resource:{_text(res.get('resource'))}" if res else ""))


def _key_ref(ref: dict) -> str:
    return f"{_text(ref.get('name'))}/{_text(ref.get('key'))}"


def _env_from(entries: Any) -> tuple[str, ...]:
    out = []
    for entry in _maps(entries):
        prefix = f"?prefix={_text(entry['prefix'])}" if entry.get("prefix") else ""
        for key, kind in (("configMapRef", "configmap"), ("secretRef", "secret")):
            ref = _map(entry.get(key))
            if ref:
                out.append(f"{kind}/{_text(ref.get('name'))}{prefix}")
    return tuple(out)


def _probe(container: dict, key: str, kind: str) -> Probe | None:
    spec = _map(container.get(key))
    line = line_of(container, key)
    if "httpGet" in spec:
        http = _map(spec["httpGet"])
        return Probe(kind, "http", path=_text(http.get("path")), port=_text(http.get("port")), line=line)
    for handler, type_ in (("grpc", "grpc"), ("tcpSocket", "tcp")):
        if handler in spec:
            return Probe(kind, type_, port=_text(_map(spec[handler]).get("port")), line=line)
    if "exec" in spec:
        return Probe(kind, "exec", line=line)
    return None


def _non_root(pod_ctx: dict, ctx: dict) -> bool | None:
    """Effective non-root-ness: container settings override the pod's, field by field.

    An explicit `runAsUser: 0` means root whatever `runAsNonRoot` says; a non-zero user means
    not root even with `runAsNonRoot: false`.
    """
    user = _int(ctx["runAsUser"] if "runAsUser" in ctx else pod_ctx.get("runAsUser"))
    non_root = ctx["runAsNonRoot"] if "runAsNonRoot" in ctx else pod_ctx.get("runAsNonRoot")
    if user == 0:
        return False
    if non_root is True or user is not None:
        return True
    return False if non_root is False else None


# ----------------------------------------------------------------------------------------------
# services, config maps, autoscalers


def _service(doc: dict, path: str) -> K8sService:
    meta, spec = _map(doc.get("metadata")), _map(doc.get("spec"))
    return K8sService(
        name=_text(meta.get("name")), file=path, line=line_of(doc), selector=_pairs(spec.get("selector")),
        ports=tuple(_text(p["port"]) for p in _maps(spec.get("ports")) if "port" in p),
        namespace=_text(meta.get("namespace")), type=_text(spec.get("type")) or "ClusterIP")


def _configmap(doc: dict, path: str) -> ConfigMap:
    meta = _map(doc.get("metadata"))
    return ConfigMap(name=_text(meta.get("name")), file=path, line=line_of(doc), data=_pairs(doc.get("data")),
                     namespace=_text(meta.get("namespace")))


def _autoscaler(doc: dict, path: str) -> Autoscaler:
    """An HPA, or a KEDA ScaledObject (whose target kind defaults to Deployment)."""
    meta, spec = _map(doc.get("metadata")), _map(doc.get("spec"))
    target = _map(spec.get("scaleTargetRef"))
    keda = doc["kind"] == "ScaledObject"
    return Autoscaler(
        name=_text(meta.get("name")), target_kind=_text(target.get("kind")) or ("Deployment" if keda else ""),
        target_name=_text(target.get("name")), file=path, line=line_of(doc),
        min_replicas=_int(spec.get("minReplicaCount" if keda else "minReplicas")),
        max_replicas=_int(spec.get("maxReplicaCount" if keda else "maxReplicas")))


# ----------------------------------------------------------------------------------------------
# network policies and ingresses


def _network_policy(doc: dict, path: str) -> NetworkPolicy:
    """Effective policyTypes: as written, else Ingress plus Egress when egress rules are given."""
    meta, spec = _map(doc.get("metadata")), _map(doc.get("spec"))
    types = tuple(t for t in _str_list(spec.get("policyTypes")) if t in ("Ingress", "Egress"))
    if not types:
        types = ("Ingress", "Egress") if "egress" in spec else ("Ingress",)
    return NetworkPolicy(
        name=_text(meta.get("name")), file=path, line=line_of(doc), namespace=_text(meta.get("namespace")),
        pod_selector=_selector(spec.get("podSelector")) or LabelSelector(), policy_types=types,
        ingress=_policy_rules(spec.get("ingress"), "from"), egress=_policy_rules(spec.get("egress"), "to"))


def _policy_rules(rules: Any, peer_key: str) -> tuple[PolicyRule, ...]:
    out = []
    for i, rule in enumerate(_list(rules)):
        rule = rule if isinstance(rule, dict) else {}   # `- {}` allows everything
        peers = tuple(_peer(p) for p in _maps(rule.get(peer_key)))
        ports = tuple(f"{_text(p.get('protocol')) or 'TCP'}/{_text(p.get('port'))}" for p in _maps(rule.get("ports")))
        out.append(PolicyRule(line_of(rules, i), peers, ports))
    return tuple(out)


def _peer(peer: dict) -> PolicyPeer:
    block = _map(peer.get("ipBlock"))
    return PolicyPeer(_selector(peer.get("podSelector")), _selector(peer.get("namespaceSelector")),
                      _text(block.get("cidr")) if block else "")


def _selector(value: Any) -> LabelSelector | None:
    if not isinstance(value, dict):
        return None
    exprs = tuple((_text(e.get("key")), _text(e.get("operator")), tuple(_text(v) for v in _list(e.get("values"))))
                  for e in _maps(value.get("matchExpressions")))
    return LabelSelector(_pairs(value.get("matchLabels")), exprs)


def _secret_data(doc: dict) -> Iterator[tuple[str, str, int, str]]:
    """Keys of a committed Secret whose value looks like a real secret (the value is not kept)."""
    name = _text(_map(doc.get("metadata")).get("name"))
    for field in ("stringData", "data"):
        values = _map(doc.get(field))
        for key, value in values.items():
            text = _text(value)
            if field == "data":
                try:
                    text = base64.b64decode(text, validate=True).decode("utf-8")
                except (ValueError, UnicodeDecodeError):
                    continue
            reason = classify(_text(key), text, strict=True)
            if reason:
                yield name, _text(key), line_of(values, key), reason


def _ingress_backends(doc: dict) -> Iterator[tuple[str, int, bool]]:
    """(backend Service name, line, rate limited by an annotation) of an Ingress."""
    meta, spec = _map(doc.get("metadata")), _map(doc.get("spec"))
    limited = any(_RATE_LIMIT.search(str(k)) for k in _map(meta.get("annotations")))
    backends = [_map(spec.get("defaultBackend") or spec.get("backend"))]
    for rule in _maps(spec.get("rules")):
        backends += [_map(p.get("backend")) for p in _maps(_map(rule.get("http")).get("paths"))]
    for b in backends:
        name = _text(_map(b.get("service")).get("name")) or _text(b.get("serviceName"))
        if name:
            yield name, line_of(doc), limited


# ----------------------------------------------------------------------------------------------
# value helpers: manifests are hand-written, so every field may have the wrong shape


def _map(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _maps(value: Any) -> list[dict]:
    return [x for x in _list(value) if isinstance(x, dict)]


def _str_list(value: Any) -> list[str]:
    return [x for x in _list(value) if isinstance(x, str)]


def _text(value: Any) -> str:
    """A scalar as the string Kubernetes would see; "" for absent or structured values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((_text(k), _text(v)) for k, v in _map(value).items()))


def _local_paths(base: str, entries: list[str]) -> list[str]:
    out: list[str] = []
    for entry in entries:
        if _REMOTE.match(entry) or entry.startswith("/"):
            continue
        norm = posixpath.normpath(posixpath.join(base, entry))
        if norm != ".." and not norm.startswith("../") and norm not in out:
            out.append(norm)
    return out

"""resolve: all facts together -> the Architecture (services, datastores, channels, externals, edges).

Services are the deployable units the deployment files describe (compose services, Kubernetes
workloads) whose image is not a well-known third-party one; third-party images become datastores and
brokers. Each service gets a source directory (build context, skaffold artifact, image or directory
name, contract), the Python files below it, and the environment its deployment gives it. Call sites
are then folded with that environment and their hosts mapped to nodes.
"""
from __future__ import annotations

import functools
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable

from .images import image_name, third_party
from .routes import compose_routes
from .model import (Architecture, CallSite, ConfigMap, ContractFacts, Edge, Evidence, FileFacts, Node,
                    PythonFacts, Service, Workload)
from .extract.python.libraries import BROKER_TYPES, SCHEMES

_PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")
_HEALTH = re.compile(r"^/?(?:api/)?(?:v\d+/)?(?:_|-/)?(health|healthz|healthcheck|health-check|health_check|"
                     r"ready|readyz|readiness|live|livez|liveness|alive|heartbeat)/?$", re.I)
# variables that name other hosts without depending on them: CORS allow-lists, advertised addresses
# and telemetry export (OTLP collectors, tracing agents, profilers), which the design says is not a dependency
NOT_A_DEPENDENCY = re.compile(r"ORIGIN|ALLOWED|CORS|ADVERTISED|TRUSTED|REDIRECT|CALLBACK|PUBLIC_URL|"
                              r"OTEL_|OTLP|OPAMP|JAEGER|ZIPKIN|TRACING|TRACER|TELEMETRY|PYROSCOPE|"
                              r"STATSD|DD_AGENT|DD_TRACE|INSTANA|SENTRY|COLLECTOR_", re.I)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]", "[::]", "::", "host.docker.internal"}
_LIB_BROKER = {"kafka-python": "kafka", "confluent-kafka": "kafka", "aiokafka": "kafka", "pika": "rabbitmq",
               "aio-pika": "rabbitmq", "kombu": "rabbitmq", "nameko": "rabbitmq", "celery": "rabbitmq",
               "amqp": "rabbitmq", "kafka": "kafka"}


def norm(name: str) -> str:
    """Loose name for matching: case and punctuation ignored, a trailing service/svc/server dropped."""
    n = re.sub(r"[^a-z0-9]", "", str(name).lower())
    for suffix in ("service", "svc", "server"):
        if n.endswith(suffix) and len(n) > len(suffix) + 1:
            n = n[: -len(suffix)]
    return n


@dataclass
class _Svc:
    id: str
    workloads: list[Workload] = field(default_factory=list)
    path: str | None = None
    aliases: set[str] = field(default_factory=set)
    env: dict[str, tuple[str, str, int]] = field(default_factory=dict)   # name -> (value, file, line)
    files: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)     # its code in other languages that shows messages
    contract: ContractFacts | None = None
    env_set: dict[str, tuple[str, int]] = field(default_factory=dict)   # every name set, with or without value


@dataclass
class _Ctx:
    facts: dict[str, FileFacts]
    languages: dict[str, str]
    directories: set[str]
    root_name: str = ""
    services: dict[str, _Svc] = field(default_factory=dict)
    stores: dict[str, Node] = field(default_factory=dict)
    hosts: dict[str, str] = field(default_factory=dict)          # host name -> node id
    store_hosts: set[str] = field(default_factory=set)
    edges: dict[tuple[str, str, str, str], tuple[set[str], set[Evidence]]] = field(default_factory=dict)
    externals: set[str] = field(default_factory=set)
    channels: dict[str, str] = field(default_factory=dict)       # channel id -> broker type
    targets: set[tuple[str, int, str, str, str]] = field(default_factory=set)
    # indexes over all services' code, built once after files are attributed
    servicers: dict[str, str] = field(default_factory=dict)      # gRPC servicer name -> service
    nameko: dict[str, str] = field(default_factory=dict)         # nameko service name -> service
    shared: dict[str, str] = field(default_factory=dict)         # constants of code no service owns
    proto: dict[str, str] = field(default_factory=dict)          # gRPC service -> package-qualified name
    local_ports: dict[str, str] = field(default_factory=dict)    # port -> service, when services run on one host
    by_label: dict[tuple[str, str], list[Workload]] | None = None   # label pair -> workloads, in file order


def resolve(facts: Iterable[FileFacts], languages: Iterable[tuple[str, str]] = (),
            directories: Iterable[str] = (), root_name: str = "") -> Architecture:
    """`root_name`: the scanned directory's name, the name of a service whose Dockerfile is at the root
    of a repository without deployment files."""
    ctx = _Ctx({f.path: f for f in facts}, dict(languages), set(directories))
    ctx.root_name = _slug(root_name)
    _collect_workloads(ctx)
    _source_paths(ctx)
    _attribute_files(ctx)
    _environment(ctx)
    _host_index(ctx)
    _code_indexes(ctx)
    for svc in ctx.services.values():
        _code_edges(ctx, svc)
        _config_edges(ctx, svc)
    _gateway_edges(ctx)
    return _build(ctx)


# ---------------------------------------------------------------------------------------------- services


def _deploy_files(ctx: _Ctx) -> list[FileFacts]:
    return [f for f in ctx.facts.values() if f.deploy is not None]


_TEST_COMPOSE = re.compile(r"[._-](tests?|e2e|integration|ci|cypress|playwright)[._-]", re.I)


def _canonical_compose(ctx: _Ctx) -> set[str]:
    """Compose files that describe the system: the shallowest folder's files (with their overrides).

    A compose file nested below another one is a per-service development variant, not the deployment;
    a file that others only `extends` from is a library of service templates, not a deployment.
    """
    composes = [p for p, f in ctx.facts.items() if f.kind == "compose" and f.deploy is not None]
    bases = {w.extends.partition("#")[0] for p in composes for w in ctx.facts[p].deploy.workloads  # type: ignore[union-attr]
             if w.extends}
    composes = [p for p in composes if p not in bases or _is_extended_from_itself(ctx, p)]
    # test harnesses (`compose.tests.yaml`, `docker-compose.e2e.yml`) run test runners, not the system
    system = [p for p in composes if not _TEST_COMPOSE.search(posixpath.basename(p))]
    composes = system or composes
    if not composes:
        return set()
    dirs = {posixpath.dirname(p) for p in composes}
    nested = {d for d in dirs if any(o != d and (o == "" or d.startswith(o + "/")) for o in dirs)}
    return {p for p in composes if posixpath.dirname(p) not in nested}


def _built_from(ctx: _Ctx, w: Workload) -> str:
    """Base image of the Dockerfile a compose service builds ("" when unknown)."""
    candidates = [w.dockerfile] if w.dockerfile else []
    candidates.append(posixpath.join(w.build_context, "Dockerfile") if w.build_context not in ("", ".")
                      else "Dockerfile")
    for path in candidates:
        f = ctx.facts.get(path)
        if f is not None and f.deploy is not None and f.deploy.dockerfile_base:
            return f.deploy.dockerfile_base
    return ""


def _is_extended_from_itself(ctx: _Ctx, path: str) -> bool:
    """A file whose services extend others in the same file is still a deployment."""
    return any(w.extends.startswith(path + "#") for w in ctx.facts[path].deploy.workloads)  # type: ignore[union-attr]


def _extended(ctx: _Ctx, w: Workload, depth: int = 0) -> Workload:
    """A compose service with what it `extends` merged in (its own settings win)."""
    if not w.extends or depth > 5:
        return w
    path, _, name = w.extends.partition("#")
    f = ctx.facts.get(path)
    base = next((b for b in (f.deploy.workloads if f is not None and f.deploy is not None else ())
                 if b.name == name), None)
    if base is None:
        return w
    base = _extended(ctx, base, depth + 1)
    own_env = {e.name for e in w.env}
    return replace(
        w, image=w.image or base.image, build_context=w.build_context or base.build_context,
        dockerfile=w.dockerfile or base.dockerfile, command=w.command or base.command,
        env=tuple(e for e in base.env if e.name not in own_env) + w.env,
        env_from=tuple(dict.fromkeys(base.env_from + w.env_from)), ports=w.ports or base.ports,
        probes=w.probes or base.probes, labels=tuple(sorted({**dict(base.labels), **dict(w.labels)}.items())),
        has_resources=w.has_resources or base.has_resources, extends="")


def _interpolated(ctx: _Ctx, w: Workload) -> Workload:
    """Compose interpolates image names and build paths from `.env` (`image: ${VALKEY_IMAGE}`,
    `dockerfile: ${CART_DOCKERFILE}`) before anything is pulled or built; so does svclint."""
    if "$" not in w.image + w.dockerfile + w.build_context:
        return w
    dotenv = _dotenv(ctx, w)

    def path(value: str) -> str:
        return posixpath.normpath(_interpolate(value, dotenv)) if "$" in value else value
    return replace(w, image=_interpolate(w.image, dotenv) if "$" in w.image else w.image,
                   dockerfile=path(w.dockerfile), build_context=path(w.build_context))


def _patched(w: Workload, patch: Workload) -> Workload:
    """A kustomize strategic-merge patch applied to the container it names: env entries merge by name,
    set fields replace. Overlays patch in path order; the first overlay to set a value keeps it."""
    if patch.container and w.container and patch.container != w.container:
        return w
    names = {e.name for e in patch.env}
    return replace(
        w, image=patch.image or w.image, command=patch.command or w.command,
        env=tuple(e for e in w.env if e.name not in names) + patch.env,
        env_from=tuple(dict.fromkeys(w.env_from + patch.env_from)), ports=patch.ports or w.ports,
        probes=patch.probes or w.probes, replicas=patch.replicas if patch.replicas is not None else w.replicas,
        has_resources=w.has_resources or patch.has_resources)


def _collect_workloads(ctx: _Ctx) -> None:
    canonical = _canonical_compose(ctx)
    patch_files = {p for f in ctx.facts.values() if f.deploy is not None and f.deploy.kustomization is not None
                   for p in f.deploy.kustomization.patches}
    patches: dict[tuple[str, str], list[Workload]] = defaultdict(list)
    for path in sorted(patch_files):
        f = ctx.facts.get(path)
        for w in (f.deploy.workloads if f is not None and f.deploy is not None else ()):
            patches[(w.kind, w.name)].append(w)
    for f in sorted(_deploy_files(ctx), key=lambda f: (f.kind != "compose", f.path)):
        if f.kind == "compose" and f.path not in canonical or f.path in patch_files:
            continue
        for w in f.deploy.workloads:  # type: ignore[union-attr]
            w = _extended(ctx, w)
            if w.source == "compose":
                w = _interpolated(ctx, w)
            for patch in reversed(patches.get((w.kind, w.name), [])):
                w = _patched(w, patch)
            if w.kind in ("Job", "CronJob") and not w.build_context and third_party(w.image):
                continue
            # a build of a datastore image (FROM mysql + init scripts) is still that datastore
            tp = third_party(_built_from(ctx, w)) if w.build_context else third_party(w.image)
            if tp is not None and (not w.build_context or tp[0] in ("datastore", "broker")):
                kind, dtype = tp
                if kind in ("datastore", "broker"):
                    ctx.stores.setdefault(w.name, Node(w.name, kind, dtype))
                    for alias in w.aliases:
                        ctx.hosts.setdefault(alias, w.name)
                continue
            svc = ctx.services.setdefault(w.name, _Svc(w.name))
            svc.workloads.append(w)
            svc.aliases.update(a for a in w.aliases if a)
    _merge_variants(ctx)
    for f in ctx.facts.values():
        for c in f.contracts:
            if c.source != "contract":
                continue
            match = _find_service(ctx, c.name)
            if match is None:
                # a declared service nobody deploys (yet): known from its contract and its directory
                match = ctx.services.setdefault(c.name, _Svc(c.name, path=c.path))
            match.contract = c
    if not ctx.services:
        # no deployment files: every directory with a Dockerfile is a service
        for f in ctx.facts.values():
            if f.kind == "dockerfile":
                directory = posixpath.dirname(f.path)
                name = posixpath.basename(directory) or ctx.root_name or "app"
                ctx.services.setdefault(name, _Svc(name, path=directory))
    if not ctx.services:
        _server_modules(ctx)


def _slug(name: str) -> str:
    """A directory name as a service name (`My Shop` -> `my-shop`); "" when nothing is left."""
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")


def _server_modules(ctx: _Ctx) -> None:
    """No deployment files and no Dockerfiles: each Python module that starts its own web server on a
    fixed port (`app.run(port=5001)`, `uvicorn.run(app, port=8000)`) is a service, named after the
    module (or its directory, for `app.py`/`main.py`), and `localhost:<port>` reaches it: without
    containers, localhost is where the services are."""
    servers = sorted((path, f.python) for path, f in ctx.facts.items()
                     if f.python is not None and f.python.serve_port and (f.python.routes or f.python.frameworks))
    for path, py in servers:
        stem = posixpath.splitext(posixpath.basename(path))[0]
        directory = posixpath.dirname(path)
        name = posixpath.basename(directory) if stem in ("app", "main", "server", "wsgi", "run", "__main__") \
            and directory else stem
        if name in ctx.services:
            continue
        svc = ctx.services[name] = _Svc(name)
        svc.files.append(path)
        ctx.local_ports[py.serve_port] = name


# pod labels that name the application a workload belongs to (the Kubernetes recommended label first)
IDENTITY_LABELS = ("app.kubernetes.io/name", "app", "service", "k8s-app", "name")
VARIANT_LABELS = ("version", "app.kubernetes.io/version", "track", "stage", "canary", "variant")
COMPONENT_LABELS = ("component", "app.kubernetes.io/component", "role")
_VARIANT_SUFFIX = re.compile(r"v\d+(?:[.-]\d+)*|\d+|canary|stable|primary|blue|green|next|new|old|beta|alpha|"
                             r"preview|test|fix|hotfix|staging|experiment\w*", re.I)


def _merge_variants(ctx: _Ctx) -> None:
    """Kubernetes workloads that are versions of one service (`reviews-v1`, `reviews-v2`, a canary
    `payment-fix`) say so in their pod labels (`app: reviews`, `version: v2`): one service, not several.

    A workload joins the service its identity label names only when its own name is that name plus a
    suffix, and the suffix or a label marks a variant (version, track, stage, canary) while no
    component label sets it apart, so an umbrella label (`app: shop` on `shop-api` and `shop-worker`)
    never merges two services.
    """
    for sid in sorted(ctx.services):
        svc = ctx.services[sid]
        if not svc.workloads or any(w.source != "kubernetes" for w in svc.workloads):
            continue
        labels = dict(svc.workloads[0].labels)
        identity = next((labels[k] for k in IDENTITY_LABELS if labels.get(k)), "")
        m = re.fullmatch(re.escape(identity) + r"[-_.](.+)", sid) if identity else None
        if m is None or identity in ctx.stores or any(k in labels for k in COMPONENT_LABELS):
            continue
        if not (_VARIANT_SUFFIX.fullmatch(m.group(1)) or any(k in labels for k in VARIANT_LABELS)):
            continue
        target = ctx.services.setdefault(identity, _Svc(identity))
        target.workloads.extend(svc.workloads)
        target.aliases.update(svc.aliases | {sid})
        del ctx.services[sid]


def _workload_service(ctx: _Ctx, name: str) -> _Svc | None:
    """The service a workload of this name was resolved into (itself, or the service it is a variant of)."""
    return ctx.services.get(name) or next((s for s in ctx.services.values()
                                           if any(w.name == name for w in s.workloads)), None)


def _find_service(ctx: _Ctx, name: str) -> _Svc | None:
    if name in ctx.services:
        return ctx.services[name]
    n = norm(name)
    for svc in ctx.services.values():
        if norm(svc.id) == n or any(norm(a) == n for a in svc.aliases):
            return svc
    return None


def _source_paths(ctx: _Ctx) -> None:
    skaffold = {}
    for f in ctx.facts.values():
        if f.deploy is not None:
            for image, context in f.deploy.skaffold_artifacts:
                skaffold[image_name(image)] = context
    # kustomize `images:` renames (name -> newName): the built image a skaffold artifact or registry knows
    renames = {image_name(name): new for f in ctx.facts.values() if f.deploy is not None and f.deploy.kustomization
               for name, new in f.deploy.kustomization.images}
    dockerfile_dirs = {posixpath.dirname(p) for p, f in ctx.facts.items() if f.kind == "dockerfile"}
    by_base: dict[str, list[str]] = defaultdict(list)
    for d in ctx.directories | dockerfile_dirs:
        by_base[norm(posixpath.basename(d))].append(d)
    for svc in ctx.services.values():
        for w in svc.workloads:
            if w.build_context and svc.path is None:
                svc.path = _code_dir(ctx, w)
        if svc.path is None:
            for w in svc.workloads:
                if w.image and image_name(renames.get(image_name(w.image), "")) in skaffold:
                    svc.path = skaffold[image_name(renames[image_name(w.image)])]
                    break
                if w.image and image_name(w.image) in skaffold:
                    svc.path = skaffold[image_name(w.image)]
                    break
        if svc.path is None:
            names = [svc.id] + [image_name(w.image) for w in svc.workloads if w.image]
            for name in names:
                candidates = sorted(by_base.get(norm(name), []),
                                    key=lambda d: (d not in dockerfile_dirs, d.count("/"), d))
                if candidates:
                    svc.path = candidates[0]
                    break
        if svc.path is None and svc.contract is not None:
            svc.path = svc.contract.path
        if svc.path is not None:
            svc.path = "" if svc.path in (".", "./") else svc.path.strip("/")
            svc.aliases.add(posixpath.basename(svc.path) or svc.id)
        for w in svc.workloads:
            if w.image:
                svc.aliases.add(image_name(w.image))
                if image_name(w.image) in renames:
                    svc.aliases.add(image_name(renames[image_name(w.image)]))


def _code_dir(ctx: _Ctx, w: Workload) -> str:
    """A build's source directory: its context, or the Dockerfile's own directory when the context is
    a shared parent (`context: .`, `dockerfile: src/cart/Dockerfile`) and code sits beside that
    Dockerfile. A Dockerfile kept apart from the code (`docker/web.Dockerfile`) leaves the context."""
    context = "" if w.build_context in (".", "./") else w.build_context
    directory = posixpath.dirname(w.dockerfile) if w.dockerfile else ""
    if not directory or directory == context or not (context == "" or directory.startswith(context + "/")):
        return w.build_context
    if any(d == directory or d.startswith(directory + "/") for d in ctx.languages) or any(
            p.startswith(directory + "/") and f.kind not in ("dockerfile", "shell", "envfile")
            for p, f in ctx.facts.items()):
        return directory
    return w.build_context


def _attribute_files(ctx: _Ctx) -> None:
    paths = sorted({s.path for s in ctx.services.values() if s.path is not None}, key=len, reverse=True)
    by_path: dict[str, list[_Svc]] = defaultdict(list)
    for svc in ctx.services.values():
        by_path[svc.path].append(svc)
    for path, f in sorted(ctx.facts.items()):
        if not (f.kind == "python" and f.python is not None or f.messages):
            continue
        owner = next((p for p in paths if p == "" or path.startswith(p + "/")), None)
        if owner is None:
            continue
        for svc in by_path[owner]:
            bucket = svc.files if f.kind == "python" else svc.sources
            if path not in bucket:
                bucket.append(path)


# ---------------------------------------------------------------------------------------------- environment


def _environment(ctx: _Ctx) -> None:
    configmaps = {}
    env_files = {}
    for f in ctx.facts.values():
        if f.kind == "envfile":
            env_files[f.path] = f
    for f in sorted(ctx.facts.values(), key=lambda f: f.path):
        if f.deploy is None:
            continue
        for cm in f.deploy.configmaps:
            configmaps.setdefault(cm.name, (_generated(cm, env_files), f.path))
    for svc in ctx.services.values():
        env: dict[str, tuple[str, str, int]] = {}
        if svc.path is not None:
            for path, f in ctx.facts.items():
                if f.kind == "dockerfile" and f.deploy is not None and posixpath.dirname(path) == svc.path:
                    for e in f.deploy.dockerfile_env:
                        if e.value is not None:
                            env[e.name] = (e.value, path, e.line)
        for w in svc.workloads:
            dotenv = _dotenv(ctx, w) if w.source == "compose" else {}
            for e in w.env:
                svc.env_set[e.name] = (w.file, e.line)
            for ref in w.env_from:
                kind, _, name = ref.partition("/")
                name, _, prefix = name.partition("?prefix=")
                if kind == "secret" or (kind == "configmap" and name not in configmaps):
                    svc.env_set["*"] = (w.file, w.line)   # keys svclint cannot see
                if kind == "configmap" and name in configmaps:
                    cm, cm_path = configmaps[name]
                    for k, v in cm.data:
                        env[prefix + k] = (v, cm_path, cm.line)
                elif kind == "file" and name in env_files and env_files[name].deploy is not None:
                    for e in env_files[name].deploy.dockerfile_env:  # type: ignore[union-attr]
                        if e.value is not None:
                            env[e.name] = (_interpolate(e.value, dotenv), name, e.line)
            for e in w.env:
                if e.value is not None:
                    env[e.name] = (_interpolate(e.value, dotenv) if w.source == "compose" else e.value,
                                   w.file, e.line)
                elif w.source == "compose" and e.name in dotenv and not (e.secret_ref or e.configmap_ref):
                    # a bare `- NAME` passes the variable through from the project environment (.env)
                    env[e.name] = (_interpolate(dotenv[e.name], dotenv), w.file, e.line)
                elif e.configmap_ref:
                    cm_name, _, key = e.configmap_ref.partition("/")
                    if cm_name in configmaps:
                        value = dict(configmaps[cm_name][0].data).get(key)
                        if value is not None:
                            env[e.name] = (value, w.file, e.line)
        # k8s-style $(VAR) references between env entries
        for k, (v, path, line) in list(env.items()):
            if "$(" in v:
                env[k] = (re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), (m.group(0),))[0], v), path, line)
        svc.env = env
        for k, (_, path, line) in env.items():
            svc.env_set.setdefault(k, (path, line))


def _generated(cm: ConfigMap, env_files: dict[str, FileFacts]) -> ConfigMap:
    """A kustomize-generated ConfigMap with its `envs` files read (their entries stand for the file)."""
    if not any(k == "@envfile" for k, _ in cm.data):
        return cm
    data: list[tuple[str, str]] = []
    for k, v in cm.data:
        if k != "@envfile":
            data.append((k, v))
        elif v in env_files and env_files[v].deploy is not None:
            data.extend((e.name, e.value) for e in env_files[v].deploy.dockerfile_env  # type: ignore[union-attr]
                        if e.value is not None)
    return replace(cm, data=tuple(data))


def _dotenv(ctx: _Ctx, w: Workload) -> dict[str, str]:
    f = ctx.facts.get(posixpath.join(posixpath.dirname(w.file), ".env") if posixpath.dirname(w.file) else ".env")
    if f is None or f.deploy is None:
        return {}
    return dict(f.deploy.env_file)


def _interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR}` and `$VAR` from .env."""
    def sub(m: re.Match) -> str:
        body = m.group(1) if m.group(1) is not None else m.group(2)
        parts = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$", body, re.S)
        if parts is None:
            return m.group(0)
        name, op, default = parts.group(1), parts.group(2) or "", parts.group(3) or ""
        present = name in variables and (variables[name] != "" or not op.startswith(":"))
        if op.endswith("+"):
            return default if present else ""
        if present:
            return variables[name]
        return default if op.endswith("-") else "${%s}" % name
    return re.sub(r"\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", sub,
                  value.replace("$$", "\0")).replace("\0", "$")


# ---------------------------------------------------------------------------------------------- hosts


def _host_index(ctx: _Ctx) -> None:
    for svc in ctx.services.values():       # a service's own name first: it beats another's alias
        ctx.hosts.setdefault(svc.id, svc.id)
    for svc in ctx.services.values():
        for name in sorted(svc.aliases):
            ctx.hosts.setdefault(name, svc.id)
    for sid in ctx.stores:
        ctx.hosts.setdefault(sid, sid)
    for f in _deploy_files(ctx):
        for ks in f.deploy.services:  # type: ignore[union-attr]
            target = _selected(ctx, dict(ks.selector), ks.namespace)
            if target is not None:
                ctx.hosts[ks.name] = target
    for name, node_id in list(ctx.hosts.items()):
        if node_id in ctx.stores:
            ctx.store_hosts.add(name)


def _selected(ctx: _Ctx, selector: dict[str, str], namespace: str) -> str | None:
    if not selector:
        return None
    if ctx.by_label is None:
        # indexed once: scanning every workload for each Service made many Deployments quadratic
        ctx.by_label = {}
        for f in _deploy_files(ctx):
            for w in f.deploy.workloads:  # type: ignore[union-attr]
                for pair in dict(w.labels).items():
                    ctx.by_label.setdefault(pair, []).append(w)
    candidates = min((ctx.by_label.get(pair, []) for pair in selector.items()), key=len)
    for w in candidates:
        labels = dict(w.labels)
        if all(labels.get(k) == v for k, v in selector.items()):
            if w.name in ctx.stores:
                return w.name
            svc = _workload_service(ctx, w.name)
            if svc is not None:
                return svc.id
            tp = third_party(w.image)
            if tp and tp[0] in ("datastore", "broker"):
                ctx.stores.setdefault(w.name, Node(w.name, tp[0], tp[1]))
                return w.name
    return None


def lookup_host(ctx: _Ctx, host: str) -> str | None:
    host = host.lower().rstrip(".")
    if host in ctx.hosts:
        return ctx.hosts[host]
    short = host.split(".", 1)[0]
    if host.endswith((".svc", ".svc.cluster.local", ".cluster.local")) or re.fullmatch(r"[\w-]+\.[\w-]+", host) \
            and short in ctx.hosts and not _public(host):
        return ctx.hosts.get(short)
    for name, node in ctx.hosts.items():
        if name.lower() == host:
            return node
    return None


def _public(host: str) -> bool:
    return bool(re.search(r"\.(com|org|net|io|dev|app|co|cloud|ai|googleapis\.com|amazonaws\.com)$", host))


# ---------------------------------------------------------------------------------------------- values


def substitute(template: str, env: dict[str, tuple[str, str, int]], constants: dict[str, str],
               depth: int = 0) -> str:
    """Finish folding a template: environment of the deployment, then defaults, then other modules."""
    if "${" not in template or depth > 8:
        return template

    def sub(m: re.Match) -> str:
        body = m.group(1)
        if body == "?":
            return "${?}"
        if body.startswith("ref:"):
            value = _constant(body[4:], constants)
            return substitute(value, env, constants, depth + 1) if value is not None else "${?}"
        name, sep, default = body.partition(":-")
        if name in env:
            return env[name][0]
        if sep:
            return substitute(default, env, constants, depth + 1)
        return "${?}"
    return _PLACEHOLDER.sub(sub, template)


class Constants(dict):
    """`module::name` -> value, as a service's code can import them; also indexed by name (a service
    that folds many references would otherwise scan every constant of the repository for each)."""

    @functools.cached_property
    def default_queue(self) -> str:
        """Celery's default queue (see `default_queue`), worked out once: every task call asks."""
        return _default_queue(self)

    @functools.cached_property
    def by_name(self) -> dict[str, list[tuple[str, str]]]:
        """name -> [(module, value)], in the order of the mapping."""
        out: dict[str, list[tuple[str, str]]] = {}
        for key, value in self.items():
            mod, _, rest = key.partition("::")
            out.setdefault(rest, []).append((mod, value))
        return out


def _constant(ref: str, constants: dict[str, str]) -> str | None:
    """`pkg.config.settings.url` -> the value some module of the service binds it to (suffix match)."""
    if ref in constants:
        return constants[ref]
    if not isinstance(constants, Constants):
        constants = Constants(constants)
    parts = ref.split(".")
    for cut in range(1, len(parts)):
        module, name = ".".join(parts[:cut]), ".".join(parts[cut:])
        for mod, value in constants.by_name.get(name, ()):
            if mod == module or mod.endswith("." + module) or module.endswith("." + mod):
                return value
    if ref.startswith("django.conf.settings."):
        # Django's lazy settings object: the service's settings module(s) (`settings.py`, `settings/base.py`)
        name = ref[len("django.conf.settings."):]
        found = sorted((mod, value) for mod, value in constants.by_name.get(name, ())
                       if re.search(r"(^|\.)settings($|\.)", mod))
        return found[0][1] if found else None
    if ref.endswith(".value"):     # an Enum member of another module: `Topics.ORDERS.value`
        return _constant(ref[: -len(".value")], constants)
    return None


def _code_indexes(ctx: _Ctx) -> None:
    """What every service's resolution looks up across the others' code, computed once."""
    owned: set[str] = set()
    for svc in sorted(ctx.services.values(), key=lambda s: s.id):
        owned.update(svc.files)
        for path in svc.files:
            py = ctx.facts[path].python
            if py is None:
                continue
            for servicer in py.grpc_servicers:
                ctx.servicers.setdefault(servicer, svc.id)
            if py.nameko_name:
                ctx.nameko.setdefault(py.nameko_name, svc.id)
    for path, f in sorted(ctx.facts.items()):
        py = f.python
        if py is None:
            continue
        if path not in owned:
            for c in py.constants:
                ctx.shared.setdefault(f"{py.module}::{c.name}", c.value)
        if py.generated:
            for full in py.grpc_services:
                ctx.proto.setdefault(full.rsplit(".", 1)[-1], full)


def _service_constants(ctx: _Ctx, svc: _Svc) -> dict[str, str]:
    """Constants a service's code can import: its own modules first, then shared ones (libs/, common/)."""
    consts = Constants()
    for path in svc.files:
        py = ctx.facts[path].python
        if py is not None:
            for c in py.constants:
                consts.setdefault(f"{py.module}::{c.name}", c.value)
    for key, value in ctx.shared.items():
        consts.setdefault(key, value)
    return consts


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: str
    path: str


def parse_target(value: str) -> Target | None:
    value = value.strip()
    if not value or value.startswith("${?}") and "://" not in value:
        return None
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://(?:[^@/]*@)?(\[[^\]]+\]|[^/:?#]*)(?::([^/?#]*))?([^?#]*)", value)
    if m:
        return Target(m.group(1).lower(), m.group(2).lower(), m.group(3) or "", m.group(4) or "")
    if value.startswith(("/", "${?}")):
        return None
    m = re.match(r"^(\[[^\]]+\]|[A-Za-z0-9_.-]+)(?::([0-9]+|\$\{\?\}))?(/.*)?$", value)
    if m:
        return Target("", m.group(1).lower(), m.group(2) or "", m.group(3) or "")
    return None


# ---------------------------------------------------------------------------------------------- edges


def _add_edge(ctx: _Ctx, source: str, target: str, kind: str, protocol: str, origin: str,
              evidence: Evidence | None) -> None:
    if source == target and kind == "call":
        return
    key = (source, target, kind, protocol)
    origins, evidences = ctx.edges.setdefault(key, (set(), set()))
    origins.add(origin)
    if evidence is not None:
        evidences.add(evidence)


_CELERY = re.compile(r"\bcelery\b.*?\b(worker|beat|flower)\b")
# launcher scripts named after the process they start: /start-celeryworker, run_celery_beat.sh
_LAUNCHER = re.compile(r"celery[-_]?(worker|beat|flower)|\b(flower)\b", re.I)


def role(svc: _Svc) -> str:
    """web | worker | beat | monitor: which process of a codebase a deployment runs (from its command)."""
    for w in svc.workloads:
        m = _CELERY.search(w.command)
        if m is None:
            first = w.command.split()[0] if w.command.split() else ""
            m = _LAUNCHER.search(posixpath.basename(first))
        if m:
            found = (m.group(1) or m.group(2) or "").lower() if m.re is _LAUNCHER else m.group(1)
            return "monitor" if found == "flower" else found
    return "web"


_DEFAULT_QUEUE = re.compile(r"(?:^|[._])task_default_queue$", re.I)


def default_queue(constants: dict[str, str]) -> str:
    """Celery's default queue as the code configures it (`task_default_queue`), else `celery`."""
    if isinstance(constants, Constants):
        return constants.default_queue
    return _default_queue(constants)


def _default_queue(constants: dict[str, str]) -> str:
    for key, value in sorted(constants.items()):
        if _DEFAULT_QUEUE.search(key.partition("::")[2]) and "${" not in value and value:
            return value
    return "celery"


def _worker_queues(svc: _Svc, constants: dict[str, str]) -> list[str]:
    for w in svc.workloads:
        m = re.search(r"(?:-Q|--queues)[ =]([\w,.-]+)", w.command)
        if m:
            return sorted(q for q in m.group(1).split(",") if q)
    return [default_queue(constants)]


def _runs(svc: _Svc, siblings: bool, py: PythonFacts, call: CallSite) -> bool:
    """Whether this process executes the call site, when one codebase is deployed as several processes.

    A Celery worker runs task bodies; beat only schedules; the web process runs the rest.
    """
    if not siblings:
        return True
    in_task = call.function.split(".")[0] in py.celery_tasks
    r = role(svc)
    if r in ("beat", "monitor"):
        return False
    return in_task if r == "worker" else not in_task


def _code_edges(ctx: _Ctx, svc: _Svc) -> None:
    constants = _service_constants(ctx, svc)
    siblings = any(o is not svc and o.path == svc.path and o.path is not None for o in ctx.services.values())
    for path in svc.files:
        py = ctx.facts[path].python
        if py is None or py.generated:
            continue
        for call in py.calls:
            if _runs(svc, siblings, py, call):
                for expanded in _through_wrappers(ctx, svc, py, call):
                    _call_edge(ctx, svc, path, expanded, constants)
    for path in svc.sources:
        for call in ctx.facts[path].messages:
            _call_edge(ctx, svc, path, call, constants)
    r = role(svc)
    for w in svc.workloads[:1]:
        ev = Evidence(w.file, w.line)
        if r == "worker":
            for queue in _worker_queues(svc, constants):
                ctx.channels.setdefault(queue, _broker_type(ctx, svc))
                _add_edge(ctx, queue, svc.id, "subscribe", _broker_type(ctx, svc), "config", ev)
        # beat publishes what its schedule names; svclint does not read schedules yet, so it draws no
        # edge rather than guess one


_WRAPPED = re.compile(r"\$\{(param|init):(\w+)\}")


def _through_wrappers(ctx: _Ctx, svc: _Svc, py: PythonFacts, call: CallSite) -> list[CallSite]:
    """A call site inside a project wrapper, once for each caller elsewhere in the service, with the
    values those callers pass; with no caller, its target is unknown (`${?}`)."""
    text = call.target + call.channel
    if "${param:" not in text and "${init:" not in text:
        return [call]
    out = []
    for wrapper in py.wrappers:
        is_init = "${init:" in text
        if (wrapper.name != call.function) if not is_init else not call.function.startswith(wrapper.name + "."):
            continue
        full = f"{py.module}.{wrapper.name}"
        # a constructor's parameters come from the callers of the class
        full = full[: -len(".__init__")] if full.endswith(".__init__") else full
        for path in svc.files:
            other = ctx.facts[path].python
            for pc in other.project_calls if other is not None else ():
                if not (pc.callee == full or full.endswith("." + pc.callee) or pc.callee.endswith("." + full)):
                    continue
                args = {wrapper.positional[int(k)] if k.isdigit() and int(k) < len(wrapper.positional) else k: v
                        for k, v in pc.args}

                def sub(value: str, args: dict[str, str] = args) -> str:
                    return _WRAPPED.sub(lambda m: args.get(m.group(2), "${?}"), value)
                out.append(replace(call, target=sub(call.target), channel=sub(call.channel)))
    if not out:
        out.append(replace(call, target=_WRAPPED.sub("${?}", call.target), channel=_WRAPPED.sub("${?}", call.channel)))
    return sorted(set(out), key=lambda c: (c.target, c.channel))


def _broker_type(ctx: _Ctx, svc: _Svc) -> str:
    for name, (value, _, _) in sorted(svc.env.items()):
        t = parse_target(value)
        if t is None:
            continue
        kind = SCHEMES.get(t.scheme, "")
        # a broker URL may name redis (Celery), which is otherwise a datastore scheme
        if kind in BROKER_TYPES or (kind and "BROKER" in name.upper()):
            return kind
    brokers = sorted({n.type for n in ctx.stores.values() if n.kind == "broker"})
    return brokers[0] if len(brokers) == 1 else "rabbitmq"


def resolved_target(ctx: _Ctx, svc: _Svc, call: CallSite, constants: dict[str, str]) -> str:
    target = call.target
    if target.startswith("${LOCUST_HOST}") and "LOCUST_HOST" not in svc.env:
        host = _host_flag(ctx, svc)
        if host:
            target = host.rstrip("/") + target[len("${LOCUST_HOST}"):]
    return substitute(target, svc.env, constants)


_HOST_FLAG = re.compile(r"""(?:--host[= ]|\s-H\s+)["']?([^"'\s]+)""")


def start_commands(facts: Iterable[FileFacts], workloads: Iterable[Workload], path: str | None) -> list[str]:
    """How a service is started: its deployments' commands, its Dockerfiles' CMD/ENTRYPOINT and the
    command lines of its shell scripts (the ones that name a host)."""
    commands = [w.command for w in workloads]
    if path is None:
        return commands
    mine = [f for f in facts if f.deploy is not None and f.kind in ("dockerfile", "shell") and
            (path == "" or f.path.startswith(path + "/"))]
    commands += [f.deploy.dockerfile_cmd for f in sorted(mine, key=lambda f: f.path)]
    return commands


def _host_flag(ctx: _Ctx, svc: _Svc) -> str:
    """The `--host` a load generator is started with."""
    for command in start_commands(ctx.facts.values(), svc.workloads, svc.path):
        m = _HOST_FLAG.search(command or "")
        if m:
            # shell variables become environment placeholders
            return re.sub(r"\$\{?([A-Za-z_]\w*)\}?", r"${\1}", m.group(1))
    return ""


def _call_edge(ctx: _Ctx, svc: _Svc, path: str, call: CallSite, constants: dict[str, str]) -> None:
    ev = Evidence(path, call.line)
    if call.kind in ("http", "grpc"):
        node = None
        value = resolved_target(ctx, svc, call, constants)
        target = parse_target(value)
        if target is not None and target.host not in LOCAL_HOSTS and "${" not in target.host:
            node = lookup_host(ctx, target.host)
            if node is None and "." in target.host and not re.fullmatch(r"[\d.]+", target.host):
                node = target.host
                ctx.externals.add(node)
        if node is None and call.kind == "grpc" and call.stub:
            servicer = call.stub[:-4] if call.stub.endswith("Stub") else call.stub
            node = ctx.servicers.get(servicer)
        local = target is not None and target.host in LOCAL_HOSTS
        if local and node is None and target.port in ctx.local_ports:   # type: ignore[union-attr]
            node = ctx.local_ports[target.port]   # type: ignore[union-attr]
        ctx.targets.add((path, call.line, svc.id, value, node or ("local" if local else "")))
        if node is None:
            return
        if node in ctx.stores:
            _add_edge(ctx, svc.id, node, "datastore", ctx.stores[node].type, "code", ev)
        else:
            _add_edge(ctx, svc.id, node, "call", call.kind, "code", ev)
        return
    if call.kind == "rpc" and call.library == "nameko":
        node = ctx.nameko.get(call.stub) or (_find_service(ctx, call.stub).id if _find_service(ctx, call.stub) else None)
        if node is not None:
            _add_edge(ctx, svc.id, node, "call", "amqp-rpc", "code", ev)
        return
    if call.kind in ("publish", "consume"):
        channel = substitute(call.channel, svc.env, constants)
        if call.library == "celery" and channel == "celery":
            channel = default_queue(constants)
        if not channel or "${?}" in channel:
            return
        broker = _broker_type(ctx, svc) if call.library == "celery" else \
            (_LIB_BROKER.get(call.library) or (call.channel if call.library == "boto3" else ""))
        ctx.channels.setdefault(channel, broker)
        if call.kind == "publish":
            _add_edge(ctx, svc.id, channel, "publish", broker, "code", ev)
        else:
            _add_edge(ctx, channel, svc.id, "subscribe", broker, "code", ev)
        return
    if call.kind == "db":
        value = resolved_target(ctx, svc, call, constants)
        node = _datastore_node(ctx, value, call.channel)
        target = parse_target(value)
        local = target is not None and target.host in LOCAL_HOSTS
        ctx.targets.add((path, call.line, svc.id, value, node or ("local" if local else "")))
        if node is not None:
            _add_edge(ctx, svc.id, node, "datastore", ctx.stores[node].type, "code", ev)


def _datastore_node(ctx: _Ctx, value: str, dtype: str) -> str | None:
    target = parse_target(value)
    scheme_type = SCHEMES.get(target.scheme, "") if target else ""
    dtype = scheme_type or dtype
    if target is not None and target.host and "${" not in target.host:
        node = lookup_host(ctx, target.host)
        if node is not None and node in ctx.stores:
            return node
        if node is not None:
            return None
        if dtype and target.host not in LOCAL_HOSTS:
            ctx.stores.setdefault(target.host, Node(target.host, "broker" if dtype in BROKER_TYPES else "datastore",
                                                    dtype))
            return target.host
    if dtype in ("sqlite",):
        ctx.stores.setdefault("sqlite", Node("sqlite", "datastore", "sqlite"))
        return "sqlite"
    if dtype:
        candidates = [n for n in ctx.stores.values() if n.type == dtype]
        if len(candidates) == 1:
            return candidates[0].id
        if not candidates and dtype not in BROKER_TYPES:
            ctx.stores.setdefault(dtype, Node(dtype, "datastore", dtype))
            return dtype
    return None


def _config_edges(ctx: _Ctx, svc: _Svc) -> None:
    """Edges only the deployment shows: env values naming another service or a datastore."""
    read = set()
    python = False
    for path in svc.files:
        py = ctx.facts[path].python
        if py is not None and not py.generated:
            python = True
            read.update(e.name for e in py.env_reads)
            read.update(m.group(1).partition(":-")[0] for c in py.constants
                        for m in _PLACEHOLDER.finditer(c.value))
    for w in svc.workloads:
        for dep in w.depends_on:
            node = ctx.hosts.get(dep)
            if node in ctx.stores and ctx.stores[node].kind == "datastore":
                _add_edge(ctx, svc.id, node, "datastore", ctx.stores[node].type, "config", Evidence(w.file, w.line))
    for name, (value, file, line) in sorted(svc.env.items()):
        if NOT_A_DEPENDENCY.search(name):
            continue
        target = parse_target(value)
        if target is None or not target.host or target.host in LOCAL_HOSTS:
            continue
        node = lookup_host(ctx, target.host)
        if node is None or node == svc.id:
            continue
        ev = Evidence(file, line)
        if node in ctx.stores:
            if ctx.stores[node].kind == "datastore":
                _add_edge(ctx, svc.id, node, "datastore", ctx.stores[node].type, "config", ev)
            continue
        if python and name not in read:
            continue
        if python:
            # the code reads it: the code edge (if any) carries the protocol; add config as provenance
            for key in list(ctx.edges):
                if key[0] == svc.id and key[1] == node and key[2] == "call":
                    ctx.edges[key][0].add("config")
                    ctx.edges[key][1].add(ev)
            continue
        protocol = "http" if target.scheme.startswith("http") else _protocol_of(ctx, node)
        _add_edge(ctx, svc.id, node, "call", protocol, "config", ev)


def _protocol_of(ctx: _Ctx, sid: str) -> str:
    svc = ctx.services.get(sid)
    if svc is None:
        return "http"
    for w in svc.workloads:
        if any(p.type == "grpc" for p in w.probes) or any("grpc" in p for p in w.ports):
            return "grpc"
    for path in svc.files:
        py = ctx.facts[path].python
        if py is not None and py.grpc_servicers:
            return "grpc"
    return "http"


def _gateway_edges(ctx: _Ctx) -> None:
    for path, f in sorted(ctx.facts.items()):
        if f.deploy is None or not f.deploy.routes:
            continue
        owners = [s for s in ctx.services.values() if s.path is not None and
                  (s.path == "" or path.startswith(s.path + "/"))]
        owners.sort(key=lambda s: len(s.path or ""), reverse=True)
        for route in f.deploy.routes:
            source = ctx.services.get(route.gateway) if route.gateway else (owners[0] if owners else None)
            if source is None:
                continue
            value = substitute(re.sub(r"\$\{(\w+)\}", r"${\1}", route.upstream), source.env, {})
            target = parse_target(value if "://" in value or ":" in value else value)
            if target is None or "${" in target.host:
                continue
            node = lookup_host(ctx, target.host)
            if node is None or node == source.id or node in ctx.stores:
                continue
            _add_edge(ctx, source.id, node, "call", "http", "config", Evidence(path, route.line))


# ---------------------------------------------------------------------------------------------- output


def _normalise_route(path: str) -> str:
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", path)
    path = re.sub(r"\{([^{}:]+):[^{}]*\}", r"{\1}", path)
    path = re.sub(r"(?<=/):([A-Za-z_]\w*)", r"{\1}", path)
    return path if path.startswith("/") else "/" + path


def _build(ctx: _Ctx) -> Architecture:
    services = []
    file_service: dict[str, list[str]] = defaultdict(list)
    for svc in sorted(ctx.services.values(), key=lambda s: s.id):
        for p in svc.files:
            file_service[p].append(svc.id)
        services.append(_service(ctx, svc))
    nodes: dict[str, Node] = {}
    used = {k[1] for k in ctx.edges} | {k[0] for k in ctx.edges}
    for sid, node in ctx.stores.items():
        nodes[sid] = node
    for ch, broker in ctx.channels.items():
        if ch not in nodes:
            nodes[ch] = Node(ch, "channel", broker=broker)
    for ext in ctx.externals:
        if ext not in nodes and ext in used:
            nodes[ext] = Node(ext, "external")
    edges = tuple(Edge(s, t, k, p, tuple(sorted(o)), tuple(sorted(ev, key=lambda e: (e.file, e.line))))
                  for (s, t, k, p), (o, ev) in sorted(ctx.edges.items()))
    events: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        if e.kind == "publish":
            events[e.source].add(e.target)
    services = [replace(s, events=tuple(sorted(events.get(s.id, ())))) for s in services]
    env = tuple((s.id, tuple(sorted((k, v[0]) for k, v in s.env.items()))) for s in
                sorted(ctx.services.values(), key=lambda s: s.id))
    sources = tuple(sorted((s.id, k, f, line) for s in ctx.services.values() for k, (f, line) in s.env_set.items()))
    workloads = tuple(sorted((w for s in ctx.services.values() for w in s.workloads),
                             key=lambda w: (w.file, w.line, w.name, w.container)))
    return Architecture(tuple(services), tuple(sorted(nodes.values(), key=lambda n: n.id)), edges,
                        tuple(sorted((k, tuple(sorted(v))) for k, v in file_service.items())), env,
                        tuple(sorted(ctx.targets)), tuple(sorted(ctx.hosts.items())), sources, workloads)


def _service(ctx: _Ctx, svc: _Svc) -> Service:
    pys: list[PythonFacts] = [ctx.facts[p].python for p in svc.files  # type: ignore[misc]
                              if ctx.facts[p].python is not None and not ctx.facts[p].python.generated]
    # only the web process of a codebase serves its routes (a worker runs the same code, not the server)
    routes = compose_routes(pys) if role(svc) == "web" else []
    http = sorted({f"{r.method} {_normalise_route(r.path)}" for r in routes
                   if r.method not in ("RPC", "INCLUDE", "GRPC")})
    rpc = sorted({r.path for r in routes if r.method == "RPC"})
    grpc = sorted({ctx.proto.get(s, s) for py in pys for s in py.grpc_servicers})
    probe_paths = {p.path.rstrip("/") or "/" for w in svc.workloads for p in w.probes if p.type == "http" and p.path}
    health = sorted({_normalise_route(r.path) for r in routes
                     if r.method in ("GET", "*", "HEAD") and (_HEALTH.match(r.path.strip()) or
                                                              (_normalise_route(r.path).rstrip("/") or "/") in probe_paths)})
    if any(py.grpc_health for py in pys):
        health.append("grpc.health.v1")
    frameworks = sorted({fw for py in pys for fw in py.frameworks})
    commands = " ".join(w.command for w in svc.workloads)
    framework = _framework(frameworks, commands, role(svc))
    language = "python" if pys else _language(ctx, svc)
    logging = "structured" if any(py.logging == "structured" for py in pys) else \
        ("plain" if any(py.logging == "plain" for py in pys) else "none")
    replicas = [w.replicas for w in svc.workloads if w.replicas is not None]
    names = {svc.id, *(w.name for w in svc.workloads)}
    autoscaled = any(a.target_name in names for f in _deploy_files(ctx) for a in f.deploy.autoscalers)  # type: ignore[union-attr]
    return Service(
        id=svc.id, path=svc.path, language=language, framework=framework,
        aliases=tuple(sorted(a for a in svc.aliases if a != svc.id)),
        health_endpoints=tuple(health), http=tuple(http), grpc=tuple(grpc), rpc=tuple(rpc),
        workloads=tuple(sorted(f"{w.file}:{w.line}" for w in svc.workloads)), files=tuple(svc.files),
        logging=logging, tracing=any(py.tracing for py in pys), metrics=any(py.metrics for py in pys),
        replicas=max(replicas) if replicas else None, autoscaled=autoscaled, role=role(svc))


def _framework(frameworks: list[str], command: str, process: str = "web") -> str:
    if process != "web" or re.search(r"\bcelery\b.*\b(worker|beat)\b", command):
        return "celery"
    for fw in ("django", "fastapi", "flask", "aiohttp", "starlette", "tornado", "sanic", "quart", "nameko", "grpc"):
        if fw in frameworks:
            return fw
    return frameworks[0] if frameworks else "none"


def _language(ctx: _Ctx, svc: _Svc) -> str:
    if svc.path is None:
        return "none"
    best = None
    for directory, lang in ctx.languages.items():
        if directory == svc.path or directory.startswith(svc.path + "/") or svc.path == "":
            if best is None or len(directory) < len(best[0]):
                best = (directory, lang)
    if best:
        return best[1]
    for path, f in ctx.facts.items():
        if f.kind == "dockerfile" and posixpath.dirname(path) == svc.path and f.deploy is not None:
            base = image_name(f.deploy.dockerfile_base)
            if base in ("nginx", "openresty", "httpd", "caddy", "envoy", "haproxy", "traefik"):
                return "nginx" if base in ("nginx", "openresty") else base
            if base.startswith("python"):
                return "python"
    return "unknown"

"""The data every stage passes on: frozen, plain, picklable, JSON round-trippable.

Facts come out of `extract` (one file each, no cross-file knowledge); the `Architecture` comes out of
`resolve`; `Finding`s come out of the rules. No CST node or YAML node ever lives in here, so facts can
be cached by content hash and shipped between processes.

Values that come from code are *templates*: strings in which the parts that could not be folded in
the file itself are written as placeholders, so that `resolve` can finish the job with knowledge of
the whole repository:

    ${NAME}            environment variable NAME, no default in code
    ${NAME:-default}   environment variable NAME with the default the code gives
    ${ref:mod.ATTR}    a name imported from / defined in another module (module constant, settings field)
    ${?}               something that cannot be known statically
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import typing
from dataclasses import dataclass
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


# ----------------------------------------------------------------------------------------------
# per-file facts: Python


@dataclass(frozen=True)
class Import:
    module: str           # absolute dotted module as written ("a.b"), or relative with leading dots
    names: tuple[str, ...]  # names imported from it (empty for `import a.b`)
    line: int
    column: int = 0


@dataclass(frozen=True)
class Route:
    method: str           # GET, POST, ... or "*" when any method; "GRPC" for gRPC services, "RPC" for nameko rpc
    path: str             # as written, prefixes applied where the file shows them
    framework: str        # fastapi, flask, django, aiohttp, starlette, tornado, grpc, nameko
    line: int
    handler: str = ""     # qualified function name, when known; INCLUDE: the included urls module
    router: str = ""      # qualified name of the app/router/blueprint object the route hangs on
    # Two pseudo-methods carry what resolve needs to compose paths across modules:
    #   PREFIX: `router` was created with prefix `path` (APIRouter(prefix=), Blueprint(url_prefix=))
    #   MOUNT:  `router` is mounted on `handler` at `path` (include_router, register_blueprint)


@dataclass(frozen=True)
class CallSite:
    """One outbound network operation in Python code."""
    library: str          # requests, httpx, aiohttp, urllib, grpc, kafka-python, confluent-kafka, aiokafka,
                          # pika, aio-pika, kombu, celery, nameko, redis, sqlalchemy, psycopg, pymongo, boto3, ...
    kind: str             # http | grpc | publish | consume | rpc | db
    line: int
    column: int
    operation: str = ""   # get/post/..., stub method, "send", "subscribe", "connect", ...
    target: str = ""      # folded template of the URL / host / DSN / topic ("" when none is visible)
    channel: str = ""     # topic / queue / exchange / routing key / event name (templates)
    stub: str = ""        # gRPC stub class (e.g. "CartServiceStub") or nameko target service name
    timeout: bool | None = None   # True: a timeout applies; False: none applies; None: cannot tell
    timeout_value: float | None = None
    retry: bool = False
    backoff: bool = False
    circuit_breaker: bool = False
    in_async: bool = False
    function: str = ""    # enclosing function qualified name
    in_try: bool = False  # wrapped in try/except in its function
    handled: bool = False # in a try with an except clause that does not re-raise (a fallback or default)
    symbol: str = ""      # stable description for fingerprints: "requests.get"
    discarded: bool = False   # a statement of its own: the result (response, reply) is never looked at
    blocking: bool = False    # a synchronous client: the call blocks its thread until the peer answers
    # resilience and observability around the call (RES002-RES007, OBS005)
    retry_via: str = ""           # tenacity | backoff | stamina | retrying | retry | urllib3 | httpx | grpc | loop
    retry_bounded: bool = True    # the retry policy stops (attempts or time); False: it retries forever
    retry_replays: bool = True    # the policy may resend a request the peer already received
    headers: tuple[str, ...] = () # header (gRPC metadata) names sent, lower case; "?" when not visible


@dataclass(frozen=True)
class Column:
    """A column (SQLAlchemy) or field (Django) of a data model, as the class declares it."""
    name: str
    type: str = ""                # Integer, String, CharField, ... ("" when not written)
    primary_key: bool = False
    foreign_key: str = ""         # "table.column" (SQLAlchemy ForeignKey) or the related model (Django)
    nullable: bool | None = None
    unique: bool = False


@dataclass(frozen=True)
class Function:
    """What one function does that the communication and data rules weigh (only functions doing any of it)."""
    name: str                                        # qualified, as CallSite.function
    line: int
    is_async: bool = False
    writes: tuple[tuple[int, str], ...] = ()         # database commits and writes: (line, "session.commit")
    blocking: tuple[tuple[int, int, str], ...] = ()  # blocking calls that are no CallSite: (line, column, "time.sleep")
    handler_calls: tuple[str, ...] = ()              # what its `except` handlers call ("self.payments.refund")
    on_commit: bool = False                          # defers work until the transaction commits (transaction.on_commit)


@dataclass(frozen=True)
class Model:
    """A class (or `Table(...)`) mapped to a database table: SQLAlchemy, SQLModel, Flask-SQLAlchemy, Django."""
    name: str
    table: str
    line: int
    framework: str                                   # sqlalchemy | sqlmodel | flask-sqlalchemy | django
    columns: tuple[Column, ...] = ()                 # as the class (or Table) declares them


@dataclass(frozen=True)
class Wrapper:
    """A project function, or a class through its constructor, whose call sites take their target from
    its parameters (`${param:x}`, `${init:x}`) and that no code of its own module calls: callers in
    other modules of the service supply the values (resolve joins them)."""
    name: str                       # "get_json", "Client.charge" (a function) or "Client" (a constructor)
    positional: tuple[str, ...] = ()
    keyword: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectCall:
    """A call to a function or class imported from another module, with the arguments it passes."""
    callee: str                     # qualified through the imports: "app.clients.get_json"
    line: int
    args: tuple[tuple[str, str], ...] = ()   # ("0", folded) for positional, ("name", folded) for keywords


@dataclass(frozen=True)
class FanOut:
    """Concurrent fan-out in Python code (asyncio.gather/wait over a built list, an executor sized by input)."""
    line: int
    column: int
    function: str
    kind: str                     # gather | executor
    network: bool                 # the fanned-out work makes network calls this module shows
    bounded: bool                 # a semaphore, limiter, explicit pool limit or fixed worker count bounds it


@dataclass(frozen=True)
class HandlerCall:
    """A dependency call (datastore, HTTP, gRPC, ...) made inside a route handler, or a helper it calls."""
    function: str                 # the handler's qualified name (as Route.handler spells it)
    what: str                     # the call as written: "db.session.execute", "redis_client.ping"
    line: int
    column: int = 0


@dataclass(frozen=True)
class EnvRead:
    name: str
    default: str | None
    line: int
    column: int = 0
    required: bool = False    # os.environ["X"] outside try: the process fails when X is missing


@dataclass(frozen=True)
class Constant:
    """A module-level (or settings-class) name bound to a foldable value."""
    name: str             # "NAME" or "Settings.field"
    value: str            # template
    line: int


@dataclass(frozen=True)
class Suppression:
    line: int             # where it is written (the comment, the annotation)
    codes: tuple[str, ...]
    reason: str
    start: int = 0        # first and last line it covers (0: only `line`)
    end: int = 0
    form: str = "line"    # line | file (ignore-file) | object (YAML comment on an object) | annotation

    def covers(self, line: int) -> bool:
        if self.form == "file":
            return True
        start = self.start or self.line
        return start <= line <= max(self.end, start)


@dataclass(frozen=True)
class ParseError:
    message: str
    line: int = 1
    column: int = 0


@dataclass(frozen=True)
class SecretLiteral:
    """A literal that looks like a hard-coded secret. The value itself is never kept."""
    name: str             # variable, keyword or dict key it is bound to ("" for a bare literal)
    reason: str           # why it looks like a secret ("a literal password", "an AWS access key id")
    line: int
    column: int = 0


@dataclass(frozen=True)
class CodeFact:
    """A security- or scaling-relevant construct (security and scalability rules read these).

    kinds: tls-off (detail: what), grpc-insecure, grpc-secure, jwt-unverified (detail: how),
    body-read (detail: the expression), validation, client-created (detail: constructor),
    state-mutation (detail: module-level name), file-write (detail: path template), auth (detail: what),
    call-credentials (an outbound call or client given headers/auth/metadata)
    """
    kind: str
    line: int
    column: int = 0
    detail: str = ""
    function: str = ""    # enclosing function's qualified name ("" at module level)


@dataclass(frozen=True)
class PythonFacts:
    module: str = ""                      # dotted module name guessed from the path
    imports: tuple[Import, ...] = ()
    routes: tuple[Route, ...] = ()
    calls: tuple[CallSite, ...] = ()
    env_reads: tuple[EnvRead, ...] = ()
    constants: tuple[Constant, ...] = ()
    frameworks: tuple[str, ...] = ()      # web/rpc frameworks the module serves with
    grpc_servicers: tuple[str, ...] = ()  # servicer names registered (add_XServicer_to_server) -> "X"
    grpc_services: tuple[str, ...] = ()   # fully-qualified proto services defined (from *_pb2_grpc)
    grpc_health: bool = False
    nameko_name: str = ""                 # `name = "..."` of a nameko service class
    celery_tasks: tuple[str, ...] = ()    # task functions this module defines
    is_main: bool = False                 # has `if __name__ == "__main__"` or runs a server
    serve_port: str = ""                  # the port it serves on, when it starts its server itself
    logging: str = "none"                 # none | plain | structured
    tracing: bool = False
    metrics: bool = False
    generated: bool = False               # generated code (protobuf stubs...)
    wrappers: tuple[Wrapper, ...] = ()              # see Wrapper
    project_calls: tuple[ProjectCall, ...] = ()     # calls that may feed another module's wrapper
    functions: tuple[Function, ...] = ()
    models: tuple[Model, ...] = ()
    outbox: bool = False                  # names a transactional outbox (table, model, library)
    secrets: tuple[SecretLiteral, ...] = ()
    code_facts: tuple[CodeFact, ...] = ()
    # observability and resilience set-up (OBS004-OBS009, RES006)
    print_lines: tuple[int, ...] = ()     # print() calls
    log_config_line: int = 0              # logging.basicConfig / dictConfig / fileConfig / setFormatter
    instrumented: tuple[str, ...] = ()    # client libraries whose outbound calls carry trace context ("*": all)
    fan_outs: tuple[FanOut, ...] = ()
    handler_calls: tuple[HandlerCall, ...] = ()


# ----------------------------------------------------------------------------------------------
# per-file facts: deployment


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str | None             # literal value (None when it comes from a reference)
    line: int
    secret_ref: str = ""          # "secret/key" when valueFrom.secretKeyRef
    configmap_ref: str = ""       # "configmap/key" when valueFrom.configMapKeyRef
    field_ref: str = ""


@dataclass(frozen=True)
class Probe:
    kind: str                     # liveness | readiness | startup | healthcheck (compose)
    type: str                     # http | grpc | tcp | exec
    path: str = ""                # http path
    port: str = ""
    line: int = 0


@dataclass(frozen=True)
class Workload:
    """A deployable unit as a deployment file describes it (compose service, k8s workload)."""
    name: str
    source: str                   # compose | kubernetes
    kind: str                     # service (compose) | Deployment | StatefulSet | DaemonSet | Job | CronJob | Pod
    file: str
    line: int
    image: str = ""
    build_context: str = ""       # relative to the repository root, "/"-separated ("" when none)
    dockerfile: str = ""
    command: str = ""             # command + args joined
    env: tuple[EnvVar, ...] = ()
    env_from: tuple[str, ...] = ()       # "configmap/NAME", "secret/NAME", "file/PATH" (compose env_file)
    ports: tuple[str, ...] = ()
    probes: tuple[Probe, ...] = ()
    replicas: int | None = None
    labels: tuple[tuple[str, str], ...] = ()
    namespace: str = ""
    aliases: tuple[str, ...] = ()        # container_name, hostname, network aliases
    depends_on: tuple[str, ...] = ()
    init_containers: tuple[str, ...] = ()
    has_resources: bool = False
    run_as_non_root: bool | None = None
    container: str = ""                  # k8s container name
    extends: str = ""                    # compose `extends`: "path/of/file.yml#service" (repo-relative)
    port_names: tuple[tuple[str, str], ...] = ()   # k8s named container ports: (name, number)
    security_line: int = 0               # line of the container's (else the pod's) securityContext


@dataclass(frozen=True)
class K8sService:
    name: str
    file: str
    line: int
    selector: tuple[tuple[str, str], ...] = ()
    ports: tuple[str, ...] = ()
    namespace: str = ""
    type: str = "ClusterIP"


@dataclass(frozen=True)
class ConfigMap:
    name: str
    file: str
    line: int
    data: tuple[tuple[str, str], ...] = ()
    namespace: str = ""


@dataclass(frozen=True)
class Kustomization:
    """A kustomization.yaml: what it pulls in and what it changes (plain YAML only; no remote bases)."""
    file: str
    line: int
    resources: tuple[str, ...] = ()      # repo-relative paths (files or directories): resources, bases, components
    patches: tuple[str, ...] = ()        # repo-relative files patching the resources (strategic merge)
    namespace: str = ""
    images: tuple[tuple[str, str], ...] = ()   # image name -> new name (images: newName)


@dataclass(frozen=True)
class Autoscaler:
    name: str
    target_kind: str
    target_name: str
    file: str
    line: int
    min_replicas: int | None = None
    max_replicas: int | None = None


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector; an empty one selects everything."""
    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()   # (key, operator, values)

    def matches(self, labels: dict[str, str]) -> bool:
        if any(labels.get(k) != v for k, v in self.match_labels):
            return False
        for key, op, values in self.match_expressions:
            has = key in labels
            if op == "In" and not (has and labels[key] in values):
                return False
            if op == "NotIn" and has and labels[key] in values:
                return False
            if op == "Exists" and not has:
                return False
            if op == "DoesNotExist" and has:
                return False
            if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
                return False   # an unknown operator is rejected by the API server: selects nothing
        return True


@dataclass(frozen=True)
class PolicyPeer:
    """One `from`/`to` entry: selectors given (None when absent), or an ipBlock CIDR."""
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: str = ""


@dataclass(frozen=True)
class PolicyRule:
    """One ingress/egress rule: no peers means every peer, no ports every port."""
    line: int
    peers: tuple[PolicyPeer, ...] = ()
    ports: tuple[str, ...] = ()          # "TCP/8000", "UDP/53", "TCP/http" (named), "TCP/" (any port)


@dataclass(frozen=True)
class NetworkPolicy:
    name: str
    file: str
    line: int
    namespace: str = ""
    pod_selector: LabelSelector = LabelSelector()
    policy_types: tuple[str, ...] = ()  # effective: Ingress, Egress
    ingress: tuple[PolicyRule, ...] = ()
    egress: tuple[PolicyRule, ...] = ()


@dataclass(frozen=True)
class GatewayRoute:
    """A reverse-proxy route: requests for `path` go to `upstream` (a host[:port] or URL template)."""
    path: str
    upstream: str
    file: str
    line: int
    gateway: str = ""             # name of the gateway's service when the file says it


@dataclass(frozen=True)
class DeployFacts:
    workloads: tuple[Workload, ...] = ()
    services: tuple[K8sService, ...] = ()
    configmaps: tuple[ConfigMap, ...] = ()
    autoscalers: tuple[Autoscaler, ...] = ()
    routes: tuple[GatewayRoute, ...] = ()
    env_file: tuple[tuple[str, str], ...] = ()   # for .env / env_file contents: (name, value)
    dockerfile_env: tuple[EnvVar, ...] = ()
    dockerfile_user: str = ""
    dockerfile_base: str = ""
    dockerfile_cmd: str = ""
    dockerfile_expose: tuple[str, ...] = ()
    skaffold_artifacts: tuple[tuple[str, str], ...] = ()   # (image, context)
    network_policies: tuple[NetworkPolicy, ...] = ()
    namespaces: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()   # Namespace objects: (name, labels)
    ingress_backends: tuple[tuple[str, int, bool], ...] = ()   # Ingress: (Service name, line, rate limited)
    secret_data: tuple[tuple[str, str, int, str], ...] = ()    # committed Secret: (name, key, line, reason)
    limit_ranges: tuple[str, ...] = ()   # namespaces with a LimitRange (default container resources)
    dockerfile_user_line: int = 0
    dockerfile_from_line: int = 0        # line of the final stage's FROM
    alert_rules: tuple[str, ...] = ()    # alert names of Prometheus rule files and PrometheusRule objects
    kustomization: Kustomization | None = None


# ----------------------------------------------------------------------------------------------
# per-file facts: contracts


@dataclass(frozen=True)
class Dependency:
    name: str
    type: str = "sync"            # sync | async
    criticality: str = "hard"     # hard | soft
    line: int = 0


@dataclass(frozen=True)
class ContractFacts:
    name: str
    line: int
    version: str = ""
    owner: str = ""
    capability: str = ""
    path: str = ""                # declared path, else the contract's directory
    dependencies: tuple[Dependency, ...] = ()
    data: tuple[tuple[str, str], ...] = ()       # (name, type)
    apis: tuple[tuple[str, int], ...] = ()        # ("POST /users", line)
    events: tuple[tuple[str, int], ...] = ()
    consumes: tuple[tuple[str, int], ...] = ()
    source: str = "contract"      # contract | backstage
    declares: tuple[str, ...] = ()   # sections the file states, even empty: dependencies, apis, events, consumes
    consumes_apis: tuple[tuple[str, int], ...] = ()   # Backstage consumesApis (API entity refs)


@dataclass(frozen=True)
class FileFacts:
    path: str                     # relative to the root, "/"-separated
    kind: str                     # see discover.KINDS
    digest: str = ""
    lines: int = 0
    errors: tuple[ParseError, ...] = ()
    skipped: str = ""             # reason the file was not analysed ("" when it was)
    python: PythonFacts | None = None
    deploy: DeployFacts | None = None
    contracts: tuple[ContractFacts, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    # code in another language (kind "source"): its publish/consume operations, read lexically
    messages: tuple[CallSite, ...] = ()


# ----------------------------------------------------------------------------------------------
# the resolved architecture


@dataclass(frozen=True)
class Evidence:
    file: str
    line: int

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line}


@dataclass(frozen=True)
class Service:
    id: str
    path: str | None              # source root; None when only an image
    language: str = "python"
    framework: str = "none"
    aliases: tuple[str, ...] = ()
    health_endpoints: tuple[str, ...] = ()
    http: tuple[str, ...] = ()
    grpc: tuple[str, ...] = ()
    rpc: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    workloads: tuple[str, ...] = ()      # "file:line" of the deployments that run it
    files: tuple[str, ...] = ()          # Python files attributed to it
    logging: str = "none"
    tracing: bool = False
    metrics: bool = False
    replicas: int | None = None
    autoscaled: bool = False
    role: str = "web"                    # web | worker | beat: the process of its codebase it runs


@dataclass(frozen=True)
class Node:
    id: str
    kind: str                     # service | datastore | broker | channel | external
    type: str = ""                # datastore/broker type
    broker: str = ""              # channel's broker


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str                     # call | publish | subscribe | datastore
    protocol: str
    origin: tuple[str, ...] = ()  # code, config
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Architecture:
    services: tuple[Service, ...] = ()
    nodes: tuple[Node, ...] = ()          # non-service nodes
    edges: tuple[Edge, ...] = ()
    file_service: tuple[tuple[str, tuple[str, ...]], ...] = ()   # file -> services it belongs to
    env: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # service -> environment it runs with
    # every network call site of a service, as resolve finished it: (file, line, service, target, node)
    # where node is what the target's host maps to ("" when nothing, "local" for localhost)
    targets: tuple[tuple[str, int, str, str, str], ...] = ()
    hosts: tuple[tuple[str, str], ...] = ()      # host name -> node id, as the deployment names them
    # where each service's environment variables are set: (service, name, file, line)
    env_sources: tuple[tuple[str, str, str, int], ...] = ()
    # the deployment units of the services, as resolve accepted them (canonical files, `extends` merged)
    workloads: tuple[Workload, ...] = ()

    # rules ask these per file and per workload: index once (cached_property writes to the
    # instance __dict__, which a frozen dataclass allows)
    @functools.cached_property
    def _by_id(self) -> dict[str, Service]:
        return {s.id: s for s in self.services}

    @functools.cached_property
    def _by_file(self) -> dict[str, tuple[str, ...]]:
        return dict(self.file_service)

    @functools.cached_property
    def _targets_by_file(self) -> dict[str, tuple[tuple[str, int, str, str, str], ...]]:
        out: dict[str, list[tuple[str, int, str, str, str]]] = {}
        for t in self.targets:
            out.setdefault(t[0], []).append(t)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def _evidence_by_file(self) -> dict[str, tuple[tuple[int, str, str], ...]]:
        out: dict[str, list[tuple[int, str, str]]] = {}
        for e in self.edges:
            for ev in e.evidence:
                out.setdefault(ev.file, []).append((ev.line, e.kind, e.target))
        return {k: tuple(v) for k, v in out.items()}

    def service(self, sid: str) -> Service | None:
        return self._by_id.get(sid)

    def targets_in(self, path: str) -> tuple[tuple[str, int, str, str, str], ...]:
        """The network call sites of one file, as `targets` holds them (indexed once)."""
        return self._targets_by_file.get(path, ())

    def evidence_in(self, path: str) -> tuple[tuple[int, str, str], ...]:
        """(line, edge kind, edge target) of every edge's evidence in one file, in edge order."""
        return self._evidence_by_file.get(path, ())

    def services_of(self, path: str) -> tuple[str, ...]:
        return self._by_file.get(path, ())

    @functools.cached_property
    def _by_workload(self) -> dict[str, Service]:
        return {w: s for s in self.services for w in s.workloads}

    def workload_service(self, w: Workload) -> Service | None:
        """The service a deployment unit runs (a canary or versioned workload runs its service)."""
        return self._by_workload.get(f"{w.file}:{w.line}")

    def workloads_of(self, sid: str) -> tuple[Workload, ...]:
        return tuple(w for w in self.workloads if (s := self.workload_service(w)) is not None and s.id == sid)


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int = 0
    service: str = ""
    symbol: str = ""              # what the finding is about, for semantic fingerprints

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule, self.service, self.message)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "name": self.name, "severity": self.severity.value,
                "message": self.message, "file": self.file, "line": self.line,
                "column": self.column, "service": self.service}


# ----------------------------------------------------------------------------------------------
# JSON round-trip for the fact types (the cache and worker processes use it)


def to_data(obj: Any) -> Any:
    """Dataclass tree -> JSON-able structure (tuples become lists, enums their values)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_data(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (tuple, list)):
        return [to_data(x) for x in obj]
    return obj


def from_data(cls: Any, data: Any) -> Any:
    """Inverse of `to_data`, driven by the type hints of `cls`."""
    return _build(cls, data)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _build(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(args[0], data) if len(args) == 1 else data
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], x) for x in data)
        return tuple(_build(a, x) for a, x in zip(args, data))
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(**{k: _build(hints[k], v) for k, v in data.items() if k in hints})
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    return data

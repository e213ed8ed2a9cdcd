"""The pre-filter: read with `ast` the modules whose facts are only imports and plain constants.

LibCST costs about ten times CPython's own parser, which `extract_python` runs on every module
anyway (the nesting guard). Most modules of a large codebase - utilities, domain logic, models
without settings - touch no network library, serve no route, read no environment variable: their
facts are their imports (the boundary rules need those), their module constants and class fields
(other modules' call targets may refer to them) and whether they log or print. `cheap_facts` derives
exactly those from the `ast` tree, and gives up (returns None, so LibCST reads the module) as soon
as it meets anything else the visitor might turn into a fact:

- an import or a bare name of a library the visitor knows - every top-level package named in the
  tables of `libraries.py` (so a library added there is covered with no change here), the fold's
  environment getters and the servers, frameworks and task queues the visitor names in its code;
- the environment (`environ`, `getenv`), gRPC stubs and servicers, settings classes, nameko service
  names;
- calls and decorators whose *method name alone* makes a fact in the visitor (`.delay`, `.send_task`,
  `include_router`, `add_url_rule`, `@x.get(...)`, `@app.task`, `@http(...)`, ...);
- a constant whose value the fold would compute from more than literals and names (f-strings,
  `%`, `.format`, `or`, conditionals, calls the fold understands).

Whatever it returns equals what LibCST extraction returns for the module; tests/test_prefilter.py
checks that over the fixtures, every rule example, svclint's own code and installed libraries (and the
labelled repositories when they are checked out). A field added to `PythonFacts` switches the
pre-filter off until it is reviewed here (`REVIEWED_FIELDS`).
"""
from __future__ import annotations

import ast
import dataclasses
import re
import sys

from ...model import Constant, FileFacts, Import, ProjectCall, PythonFacts
from ...secrets import TOKEN_FORMATS, classify, placeholder
from . import libraries as lib
from .names import ENV_GETTERS, UNKNOWN, qualify
from .wrappers import needs_full_read, wrapper_names  # noqa: F401 - re-exported


class _Bail(Exception):
    """The module needs LibCST."""


# the PythonFacts fields this reader accounts for (the others it proves empty or gives up on)
# (`wrappers` come only from network call sites, which send a module to LibCST; `project_calls` are
# written as unfolded candidates, see `candidates_for`)
REVIEWED_FIELDS = frozenset({
    "module", "imports", "routes", "calls", "env_reads", "constants", "frameworks", "grpc_servicers",
    "grpc_services", "grpc_health", "nameko_name", "celery_tasks", "is_main", "logging", "tracing",
    "metrics", "generated", "wrappers", "project_calls",
    # communication and data facts: database writes, blocking calls in `async def`, calls in `except`
    # handlers, `on_commit`, mapped tables and outboxes; each sends a module to LibCST (below)
    "functions", "models", "outbox",
    # security and scalability facts: secrets (checked with the same classifier), TLS, credentials,
    # request bodies, validation, auth, file writes, module state mutated in functions
    "secrets", "code_facts", "serve_port",
    # resilience and observability facts: print lines (reproduced), logging configuration, trace
    # propagation, fan-outs, calls in health handlers, structured-logging and metrics markers
    "print_lines", "log_config_line", "instrumented", "fan_outs", "handler_calls",
})


def _tops(names) -> set[str]:
    return {n.split(".")[0] for n in names if n}


# top-level packages whose import or mention sends a module to LibCST; `os` is left out (almost every
# module imports it; its network-relevant part, the environment, is caught by name below)
LIBRARY_TOPS = frozenset((
    _tops(lib.HTTP_FUNCTIONS) | _tops(lib.CLIENT_TYPES) | _tops(lib.DATASTORE_CLIENTS) |
    _tops(lib.APP_TYPES) | _tops(lib.WEB_FRAMEWORKS) | _tops(lib.STRUCTURED_LOGGING) |
    _tops(lib.TRACING) | _tops(lib.METRICS) | _tops(lib.RETRY_DECORATORS) | _tops(lib.BREAKERS) |
    _tops(ENV_GETTERS) | _tops(lib.ORM_MODULES) | _tops(lib.AUTH_MODULES) | _tops(lib.CLIENT_CONSTRUCTORS) |
    {"jwt", "jose", "authlib", "python_jwt", "ssl", "aiofiles"} |
    # named in the visitor's code rather than its tables
    {"boto3", "botocore", "grpc", "grpc_health", "celery", "nameko", "locust", "uvicorn", "gunicorn",
     "waitress", "hypercorn", "socket", "pydantic", "pydantic_settings", "decouple", "environs",
     "dynaconf", "django", "starlette", "tornado", "aiohttp", "urllib", "urllib2", "urlparse", "http"}
) - {"os"})

# method or function names that make a fact whatever their receiver is
_CALL_NAMES = frozenset({
    "delay", "apply_async", "send_task", "include_router", "register_blueprint", "add_url_rule",
    "add_route", "run_app", "path", "re_path", "url", "Route", "WebSocketRoute", "Application",
    "Field", "on_commit", "commit", "execute", "executemany", "save", "Table",
} | set(lib.MONGO_WRITES))
_DECORATOR_NAMES = frozenset(set(lib.HTTP_VERBS) | {
    "route", "api_route", "websocket", "view", "task", "shared_task", "rpc", "event_handler", "http",
})
_CALL_NAMES = _CALL_NAMES | {"Depends", "Security", "_create_unverified_context", "_create_stdlib_context",
                             "gather", "wait", "as_completed", "ThreadPoolExecutor", "ProcessPoolExecutor",
                             "setFormatter", "basicConfig", "dictConfig", "fileConfig"}
_LOG_CONFIG = lib.LOG_CONFIG
_MARKERS = tuple(m.lower().encode() for m in (*getattr(lib, "STRUCTURED_LOGGING_STRINGS", ()),
                                               *getattr(lib, "METRICS_STRINGS", ())))
_HEALTH = re.compile(getattr(lib, "HEALTH_NAMES", ""), re.I)
_SECURITY_KEYWORDS = frozenset({"verify", "verify_ssl", "ssl", "verify_certs", "ssl_cert_reqs", "cert_reqs",
                                "headers", "auth", "cookies", "metadata", "credentials", "call_credentials"})
_OPEN = frozenset({"open", "io.open", "builtins.open", "aiofiles.open"})
_REQUEST = frozenset({"request", "req"})
# the security hooks' own patterns
_VALIDATORS = lib.VALIDATORS
_VALIDATION_DECORATORS = lib.VALIDATION_DECORATORS
_AUTH_WORDS = lib.AUTH_WORDS
_MUTATORS = lib.MUTATORS
_PER_PROCESS = lib.PER_PROCESS
_MUTABLE_CTORS = lib.MUTABLE_CTORS
_VALIDATION_SUFFIX = re.compile(r"[a-z](?:Serializer|Schema|Form|Model|Request|Input|Payload|Body|In|Create|Update)$")
# calls the fold turns into something other than `${?}`
_FOLD_CALL_ATTRS = frozenset({"format", "join", "rstrip", "strip", "lstrip"})
_FOLD_CALL_NAMES = frozenset({"env", "config", "env.str", "env.url", "str", "urllib.parse.urljoin",
                              "urlparse.urljoin", "os.path.join", "posixpath.join"})
_CONFIG_ATTR = re.compile(r"\.(conf|config|settings)\.\w+$")
# parts of Django whose import alone gives no fact but the framework's name (a schema migration, model
# fields, utilities, exceptions): modules importing only these are read cheaply when nothing else in them
# matters. Model classes (bases under django.) still go to LibCST; a migration's class does not.
_DJANGO_INERT = ("django.db.migrations", "django.db.models", "django.utils", "django.core.exceptions",
                 "django.core.validators", "django.contrib.postgres")
# words that send a module to LibCST wherever they are: the environment, outboxes, mapped tables
_ENV_WORDS = re.compile(rb"environ|getenv|[oO][uU][tT][bB][oO][xX]|__tablename__|__abstract__")
_SERVERS = ("uvicorn", "aiohttp.web", "waitress", "gunicorn", "hypercorn")
# statements rare in service code that the reader does not reproduce the visitor's view of
_BAIL_STATEMENTS = tuple(getattr(ast, n) for n in ("Match", "TypeAlias") if hasattr(ast, n))


def _name_bad(name: str) -> bool:
    return name in LIBRARY_TOPS or name.endswith(("Stub", "Servicer")) or name in ("environ", "getenv")


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        if isinstance(node.value, bytes):
            return node.value.decode("latin-1")
    return None


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _Reader:
    def __init__(self, module_name: str, data: bytes) -> None:
        self.module_name = module_name
        self.lines = data.splitlines()
        self.aliases: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.class_fields: dict[str, dict[str, str]] = {}
        self.imports: list[Import] = []
        self.constants: list[Constant] = []
        self.uses_logging = False
        self.uses_print = False
        self.is_main = False
        self.called: list[tuple[str, int]] = []     # dotted callees given arguments, with their lines
        self.functions: list[bool] = []              # enclosing functions: async or not
        self.handlers = 0                            # enclosing `except` handlers
        self.print_lines: set[int] = set()
        self.frameworks: set[str] = set()
        self.mutables: set[str] = set()              # module-level names bound to mutable containers
        self.mutated: set[str] = set()               # names functions mutate in place

    # ---------------------------------------------------------------- names, as the visitor has them
    def qualify(self, name: str | None) -> str | None:
        return qualify(self.aliases, name)

    def _absolute(self, module: str, level: int) -> str:
        if not level:
            return module
        parts = self.module_name.split(".")
        base = parts[: max(0, len(parts) - level)]
        return ".".join([*base, module] if module else base)

    def _note_import(self, module: str, names: list[str]) -> None:
        if any(_name_bad(n.split(".")[-1]) for n in [module, *names]):
            raise _Bail
        imported = [f"{module}.{n}" for n in names] if names else [module]
        if module.split(".")[0] == "django" and all(f.startswith(_DJANGO_INERT) for f in imported):
            # schema migrations and helpers: the framework's name is the only fact their import gives
            self.frameworks.add("django")
            return
        for full in [module] + [f"{module}.{n}" for n in names]:
            if full.split(".")[0] in LIBRARY_TOPS or full.startswith(
                    lib.STRUCTURED_LOGGING + lib.TRACING + lib.METRICS):
                raise _Bail
        if module.split(".")[0] in lib.WEB_FRAMEWORKS:
            raise _Bail
        for full in [module] + [f"{module}.{n}" for n in names]:
            if any(full == p or full.startswith(p + ".") for p in getattr(lib, "TRACE_PROPAGATION", {})):
                raise _Bail
        if module == "logging" or module.startswith("logging."):
            self.uses_logging = True

    # ---------------------------------------------------------------- the walk (LibCST's visit order)
    def statements(self, body: list[ast.stmt], level: str) -> None:
        for stmt in body:
            self.statement(stmt, level)

    def statement(self, node: ast.stmt, level: str) -> None:
        # level: "module" (neither in a function nor a class), "class" (directly in a class body), "func"
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                if alias.asname:
                    self.aliases[alias.asname] = name
                else:
                    self.aliases.setdefault(name.split(".")[0], name.split(".")[0])
                self.imports.append(Import(name, (), node.lineno))
                self._note_import(name, [])
            return
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            absolute = self._absolute(node.module or "", node.level) if node.level else module
            names: list[str] = []
            if not (len(node.names) == 1 and node.names[0].name == "*"):
                for alias in node.names:
                    local = alias.asname or alias.name
                    self.aliases[local] = f"{absolute}.{alias.name}" if absolute else alias.name
                    names.append(alias.name)
            self.imports.append(Import(module, tuple(names), node.lineno))
            self._note_import(absolute, names)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _HEALTH.search(node.name):
                raise _Bail   # what a health handler calls is a fact
            self.decorators(node.decorator_list)
            self.annotations(node.args, node.returns)
            self.expressions([*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)])
            self.functions.append(isinstance(node, ast.AsyncFunctionDef))
            try:
                self.statements(node.body, "func")
            finally:
                self.functions.pop()
            return
        if isinstance(node, ast.ClassDef):
            self.decorators(node.decorator_list)
            self.expressions([*node.bases, *(k.value for k in node.keywords)])
            self.class_def(node)
            self.statements(node.body, "class")
            return
        if isinstance(node, ast.Global):
            raise _Bail   # module state a function rebinds
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                self.security_assign(target, None if isinstance(node, ast.AugAssign) else node.value, level)
        if isinstance(node, ast.AugAssign):
            self.expressions([node.target, node.value])
            return
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(node, ast.AnnAssign):
                self.annotation(node.annotation)
            if node.value is not None and level == "module":
                for target in targets:
                    self.module_binding(target, node.value, node.lineno)
            self.expressions([*targets, *([node.value] if node.value is not None else [])])
            return
        if isinstance(node, ast.If):
            test = node.test
            if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__":
                self.is_main = True
        if isinstance(node, (ast.With, ast.AsyncWith)) and level == "module" and \
                any(item.optional_vars is not None for item in node.items):
            raise _Bail  # `with X() as name` at module level binds a constant the visitor folds
        if isinstance(node, _BAIL_STATEMENTS):
            raise _Bail  # rare; not worth reproducing the visitor's view of them
        # any other statement: its expressions, then its nested statements, in source order
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self.statements(value, level)
                elif value and isinstance(value[0], ast.excepthandler):
                    for handler in value:
                        if handler.type is not None:
                            self.expressions([handler.type])
                        self.handlers += 1
                        try:
                            self.statements(handler.body, level)
                        finally:
                            self.handlers -= 1
                elif value and isinstance(value[0], ast.withitem):
                    for item in value:
                        self.expressions([item.context_expr] +
                                         ([item.optional_vars] if item.optional_vars is not None else []))
                else:
                    self.expressions([v for v in value if isinstance(v, ast.expr)])
            elif isinstance(value, ast.expr):
                self.expressions([value])

    def security_assign(self, target: ast.expr, value: ast.expr | None, level: str) -> None:
        """`security.on_assign`: secrets by name, TLS checks off, module state and its mutation."""
        name = _dotted(target)
        if name is not None:
            text = _string(value)
            if text is not None and classify(name.split(".")[-1], text, strict=True):
                raise _Bail
            if name.endswith("check_hostname"):
                raise _Bail
            if value is not None and level == "module" and "." not in name and self._mutable(value):
                self.mutables.add(name)
        elif isinstance(target, ast.Subscript) and self.functions:
            base = _dotted(target.value)
            if base and "." not in base:
                self.mutated.add(base)

    def _mutable(self, value: ast.expr) -> bool:
        if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
            return True
        if isinstance(value, ast.Call):
            name = _dotted(value.func) or ""
            return name in _MUTABLE_CTORS or (self.qualify(name) or "") in _MUTABLE_CTORS
        return False

    def decorators(self, decorators: list[ast.expr]) -> None:
        for dec in decorators:
            expr = dec.func if isinstance(dec, ast.Call) else dec
            name = _dotted(expr) or ""
            if name.split(".")[-1] in _DECORATOR_NAMES:
                raise _Bail
            base = self.qualify(name) or name
            last = base.split(".")[-1]
            if _AUTH_WORDS.search(last) or base.startswith(lib.AUTH_MODULES) or _VALIDATION_DECORATORS.search(last):
                raise _Bail
        self.expressions(decorators)

    def annotations(self, args: ast.arguments, returns: ast.expr | None) -> None:
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if a is not None and a.annotation is not None:
                self.annotation(a.annotation)
        if returns is not None:
            self.annotation(returns)

    def annotation(self, node: ast.expr) -> None:
        # a string annotation names a type as the visitor reads it (`s: "requests.Session"`)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            head = node.value.strip().split(".")[0].split("[")[0]
            if _name_bad(head) or node.value.strip().endswith(("Stub", "Servicer")):
                raise _Bail
        self.expressions([node])

    def _inert_django_heads(self, root: ast.expr) -> set[int]:
        """The `django` names heading a chain into Django's inert parts (`django.db.models.deletion.CASCADE`
        after `import django.db.models.deletion`)."""
        heads: set[int] = set()
        if self.aliases.get("django") != "django":
            return heads
        for node in ast.walk(root):
            if isinstance(node, ast.Attribute) and (_dotted(node) or "").startswith(_DJANGO_INERT):
                head = node
                while isinstance(head, ast.Attribute):
                    head = head.value
                heads.add(id(head))
        return heads

    def expressions(self, nodes: list[ast.expr]) -> None:
        for root in nodes:
            inert = self._inert_django_heads(root)
            for node in ast.walk(root):
                if isinstance(node, ast.Name):
                    if (_name_bad(node.id) and id(node) not in inert) or node.id in _REQUEST:
                        raise _Bail
                elif isinstance(node, ast.Attribute):
                    if node.attr in ("environ", "getenv", "request", "CERT_NONE") or \
                            node.attr.endswith(("Stub", "Servicer")):
                        raise _Bail
                elif isinstance(node, ast.Constant):
                    text = _string(node)
                    if text is not None and not placeholder(text) and \
                            any(pattern.search(text) for pattern, _ in TOKEN_FORMATS):
                        raise _Bail   # a token-shaped literal
                elif isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values):
                        k, v = _string(key), _string(value)
                        if k and v is not None and classify(k, v, strict=True):
                            raise _Bail
                elif isinstance(node, ast.Call):
                    self.call(node)

    def call(self, node: ast.Call) -> None:
        func = node.func
        name = _dotted(func) or ""
        if not self.functions and name and any(
                isinstance(a, ast.Constant) and isinstance(a.value, str) and lib.HEALTH_PATH.match(a.value)
                for a in [*node.args, *(k.value for k in node.keywords)]):
            raise _Bail   # health-check middleware around the application
        last = name.split(".")[-1] if name else (func.attr if isinstance(func, ast.Attribute) else "")
        if name == "print":
            self.uses_print = True
            self.print_lines.add(node.lineno)
        if (self.qualify(name) or name) in _LOG_CONFIG:
            raise _Bail
        for kw in node.keywords:
            if kw.arg in _SECURITY_KEYWORDS:
                raise _Bail
            text = _string(kw.value)
            if kw.arg and text is not None and classify(kw.arg, text, strict=True):
                raise _Bail
        if self.functions and last and (_VALIDATORS.match(last) or
                                        (_VALIDATION_SUFFIX.search(last) and (node.args or node.keywords))):
            raise _Bail   # validation of a request body (also `super().is_valid()`, which has no dotted name)
        if self.functions and name:
            q = self.qualify(name) or name
            if name in _OPEN or q in _OPEN:
                raise _Bail   # a file write, unless its mode says otherwise
            receiver = name.rsplit(".", 1)[0] if "." in name else ""
            if (_MUTATORS is None or last in _MUTATORS) and receiver and "." not in receiver:
                self.mutated.add(receiver)
        if name and (any(not isinstance(a, ast.Starred) for a in node.args) or
                     any(k.arg is not None for k in node.keywords)):
            self.called.append((name, node.lineno))
        qual = self.qualify(name) or name
        if self.functions and self.functions[-1] and qual in lib.BLOCKING_FUNCTIONS:
            raise _Bail  # a blocking call in `async def`
        if self.handlers and name and not last[:1].isupper() and name != "print" and \
                not re.search(r"(^|\.)(log|logger|logging|_log|_logger|LOG|LOGGER)\.", name):
            raise _Bail  # what an `except` handler does (compensation) is a fact
        if last in lib.DJANGO_WRITES and name.rsplit(".", 1)[0].endswith("objects"):
            raise _Bail
        if last in _CALL_NAMES or name in ("app.run", "web.run_app") or \
                re.fullmatch(r"add_\w+Servicer_to_server", last) or \
                (last.startswith("add_") and ".router" in "." + name):
            raise _Bail
        if last in ("run", "serve", "serve_forever", "start") and \
                (self.qualify(name) or name).startswith(_SERVERS):
            raise _Bail

    # ---------------------------------------------------------------- constants
    def class_def(self, node: ast.ClassDef) -> None:
        bases = []
        for b in node.bases:
            d = _dotted(b)
            bases.append(self.qualify(d) or d or "")
        if "json" in node.name.lower() and any(b.endswith("Formatter") for b in bases):
            raise _Bail   # a JSON log formatter: structured logging
        if any(b.endswith(("BaseSettings", "Settings", "Model")) or "_pb2_grpc" in b or b.endswith("Servicer")
               or b.startswith(("django.", "sqlmodel")) and not b.startswith("django.db.migrations.")
               for b in bases) or \
                any(k.arg == "table" for k in node.keywords):
            raise _Bail   # settings, servicers, mapped tables
        body = node.body
        header_end = max([node.lineno] + [getattr(b, "end_lineno", 0) or 0 for b in (*node.bases, *node.keywords)])
        if body and body[0].lineno <= header_end:
            raise _Bail  # `class A: x = 1` on one line: the visitor reads no fields there
        fields: dict[str, str] = {}
        for stmt in body:
            target, value = None, None
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if not stmt.simple:
                    raise _Bail
                target, value = stmt.target.id, stmt.value
            elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                target, value = stmt.targets[0].id, stmt.value
            if target is None:
                continue
            if target == "model_config":
                raise _Bail
            if target == "name" and isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)) \
                    and value.value:
                raise _Bail  # a nameko service's name
            if value is None:
                continue
            if isinstance(value, ast.Call) and (_dotted(value.func) or "").split(".")[-1] == "Field":
                raise _Bail
            folded = self.fold(value)
            if folded != UNKNOWN:
                fields[target] = folded
        if fields:
            self.class_fields[node.name] = fields

    def module_binding(self, target: ast.expr, value: ast.expr, line: int) -> None:
        name = _dotted(target)
        if name is None:
            return
        if isinstance(value, ast.Await):
            value = value.value
        if "." in name and not _CONFIG_ATTR.search(name):
            return
        if "." in name:
            raise _Bail  # `app.conf.task_default_queue = ...`
        folded = self.fold(value)
        if folded != UNKNOWN:
            self.names[name] = folded
            self.constants.append(Constant(name, folded, line))
        if isinstance(value, ast.Call):
            cls_name = _dotted(value.func) or ""
            if cls_name in self.class_fields or cls_name.endswith(("Settings", "Config")):
                raise _Bail  # an instance of a class whose fields become constants

    def fold(self, node: ast.expr, depth: int = 0) -> str:
        """`Folder.fold` for what it computes from literals and names alone; anything more: give up."""
        if depth > 40:
            raise _Bail
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str):
                return value
            if isinstance(value, bytes):
                return value.decode("latin-1")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return self._token(node)
            return UNKNOWN   # True, False, None, ..., complex: Names / other nodes in LibCST
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                return self.fold(node.left, depth + 1) + self.fold(node.right, depth + 1)
            if isinstance(node.op, ast.Mod):
                raise _Bail
            return UNKNOWN
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._name(node)
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            qual = self.qualify(name) if name else None
            if isinstance(node.func, ast.Attribute) and node.func.attr in _FOLD_CALL_ATTRS:
                raise _Bail
            if name in _FOLD_CALL_NAMES or qual in _FOLD_CALL_NAMES or qual in ENV_GETTERS or \
                    (qual or "").endswith(".env") or (name or "").endswith(("environ.get", ".getenv")):
                raise _Bail
            return UNKNOWN
        if isinstance(node, (ast.JoinedStr, ast.IfExp, ast.NamedExpr)):
            raise _Bail
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            raise _Bail
        if isinstance(node, ast.Subscript):
            base = _dotted(node.value) or ""
            if self.qualify(base) == "os.environ" or base.endswith("environ"):
                raise _Bail
            return UNKNOWN
        return UNKNOWN

    def _token(self, node: ast.expr) -> str:
        if node.end_lineno != node.lineno or node.end_col_offset is None:
            raise _Bail
        text = self.lines[node.lineno - 1][node.col_offset:node.end_col_offset]
        try:
            token = text.decode("ascii")
        except UnicodeDecodeError:
            raise _Bail from None
        if not re.fullmatch(r"[0-9][0-9a-zA-Z_.]*(?:[eE][-+]?[0-9_]+)?", token):
            raise _Bail  # parenthesised, signed or otherwise not one token
        return token

    def _name(self, node: ast.expr) -> str:
        name = _dotted(node)
        if name is None:
            return UNKNOWN
        if name.startswith("__svclint_"):
            raise _Bail
        if name in self.names:
            return self.names[name]
        base, _, last = name.rpartition(".")
        if last == "value" and base in self.names:
            return self.names[base]
        if last == "name" and base in self.names and "." in base:
            return base.rsplit(".", 1)[1]
        qual = self.qualify(name)
        if qual and "." in qual:
            return "${ref:%s}" % qual
        return UNKNOWN

    def facts(self) -> PythonFacts:
        if any(not _PER_PROCESS.search(n) for n in self.mutables & self.mutated):
            raise _Bail   # module state mutated by functions
        constants = list(self.constants)
        for cls, fields in self.class_fields.items():
            for fld, value in fields.items():
                constants.append(Constant(f"{cls}.{fld}", value, 1))
        # calls of imported names: the visitor records those passing a value it can fold, for another
        # module's wrapper to pick up; here each one is a candidate without arguments (see
        # `needs_full_read`), a superset of what the visitor records (it reads the final imports too)
        project_calls = set()
        for name, line in self.called:
            if name.split(".")[0] in self.aliases:
                callee = self.qualify(name) or name
                if callee.split(".")[0] not in sys.stdlib_module_names:   # never a wrapper (as the visitor)
                    project_calls.add(ProjectCall(callee, line, ()))
        return PythonFacts(
            module=self.module_name, imports=tuple(self.imports),
            constants=tuple(sorted(set(constants), key=lambda c: (c.name, c.line))),
            frameworks=tuple(sorted(self.frameworks)),
            is_main=self.is_main, logging="plain" if self.uses_logging or self.uses_print else "none",
            print_lines=tuple(sorted(self.print_lines)),
            project_calls=tuple(sorted(project_calls, key=lambda c: (c.line, c.callee, c.args))))


def _fields_reviewed() -> bool:
    return {f.name for f in dataclasses.fields(PythonFacts)} <= REVIEWED_FIELDS


def cheap_facts(module_name: str, data: bytes, tree: ast.Module) -> PythonFacts | None:
    """The module's facts when `ast` suffices, else None (LibCST must read it)."""
    if not _FIELDS_OK or _ENV_WORDS.search(data):
        return None
    lower = data.lower()
    if any(m in lower for m in _MARKERS):
        return None
    reader = _Reader(module_name, data)
    try:
        reader.statements(tree.body, "module")
        return reader.facts()
    except (_Bail, RecursionError):
        return None


_FIELDS_OK = _fields_reviewed()


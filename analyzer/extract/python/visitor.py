"""One LibCST pass over a module that records what the module does on the network.

The visitor tracks imports and aliases itself (no ScopeProvider / QualifiedNameProvider: measured far
too costly), remembers which names hold client objects (sessions, channels, stubs, producers...) per
scope, and defers the interpretation of calls until the whole module has been seen, so a client
bound at module level below the function that uses it is still recognised.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from typing import Iterable

import libcst as cst

from ...model import (CallSite, CodeFact, Column, Constant, EnvRead, Import, Model, ProjectCall, Route, SecretLiteral,
                     Wrapper)
from . import libraries as lib
from . import security as sec
from .fold import UNKNOWN, Folder, dotted, qualify, string_value
from .fold import keyword_arg as _kw, positional_arg as _pos
from .resilience import (Loop, Observer, _breakerish, client_retry, grpc_retry, header_names, loop_policy,
                         retry_policy)


@dataclass
class _Binding:
    """A name bound to an object made by a call (or typed by an annotation)."""
    qual: str                       # qualified constructor / type name
    call: cst.Call | None           # the constructor call, when there is one
    scope: str


@dataclass
class _Pending:
    call: cst.Call
    scope: str                      # function qualname ("" at module level)
    cls: str                        # enclosing class
    in_async: bool
    in_try: bool
    decorators: tuple[str, ...]     # qualified decorators of the enclosing function(s)
    handled: bool = False           # a surrounding except clause does not re-raise
    guarded: bool = False           # inside `with breaker:` / `breaker.call(...)`
    loop: Loop | None = None        # the retry loop around it, if any


@dataclass
class Collected:
    imports: list[Import] = field(default_factory=list)
    routes: list[tuple[cst.CSTNode, Route]] = field(default_factory=list)
    calls: list[tuple[cst.CSTNode, CallSite]] = field(default_factory=list)
    env_reads: list[tuple[cst.CSTNode, EnvRead]] = field(default_factory=list)
    constants: list[tuple[cst.CSTNode, Constant]] = field(default_factory=list)
    frameworks: set[str] = field(default_factory=set)
    grpc_servicers: set[str] = field(default_factory=set)
    grpc_services: set[str] = field(default_factory=set)
    grpc_health: bool = False
    nameko_name: str = ""
    celery_tasks: set[str] = field(default_factory=set)
    is_main: bool = False
    serve_port: str = ""
    logging: str = "none"
    tracing: bool = False
    metrics: bool = False
    fan_outs: list = field(default_factory=list)          # (node, FanOut)
    handler_calls: list = field(default_factory=list)     # (node, HandlerCall)
    wrappers: list[Wrapper] = field(default_factory=list)
    project_calls: list[tuple[cst.CSTNode, ProjectCall]] = field(default_factory=list)
    secrets: list[tuple[cst.CSTNode, SecretLiteral]] = field(default_factory=list)
    code_facts: list[tuple[cst.CSTNode, CodeFact]] = field(default_factory=list)
    # communication and data facts: function qualname -> what it does; mapped tables
    functions: dict[str, "_FunctionNotes"] = field(default_factory=dict)
    models: list[tuple[cst.CSTNode, Model]] = field(default_factory=list)
    outbox: bool = False


@dataclass
class _FunctionNotes:
    node: cst.CSTNode               # the function's name, for its line
    is_async: bool
    writes: list[tuple[cst.CSTNode, str]] = field(default_factory=list)
    blocking: list[tuple[cst.CSTNode, str]] = field(default_factory=list)
    handler_calls: list[str] = field(default_factory=list)
    on_commit: bool = False


# modules whose functions are never a project's wrappers: the standard library and the libraries svclint knows
_NOT_PROJECT = frozenset(sys.stdlib_module_names) | {
    q.split(".")[0] for table in (lib.HTTP_FUNCTIONS, lib.CLIENT_TYPES, lib.DATASTORE_CLIENTS, lib.APP_TYPES,
                                  lib.WEB_FRAMEWORKS) for q in table}
_CONFIG_ATTR = re.compile(r"\.(conf|config|settings)\.\w+$")




def _is_none(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


class ModuleVisitor(cst.CSTVisitor):
    def __init__(self, module_name: str, path: str) -> None:
        super().__init__()
        self.module_name = module_name
        self.package = module_name.rsplit(".", 1)[0] if "." in module_name else ""
        self.path = path
        self.aliases: dict[str, str] = {}
        self.names: dict[str, str] = {}          # module-level name -> folded template
        self.class_fields: dict[str, dict[str, str]] = {}
        self.instances: dict[str, str] = {}      # module var -> class name (settings = Settings())
        self.bindings: dict[tuple[str, str], _Binding] = {}
        self.values: dict[tuple[str, str], cst.BaseExpression] = {}
        self.params: dict[str, tuple[list[str], list[str]]] = {}   # function -> (positional, keyword-only)
        self.pending: list[_Pending] = []
        self.decorated: list[tuple[cst.FunctionDef, str, str, tuple[str, ...]]] = []
        self.out = Collected()
        self.folder = Folder(self.qualify, self.names)
        self._funcs: list[tuple[str, bool, tuple[str, ...]]] = []   # (qualname, async, decorators)
        self._classes: list[tuple[str, tuple[str, ...]]] = []       # (name, qualified bases)
        self._try = 0
        self._handled = 0           # open try blocks with an except clause that does not re-raise
        self.uses_print = False
        self.uses_logging = False
        self.class_bases: dict[str, tuple[str, ...]] = {}
        self.import_nodes: list[cst.CSTNode] = []     # one per entry of out.imports, for positions
        # security/scalability hooks (security.py): module-level mutable names, `global` names, and
        # candidate mutations of module state inside functions (judged at the end of the module)
        self.mutables: set[str] = set()
        self.global_names: set[str] = set()
        self.state_candidates: list[tuple[cst.CSTNode, str, str]] = []
        self.observer = Observer()                    # resilience and observability facts
        self.discarded: set[int] = set()  # calls that are statements of their own (results never used)
        self._lambda = 0                  # inside a lambda (its body runs later, maybe in a thread)
        self._handler = 0                 # inside an `except` handler
        self._django_models: set[str] = set()
        self.uses_orm = False             # imports an ORM whose objects `.save()` themselves

    # ------------------------------------------------------------------ names
    def qualify(self, name: str | None) -> str | None:
        return qualify(self.aliases, name)

    def _resolve_relative(self, module: str) -> str:
        if not module.startswith("."):
            return module
        dots = len(module) - len(module.lstrip("."))
        parts = self.module_name.split(".")
        base = parts[: max(0, len(parts) - dots)]
        rest = module[dots:]
        return ".".join([*base, rest] if rest else base)

    @property
    def scope(self) -> str:
        return self._funcs[-1][0] if self._funcs else ""

    @property
    def cls(self) -> str:
        return self._classes[-1][0] if self._classes else ""

    # ------------------------------------------------------------------ imports
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted(alias.name) or ""
            if alias.asname and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = name
            else:
                self.aliases.setdefault(name.split(".")[0], name.split(".")[0])
            self.out.imports.append(Import(name, (), 0))
            self._note_import(node, name)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = ("." * len(node.relative)) + (dotted(node.module) or "" if node.module else "")
        absolute = self._resolve_relative(module) if node.relative else module
        names: list[str] = []
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                name = dotted(alias.name) or ""
                local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
                self.aliases[local] = f"{absolute}.{name}" if absolute else name
                names.append(name)
        self.out.imports.append(Import(module, tuple(names), 0))
        self._note_import(node, absolute, names)

    def _note_import(self, node: cst.CSTNode, module: str, names: Iterable[str] = ()) -> None:
        full = [module] + [f"{module}.{n}" for n in names]
        self.import_nodes.append(node)
        top = module.split(".")[0]
        if top in lib.WEB_FRAMEWORKS:
            self.out.frameworks.add(lib.WEB_FRAMEWORKS[top])
        if any(f.startswith(lib.STRUCTURED_LOGGING) for f in full):
            self.out.logging = "structured"
        if module == "logging" or module.startswith("logging."):
            self.uses_logging = True
        if any(f.startswith(lib.TRACING) for f in full):
            self.out.tracing = True
        if any(f.startswith(lib.METRICS) for f in full):
            self.out.metrics = True
        self.observer.on_import(full)
        if any("outbox" in f.lower() for f in full):
            self.out.outbox = True
        if top in lib.ORM_MODULES:
            self.uses_orm = True

    # ------------------------------------------------------------------ scopes
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        decorators = tuple(self._decorator_name(d) for d in node.decorators)
        qual = f"{self.scope or self.cls}.{node.name.value}".lstrip(".")
        is_async = node.asynchronous is not None
        self._funcs.append((qual, is_async, decorators))
        if node.decorators:
            self.decorated.append((node, qual, self.cls, decorators))
        self.out.functions.setdefault(qual, _FunctionNotes(node.name, is_async))
        self._bind_params(node)
        params = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
        if self.cls and params and params[0] in ("self", "cls"):
            params = params[1:]
        self.params[qual] = (params, [p.name.value for p in node.params.kwonly_params])
        for dec, name in zip(node.decorators, decorators):
            sec.on_decorator(self, dec, name)
        sec.on_function(self, node, params)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._funcs.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = tuple(self.qualify(dotted(b.value)) or dotted(b.value) or "" for b in node.bases)
        self._classes.append((node.name.value, bases))
        self.observer.on_class(node.name.value, bases)
        self.class_bases[node.name.value] = bases
        for b in bases:
            m = re.search(r"(?:^|\.)(\w+)Servicer$", b)
            if m and "_pb2_grpc" in b:
                self.out.grpc_servicers.add(m.group(1))
        self._class_fields(node, bases)
        self._model(node, bases)
        if "outbox" in node.name.value.lower():
            self.out.outbox = True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_Try(self, node: cst.Try) -> None:
        self._try += 1
        self._handled += _swallows(node)
        self.observer.on_try(node, self._try)

    def visit_For(self, node: cst.For) -> None:
        self.observer.on_loop(node, self._try)

    def leave_For(self, original_node: cst.For) -> None:
        self.observer.on_leave_loop()

    def visit_While(self, node: cst.While) -> None:
        self.observer.on_loop(node, self._try)

    def leave_While(self, original_node: cst.While) -> None:
        self.observer.on_leave_loop()

    def visit_With(self, node: cst.With) -> None:
        self.observer.on_with(self, node)

    def leave_With(self, original_node: cst.With) -> None:
        self.observer.on_leave_with(original_node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.observer.on_string(node.value)

    def leave_Call(self, original_node: cst.Call) -> None:
        self.observer.on_leave_call(original_node)

    def leave_Try(self, original_node: cst.Try) -> None:
        self._try -= 1
        self._handled -= _swallows(original_node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._handler += 1

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self._handler -= 1

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._handler += 1

    def leave_ExceptStarHandler(self, original_node: cst.ExceptStarHandler) -> None:
        self._handler -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._lambda += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._lambda -= 1

    def visit_Expr(self, node: cst.Expr) -> None:
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        self.discarded.add(id(value))

    def visit_If(self, node: cst.If) -> None:
        test = node.test
        if isinstance(test, cst.Comparison) and dotted(test.left) == "__name__":
            self.out.is_main = True

    def _decorator_name(self, dec: cst.Decorator) -> str:
        """Qualified name of a decorator, with the calls in its arguments (`+tenacity.wait_exponential`)
        so policies given as arguments (waits, stops, breakers) are visible to the call sites below it."""
        call = dec.decorator if isinstance(dec.decorator, cst.Call) else None
        expr = call.func if call is not None else dec.decorator
        name = dotted(expr) or ""
        qual = self.qualify(name) or name
        if call is not None:
            for arg in call.args:
                inner = arg.value.func if isinstance(arg.value, cst.Call) else arg.value
                inner_name = dotted(inner)
                inner_name = (self.qualify(inner_name) or inner_name) if inner_name else ""
                if arg.keyword is not None:   # keywords say which policy an argument sets (stop=, max_tries=)
                    qual += f"+{arg.keyword.value}={inner_name or '?'}"
                elif inner_name or not arg.star:
                    qual += "+" + (inner_name or "?")
        return qual

    def _bind_params(self, node: cst.FunctionDef) -> None:
        for param in (*node.params.params, *node.params.kwonly_params):
            if param.annotation is None:
                continue
            ann = param.annotation.annotation
            name = dotted(ann) or string_value(ann) or ""
            qual = self.qualify(name) or name
            if qual in lib.CLIENT_TYPES or qual.endswith("Stub"):
                self.bindings[(self.scope, param.name.value)] = _Binding(qual, None, self.scope)

    # ------------------------------------------------------------------ classes holding settings
    def _class_fields(self, node: cst.ClassDef, bases: tuple[str, ...]) -> None:
        settings = any(b.endswith(("BaseSettings", "Settings")) for b in bases)
        prefix = ""
        fields: dict[str, str] = {}
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for stmt in body:
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Config":
                prefix = self._env_prefix(stmt) or prefix
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                target, value = None, None
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    target, value = small.target.value, small.value
                elif isinstance(small, cst.Assign) and len(small.targets) == 1 and \
                        isinstance(small.targets[0].target, cst.Name):
                    target, value = small.targets[0].target.value, small.value
                if target is None:
                    continue
                if target == "model_config" and value is not None:
                    prefix = self._env_prefix_call(value) or prefix
                    continue
                if target == "name" and value is not None and string_value(value):
                    self.out.nameko_name = self.out.nameko_name or string_value(value) or ""
                folded = self._field_value(value, target, settings)
                if folded is not None:
                    fields[target] = folded
        if settings and prefix:
            fields = {k: v.replace("${" + k.upper(), "${" + prefix.upper() + k.upper()) for k, v in fields.items()}
        if fields:
            self.class_fields[node.name.value] = fields

    def _field_value(self, value: cst.BaseExpression | None, target: str, settings: bool) -> str | None:
        env_name = target.upper()
        default: cst.BaseExpression | None = value
        if isinstance(value, cst.Call) and (dotted(value.func) or "").split(".")[-1] == "Field":
            alias = _kw(value, "env") or _kw(value, "alias") or _kw(value, "validation_alias")
            if alias is not None and string_value(alias):
                env_name = string_value(alias) or env_name
            default = _pos(value, 0) if _pos(value, 0) is not None else _kw(value, "default")
        if settings:
            if default is None or _is_none(default) or isinstance(default, cst.Ellipsis):
                return "${%s}" % env_name
            folded = self.folder.fold(default)
            return "${%s:-%s}" % (env_name, folded) if UNKNOWN not in folded else "${%s}" % env_name
        if default is None:
            return None
        folded = self.folder.fold(default)
        return folded if folded != UNKNOWN else None

    def _env_prefix(self, cfg: cst.ClassDef) -> str:
        for stmt in cfg.body.body if isinstance(cfg.body, cst.IndentedBlock) else ():
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and dotted(small.targets[0].target) == "env_prefix":
                        return string_value(small.value) or ""
        return ""

    def _env_prefix_call(self, value: cst.BaseExpression) -> str:
        if isinstance(value, cst.Call):
            prefix = _kw(value, "env_prefix")
            return string_value(prefix) if prefix is not None else "" or ""
        return ""

    # ------------------------------------------------------------------ bindings and constants
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value, node)
            sec.on_assign(self, node, target.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        sec.on_assign(self, node, node.target, None)

    def visit_Global(self, node: cst.Global) -> None:
        self.global_names.update(n.name.value for n in node.names)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = string_value(node.key)
        if key:
            sec._secret(self, node, key, node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        sec.on_attribute(self, node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        sec.on_simple_string(self, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        sec.on_assign(self, node, node.target, node.value)
        if node.value is not None:
            self._bind(node.target, node.value, node)
        # `self.producer: AIOKafkaProducer = producer` or a class-level `producer: AIOKafkaProducer`:
        # the annotation says which client the name holds even when it is injected
        name = dotted(node.target)
        ann = node.annotation.annotation
        type_name = dotted(ann) or string_value(ann) or ""
        qual = self.qualify(type_name) or type_name
        if name and (qual in lib.CLIENT_TYPES or qual.endswith("Stub")) and \
                not isinstance(node.value, cst.Call):
            if name.startswith(("self.", "cls.")) or (self._classes and not self._funcs):
                key = (f"class:{self.cls}", name.split(".", 1)[1] if "." in name else name)
            else:
                key = (self.scope, name)
            self.bindings.setdefault(key, _Binding(qual, None, self.scope))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, (cst.Name, cst.Attribute)):
            self._bind(node.asname.name, node.item, node)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, stmt: cst.CSTNode) -> None:
        name = dotted(target)
        if name is None:
            return
        if isinstance(value, cst.Await):
            value = value.expression
        module_level = not self._funcs and not self._classes
        if module_level and (("." not in name) or _CONFIG_ATTR.search(name)):
            # module constants, and configuration set on objects (`app.conf.task_default_queue = "q"`)
            folded = self.folder.fold(value)
            if folded != UNKNOWN:
                self.names[name] = folded
                self.out.constants.append((stmt, Constant(name, folded, 0)))
            if isinstance(value, cst.Call):
                cls_name = dotted(value.func) or ""
                if cls_name in self.class_fields or cls_name.endswith(("Settings", "Config")):
                    self.instances[name] = cls_name
        if name.startswith(("self.", "cls.")):
            key = (f"class:{self.cls}", name.split(".", 1)[1])
        elif self._classes and not self._funcs:
            key = (f"class:{self.cls}", name)
        else:
            key = (self.scope, name)
        if not module_level:
            if name.startswith("self.") and self.scope.endswith(".__init__"):
                value = self._init_param(value)
            self.values.setdefault(key, value)   # the first binding: later ones tend to refine it
        call = value if isinstance(value, cst.Call) else None
        # `connection.channel()` style: the object made by calling a method of a bound object
        if call is None:
            return
        qual = self._call_qual(call)
        if module_level and qual in lib.APP_TYPES and lib.APP_TYPES[qual][1] == "router":
            prefix = _kw(call, "prefix") or _kw(call, "url_prefix")
            if prefix is not None and string_value(prefix):
                self.out.routes.append((stmt, Route("PREFIX", string_value(prefix) or "", lib.APP_TYPES[qual][0],
                                                    0, router=f"{self.module_name}.{name}")))
        self.bindings[key] = _Binding(qual or "", call, self.scope)

    def _init_param(self, value: cst.BaseExpression) -> cst.BaseExpression:
        """`self.base_url = base_url` (or `base_url.rstrip("/")`) in `__init__`: the field holds what the
        constructor's caller passes, written `${init:base_url}` until a caller supplies it."""
        positional, keyword = self.params.get(self.scope, ([], []))
        inner = value
        if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and \
                inner.func.attr.value in ("rstrip", "strip", "lstrip"):
            inner = inner.func.value
        if isinstance(inner, cst.Name) and (inner.value in positional or inner.value in keyword):
            return cst.Name("__svclint_init_" + inner.value)
        return value

    def _call_qual(self, call: cst.Call) -> str | None:
        name = dotted(call.func)
        return self.qualify(name) or name

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        func_name = dotted(node.func) or ""
        if func_name == "print":
            self.uses_print = True
        qual = self.qualify(func_name) or func_name
        self._env_read(node, qual, func_name)
        self._wrapped_env_read(node, func_name)
        self._server_registration(node, qual, func_name)
        self._route_call(node, qual, func_name)
        sec.on_call(self, node, qual, func_name)
        decorators = tuple(d for f in self._funcs for d in f[2])
        in_async = any(f[1] for f in self._funcs[-1:]) and self._lambda == 0
        self.observer.on_call(self, node, qual, func_name)
        self.pending.append(_Pending(node, self.scope, self.cls, in_async, self._try > 0, decorators,
                                     self._handled > 0, bool(self.observer.guards),
                                     self.observer.loop_of(self._try)))
        self._function_note(node, qual, func_name, in_async)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        base = dotted(node.value) or ""
        if (self.qualify(base) == "os.environ" or base == "os.environ") and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                self._env_wrapper(index.value)
            if isinstance(index, cst.Index) and string_value(index.value):
                self.out.env_reads.append((node, EnvRead(string_value(index.value) or "", None, 0,
                                                         required=self._try == 0)))

    def _env_read(self, node: cst.Call, qual: str, func_name: str) -> None:
        if not (qual in ("os.environ.get", "os.getenv", "os.environ.setdefault") or
                func_name.endswith(("environ.get", "getenv"))):
            return
        key = _pos(node, 0)
        self._env_wrapper(key)
        if key is None or string_value(key) is None:
            return
        default = _pos(node, 1) or _kw(node, "default")
        value = None if default is None or _is_none(default) else self.folder.fold(default)
        self.out.env_reads.append((node, EnvRead(string_value(key) or "", value, 0)))

    def _env_wrapper(self, key: cst.BaseExpression | None) -> None:
        """`def must_env(name): return os.environ.get(name)`: a module function whose parameter names the
        variable; its callers (`must_env("DB_URL")`) read that variable."""
        if not isinstance(key, cst.Name) or len(self._funcs) != 1 or self._classes:
            return
        positional, _ = self.params.get(self.scope, ([], []))
        if key.value in positional:
            self.folder.env_wrappers[self.scope] = positional.index(key.value)

    def _wrapped_env_read(self, node: cst.Call, func_name: str) -> None:
        index = self.folder.env_wrappers.get(func_name)
        key = _pos(node, index) if index is not None else None
        if key is not None and string_value(key):
            self.out.env_reads.append((node, EnvRead(string_value(key) or "", None, 0)))

    def _server_registration(self, node: cst.Call, qual: str, func_name: str) -> None:
        last = func_name.split(".")[-1]
        m = re.fullmatch(r"add_(\w+)Servicer_to_server", last)
        if m:
            if m.group(1) == "Health":
                self.out.grpc_health = True
            else:
                self.out.grpc_servicers.add(m.group(1))
            self.out.frameworks.add("grpc")
        if qual in ("grpc.server", "grpc.aio.server"):
            self.out.frameworks.add("grpc")
        if last in ("run", "run_app", "serve", "serve_forever", "start") and \
                (qual.startswith(("uvicorn", "aiohttp.web", "waitress", "gunicorn", "hypercorn")) or
                 func_name in ("app.run", "web.run_app")):
            self.out.is_main = True
            port = _kw(node, "port")
            if port is not None and not self.out.serve_port:
                self.out.serve_port = self.folder.fold(port)

    # ------------------------------------------------------------------ routes
    def _route_call(self, node: cst.Call, qual: str, func_name: str) -> None:
        last = func_name.split(".")[-1]
        if not self._funcs and func_name:
            # health-check middleware wrapped around the application at import time
            for arg in node.args:
                path = string_value(arg.value)
                if path is not None and lib.HEALTH_PATH.match(path):
                    self.out.routes.append((node, Route("GET", path, "middleware", 0, handler=qual)))
                    return
        # aiohttp: app.router.add_get("/x", handler), add_route("GET", "/x", h), web.get("/x", h)
        if last.startswith("add_") and ".router" in "." + func_name or last == "add_route":
            method = last[4:].upper() if last != "add_route" else string_value(_pos(node, 0) or cst.Name("x")) or "*"
            path_node = _pos(node, 1 if last == "add_route" else 0)
            path = string_value(path_node) if path_node is not None else None
            if path is not None and last not in ("add_routes", "add_static", "add_resource"):
                view = _pos(node, 2 if last == "add_route" else 1)
                self.out.routes.append((node, Route(method if method != "ROUTE" else "*", path, "aiohttp", 0,
                                                    handler=(dotted(view) or "") if view is not None else "")))
            return
        if qual in {f"aiohttp.web.{v}" for v in lib.HTTP_VERBS + ("route",)}:
            path = string_value(_pos(node, 0 if not qual.endswith("route") else 1) or cst.Name("x"))
            method = qual.rsplit(".", 1)[1].upper() if not qual.endswith("route") else \
                (string_value(_pos(node, 0) or cst.Name("x")) or "*")
            if path is not None:
                self.out.routes.append((node, Route(method, path, "aiohttp", 0)))
            return
        # FastAPI include_router / Flask register_blueprint: a router mounted under a prefix
        if last in ("include_router", "register_blueprint") and "." in func_name:
            child = _pos(node, 0) or _kw(node, "router") or _kw(node, "blueprint")
            prefix = _kw(node, "prefix") or _kw(node, "url_prefix")
            child_name = dotted(child) if child is not None else None
            if child_name:
                parent = func_name.rsplit(".", 1)[0]
                self.out.routes.append((node, Route(
                    "MOUNT", string_value(prefix) or "" if prefix is not None else "",
                    "flask" if last == "register_blueprint" else "fastapi", 0,
                    handler=self.qualify(parent) or f"{self.module_name}.{parent}",
                    router=self.qualify(child_name) or f"{self.module_name}.{child_name}")))
            return
        # Flask add_url_rule
        if last == "add_url_rule":
            path = string_value(_pos(node, 0) or cst.Name("x"))
            if path is not None:
                for method in self._methods(node) or ["GET"]:
                    self.out.routes.append((node, Route(method, self._prefix(func_name) + path, "flask", 0)))
            return
        # Django urls
        if qual in ("django.urls.path", "django.urls.re_path", "django.conf.urls.url") or \
                (last in ("path", "re_path", "url") and "django" in self.out.frameworks and
                 self.module_name.endswith("urls")):
            route = string_value(_pos(node, 0) or cst.Name("x"))
            view = _pos(node, 1)
            if route is None or view is None:
                return
            handler = ""
            method = "*"
            if isinstance(view, cst.Call) and (dotted(view.func) or "").endswith("include"):
                target = _pos(view, 0)
                if isinstance(target, cst.Tuple) and target.elements:
                    target = target.elements[0].value
                handler = string_value(target) if target is not None else None or ""
                if not handler and target is not None:
                    handler = "${ref:%s}" % (self.qualify(dotted(target)) or dotted(target) or "?")
                method = "INCLUDE"
            else:
                handler = dotted(view.func if isinstance(view, cst.Call) else view) or ""
                handler = self.qualify(handler.split(".")[0]) and (self.qualify(handler) or handler) or handler
            if last in ("re_path", "url"):
                route = _regex_route(route)
            self.out.routes.append((node, Route(method, route, "django", 0, handler)))
            self.out.frameworks.add("django")
            return
        # Starlette Route("/x", endpoint, methods=[...])
        if qual in ("starlette.routing.Route", "starlette.routing.WebSocketRoute"):
            path = string_value(_pos(node, 0) or cst.Name("x"))
            if path is not None:
                for method in self._methods(node) or ["*"]:
                    self.out.routes.append((node, Route(method, path, "starlette", 0)))
        # Tornado Application([(r"/x", Handler), ...])
        if qual in ("tornado.web.Application",):
            handlers = _pos(node, 0) or _kw(node, "handlers")
            if isinstance(handlers, cst.List):
                for el in handlers.elements:
                    if isinstance(el.value, cst.Tuple) and el.value.elements:
                        path = string_value(el.value.elements[0].value)
                        if path is not None:
                            self.out.routes.append((el.value, Route("*", _regex_route(path), "tornado", 0)))
            self.out.frameworks.add("tornado")

    def _methods(self, node: cst.Call) -> list[str]:
        methods = _kw(node, "methods")
        if isinstance(methods, (cst.List, cst.Tuple, cst.Set)):
            return [str(string_value(e.value)).upper() for e in methods.elements if string_value(e.value)]
        return []

    def _prefix(self, receiver: str) -> str:
        """URL prefix of a router/blueprint object (`APIRouter(prefix=...)`, `Blueprint(url_prefix=...)`)."""
        obj = receiver.rsplit(".", 1)[0] if "." in receiver else receiver
        binding = self.bindings.get(("", obj))
        if binding is None or binding.call is None:
            return ""
        prefix = _kw(binding.call, "prefix") or _kw(binding.call, "url_prefix")
        return string_value(prefix) or "" if prefix is not None else ""

    # ------------------------------------------------------------------ communication and data facts
    def _function_note(self, node: cst.Call, qual: str, func_name: str, in_async: bool) -> None:
        """What a call tells about its function: compensation in handlers, deferred work, blocking waits."""
        if "outbox" in func_name.lower():
            self.out.outbox = True
        if qual in ("sqlalchemy.Table", "sqlalchemy.schema.Table"):
            table = string_value(_pos(node, 0) or cst.Name("x"))
            if table:
                self.out.models.append((node, Model(table, table, 0, "sqlalchemy",
                                                    _model_columns(node, "sqlalchemy", self.qualify))))
                self.out.outbox = self.out.outbox or "outbox" in table.lower()
        notes = self.out.functions.get(self.scope) if self._funcs else None
        if notes is None or not func_name:
            return
        last = func_name.split(".")[-1]
        if self._handler and not last[:1].isupper() and func_name != "print" and \
                not re.search(r"(^|\.)(log|logger|logging|_log|_logger|LOG|LOGGER)\.", func_name):
            notes.handler_calls.append(func_name)
        if last == "on_commit":
            notes.on_commit = True
        if in_async and qual in lib.BLOCKING_FUNCTIONS:
            notes.blocking.append((node, qual))

    def _model(self, node: cst.ClassDef, bases: tuple[str, ...]) -> None:
        """A class mapped to a table: SQLAlchemy `__tablename__`, SQLModel `table=True`, Flask-SQLAlchemy
        `db.Model` (snake_case of the class), Django models (`Meta.db_table`, else `<app>_<model>`)."""
        own, meta = _assignments(node), {}
        for stmt in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Meta":
                meta = _assignments(stmt)
        name = node.name.value
        django = any(b == "django.db.models.Model" or b in self._django_models or
                     b.startswith(("django.db.models.", "django.contrib.auth.models.Abstract")) for b in bases) or \
            (any(b.endswith("Model") for b in bases) and any(
                isinstance(v, cst.Call) and (self.qualify(dotted(v.func)) or "").startswith("django.")
                for v in own.values()))
        table, framework = "", ""
        if django:
            self._django_models.add(name)
            if _true(meta.get("abstract")) or _true(meta.get("proxy")):
                return
            framework = "django"
            table = string_value(meta["db_table"]) or "" if "db_table" in meta else ""
            if not table:
                label = string_value(meta["app_label"]) or "" if "app_label" in meta else ""
                parts = self.module_name.split(".")
                if not label and len(parts) >= 2:
                    label = parts[-3] if parts[-2] == "models" and len(parts) >= 3 else parts[-2]
                table = f"{label}_{name.lower()}" if label else ""
        elif _true(own.get("__abstract__")):
            return
        elif "__tablename__" in own:
            folded = self.folder.fold(own["__tablename__"])
            table, framework = ("" if UNKNOWN in folded else folded), "sqlalchemy"
        elif "sqlmodel.SQLModel" in bases and any(k.keyword is not None and k.keyword.value == "table" and
                                                  _true(k.value) for k in node.keywords):
            table, framework = name.lower(), "sqlmodel"
        elif any(b.endswith(".Model") and self._flask_sqlalchemy(b.rsplit(".", 1)[0]) for b in bases):
            table, framework = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower(), \
                "flask-sqlalchemy"
        if table:
            self.out.models.append((node.name, Model(name, table, 0, framework,
                                                     _model_columns(node, framework, self.qualify))))
            self.out.outbox = self.out.outbox or "outbox" in table.lower()

    def _flask_sqlalchemy(self, receiver: str) -> bool:
        b = self.bindings.get(("", receiver))
        return (b is not None and b.qual == "flask_sqlalchemy.SQLAlchemy") or \
            (b is None and any(q.startswith("flask_sqlalchemy") for q in self.aliases.values()))

    # ------------------------------------------------------------------ end of module
    def leave_Module(self, original_node: cst.Module) -> None:
        sec.on_module_end(self)
        for name, cls in self.instances.items():
            for fld, value in self.class_fields.get(cls, {}).items():
                self.names.setdefault(f"{name}.{fld}", value)
        for cls, fields in self.class_fields.items():
            for fld, value in fields.items():
                self.names.setdefault(f"{cls}.{fld}", value)
                self.out.constants.append((original_node, Constant(f"{cls}.{fld}", value, 0)))
        for name, cls in self.instances.items():
            for fld, value in self.class_fields.get(cls, {}).items():
                self.out.constants.append((original_node, Constant(f"{name}.{fld}", value, 0)))
        if self.out.logging == "none":
            if self.uses_logging:
                self.out.logging = "plain"
            elif self.uses_print:
                self.out.logging = "plain"
        for func, qual, cls, decorators in self.decorated:
            self._decorated(func, qual, cls, decorators)
        interpreter = _Interpreter(self)
        for pending in self.pending:
            interpreter.interpret(pending)
        interpreter.expand_wrappers()
        interpreter.project_calls()
        self.observer.finish(self, interpreter.lookup)

    def _decorated(self, func: cst.FunctionDef, qual: str, cls: str, decorators: tuple[str, ...]) -> None:
        for dec in func.decorators:
            expr = dec.decorator
            call = expr if isinstance(expr, cst.Call) else None
            name = dotted(call.func if call else expr) or ""
            full = self.qualify(name) or name
            last = name.split(".")[-1]
            receiver = name.rsplit(".", 1)[0] if "." in name else ""
            # celery tasks
            if full in ("celery.shared_task",) or (last == "task" and receiver and self._is_celery(receiver)) \
                    or full.endswith(".shared_task"):
                self.out.celery_tasks.add(func.name.value)
                continue
            # nameko
            if full in ("nameko.rpc.rpc",) or (last == "rpc" and "nameko" in full):
                svc = self.out.nameko_name or cls
                self.out.routes.append((func, Route("RPC", f"{svc}.{func.name.value}", "nameko", 0, qual)))
                self.out.frameworks.add("nameko")
                continue
            if full in ("nameko.events.event_handler",) and call is not None:
                source = string_value(_pos(call, 0) or cst.Name("x")) or ""
                event = string_value(_pos(call, 1) or cst.Name("x")) or ""
                self.out.calls.append((dec, CallSite("nameko", "consume", 0, 0, "event_handler",
                                                     channel=event, stub=source, function=qual,
                                                     symbol="nameko.event_handler")))
                self.out.frameworks.add("nameko")
                continue
            if call is None:
                continue
            # nameko-style @http("GET", "/x") from nameko or a project's own HttpEntrypoint
            if last == "http" and string_value(_pos(call, 0) or cst.Name("x")) and \
                    string_value(_pos(call, 1) or cst.Name("x")) is not None:
                methods = (string_value(_pos(call, 0)) or "GET").split(",")
                for method in methods:
                    self.out.routes.append((dec, Route(method.strip().upper(), string_value(_pos(call, 1)) or "",
                                                       "nameko" if "nameko" in self.out.frameworks else "http", 0, qual)))
                continue
            self._route_decorator(dec, call, name, full, last, receiver, qual)

    def _is_celery(self, receiver: str) -> bool:
        b = self.bindings.get(("", receiver))
        if b is not None and b.qual == "celery.Celery":
            return True
        q = self.qualify(receiver) or ""
        return "celery" in q.lower() or receiver in ("app", "celery", "celery_app")

    def _route_decorator(self, dec: cst.Decorator, call: cst.Call, name: str, full: str, last: str,
                         receiver: str, qual: str) -> None:
        verbs = set(lib.HTTP_VERBS) | {"route", "api_route", "websocket", "view"}
        if last not in verbs or not receiver:
            return
        path_node = _pos(call, 0) or _kw(call, "path") or _kw(call, "rule")
        path = string_value(path_node) if path_node is not None else None
        if path is None or not (path.startswith("/") or path == ""):
            return
        framework = self._framework_of(receiver)
        if framework is None:
            return
        if last in ("route", "api_route", "view"):
            methods = self._methods(call) or (["GET"] if framework in ("flask", "quart", "sanic") else ["*"])
        elif last == "websocket":
            methods = ["WS"]
        else:
            methods = [last.upper()]
        prefix = self._prefix(receiver + ".x")
        router = self.qualify(receiver) or f"{self.module_name}.{receiver}"
        for method in methods:
            self.out.routes.append((dec, Route(method, prefix + path, framework, 0, qual, router)))

    def _framework_of(self, receiver: str) -> str | None:
        binding = self.bindings.get(("", receiver))
        if binding is not None and binding.qual in lib.APP_TYPES:
            return lib.APP_TYPES[binding.qual][0]
        q = self.qualify(receiver) or ""
        for known, (fw, _) in lib.APP_TYPES.items():
            if q.startswith(known.split(".")[0]):
                return fw
        # an app or router imported from a sibling module
        if self.out.frameworks & {"fastapi", "flask", "quart", "sanic", "aiohttp", "starlette", "litestar"}:
            for fw in ("fastapi", "flask", "quart", "sanic", "aiohttp", "litestar", "starlette"):
                if fw in self.out.frameworks:
                    return fw
        if q and q.split(".")[0] not in lib.WEB_FRAMEWORKS and binding is None:
            # `from . import router` in a module that never imports the framework: the router's own
            # module says which one; resolve joins them (routes.compose_routes)
            return "http"
        return None


def _assignments(cls: cst.ClassDef) -> dict[str, cst.BaseExpression]:
    """`name = value` (and annotated) statements directly in a class body."""
    found: dict[str, cst.BaseExpression] = {}
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                found[small.targets[0].target.value] = small.value
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
                found[small.target.value] = small.value
    return found


def _true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


_SQL_WRITE = re.compile(r"^\s*(insert|update|delete|merge|upsert|replace)\b", re.I)


_DJANGO_RELATIONS = ("ForeignKey", "OneToOneField", "ManyToManyField")


def _model_columns(node: cst.ClassDef | cst.Call, framework: str, qualify) -> tuple[Column, ...]:  # noqa: ANN001
    """The columns a model class declares in its own body (or a `Table(...)` in its arguments)."""
    columns = []
    if isinstance(node, cst.Call):     # Table("name", metadata, Column("id", Integer, primary_key=True), ...)
        for arg in node.args:
            if isinstance(arg.value, cst.Call) and (dotted(arg.value.func) or "").endswith("Column"):
                columns.append(_sqlalchemy_column("", arg.value, None))
        return tuple(c for c in columns if c.name)
    for stmt in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value, ann = dotted(small.targets[0].target), small.value, None
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                target, value, ann = dotted(small.target), small.value, small.annotation.annotation
            else:
                continue
            if not target or not isinstance(value, cst.Call):
                continue
            callee = dotted(value.func) or ""
            qual, last = qualify(callee) or callee, callee.rsplit(".", 1)[-1]
            if framework == "django":
                if qual.startswith("django.") and (last.endswith("Field") or last in _DJANGO_RELATIONS):
                    columns.append(_django_column(target, value, last))
            elif last in ("Column", "mapped_column", "Field"):
                columns.append(_sqlalchemy_column(target, value, ann))
    if framework == "django" and not any(c.primary_key for c in columns):
        columns.insert(0, Column("id", "AutoField", primary_key=True))   # Django's implicit key
    return tuple(columns)


def _truthy(call: cst.Call, name: str) -> bool | None:
    value = _kw(call, name)
    return None if value is None else dotted(value) == "True"


def _sqlalchemy_column(name: str, call: cst.Call, ann: cst.BaseExpression | None) -> Column:
    type_, fk = "", ""
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            continue
        value = arg.value
        inner = dotted(value.func) if isinstance(value, cst.Call) else dotted(value)
        if inner and inner.rsplit(".", 1)[-1] == "ForeignKey" and isinstance(value, cst.Call):
            fk = string_value(_pos(value, 0) or cst.Name("x")) or dotted(_pos(value, 0) or cst.Name("x")) or ""
        elif inner and not type_:
            type_ = inner.rsplit(".", 1)[-1]
        elif string_value(value) is not None and not type_:
            name = string_value(value) or name   # Column("db_name", Integer)
    if not type_ and isinstance(ann, cst.Subscript) and ann.slice:
        elem = ann.slice[0].slice
        if isinstance(elem, cst.Index):
            type_ = (dotted(elem.value) or "").rsplit(".", 1)[-1] or \
                ("Optional" if isinstance(elem.value, cst.BinaryOperation) else "")
    return Column(name, type_, bool(_truthy(call, "primary_key")), fk, _truthy(call, "nullable"),
                  bool(_truthy(call, "unique")))


def _django_column(name: str, call: cst.Call, kind: str) -> Column:
    fk = ""
    if kind in _DJANGO_RELATIONS:
        first = _pos(call, 0) or _kw(call, "to")
        fk = (string_value(first) or dotted(first) or "") if first is not None else ""
    return Column(name, kind, bool(_truthy(call, "primary_key")), fk, _truthy(call, "null"),
                  bool(_truthy(call, "unique")))


def _regex_route(route: str) -> str:
    """`^users/(?P<id>\\d+)/$` -> `users/{id}/` (regex routes of Django and Tornado)."""
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    return route.replace("\\", "")


class _Interpreter:
    """Turns the pending calls of a module into call sites, once all bindings are known."""

    def __init__(self, v: ModuleVisitor) -> None:
        self.v = v
        self._current: _Pending | None = None

    def _value(self, name: str, scope: str, cls: str) -> cst.BaseExpression | None:
        values = self.v.values
        positional, keyword = self.v.params.get(scope, ([], []))
        if name in positional or name in keyword:
            if (scope, name) not in values:
                return cst.Name("__svclint_param_" + name)
        if name.startswith(("self.", "cls.")):
            return values.get((f"class:{cls}", name.split(".", 1)[1]))
        parts = scope.split(".") if scope else []
        while parts:
            key = (".".join(parts), name)
            if key in values:
                return values[key]
            parts.pop()
        return None

    def lookup(self, name: str, scope: str, cls: str) -> _Binding | None:
        b = self.v.bindings
        if name.startswith(("self.", "cls.")):
            attr = name.split(".", 1)[1]
            # the class itself, then its base classes defined in this module
            todo, seen = [cls], set()
            while todo:
                current = todo.pop(0)
                if current in seen:
                    continue
                seen.add(current)
                if (f"class:{current}", attr) in b:
                    return b[(f"class:{current}", attr)]
                todo.extend(base.rsplit(".", 1)[-1] for base in self.v.class_bases.get(current, ()))
            return None
        parts = scope.split(".") if scope else []
        while True:
            key = (".".join(parts), name)
            if key in b:
                return b[key]
            if not parts:
                return None
            parts.pop()

    def interpret(self, p: _Pending) -> None:
        self.v.folder.class_fields = self.v.class_fields.get(p.cls, {})
        self.v.folder.local = lambda name: self._value(name, p.scope, p.cls)
        self._current = p
        call = p.call
        func = call.func
        func_name = dotted(func)
        v = self.v
        self._effects(p)
        if func_name is not None:
            bound = self.lookup(func_name, p.scope, p.cls)
            if bound is not None and bound.qual in lib.CLIENT_TYPES and \
                    lib.CLIENT_TYPES[bound.qual].kind == "nameko-dispatcher":
                event = _pos(call, 0)
                self._add(p, CallSite("nameko", "publish", 0, 0, "dispatch", timeout=False,
                                      channel=v.folder.fold(event) if event is not None else "",
                                      stub=v.out.nameko_name, symbol="nameko.dispatch"))
                return
            qual = v.qualify(func_name) or func_name
            if qual in lib.HTTP_FUNCTIONS:
                library, default = lib.HTTP_FUNCTIONS[qual]
                self._http(p, library, qual.rsplit(".", 1)[1], None, default, qual, qual)
                return
            if qual in lib.DATASTORE_CLIENTS or qual in ("boto3.client", "boto3.resource",
                                                          "boto3.session.Session.client"):
                self._datastore(p, qual)
                return
            if qual in lib.CLIENT_TYPES:
                self._constructor(p, qual)
                return
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        receiver = func.value
        if self._locust(p, method, receiver):
            return
        obj = self._object_of(receiver, p)
        if obj is not None:
            self._method(p, obj, method, receiver)
            return
        # celery: task.delay(...), task.apply_async(...), app.send_task("name")
        if method in ("delay", "apply_async") and dotted(receiver):
            queue = _kw(call, "queue")
            channel = string_value(queue) if queue is not None else None
            self._add(p, CallSite("celery", "publish", 0, 0, method, channel=channel or "celery",
                                  stub=dotted(receiver) or "", symbol=f"celery.{method}"))
            return
        if method == "send_task" and dotted(receiver) and v._is_celery(dotted(receiver) or ""):
            name = string_value(_pos(call, 0) or cst.Name("x")) or ""
            queue = _kw(call, "queue")
            self._add(p, CallSite("celery", "publish", 0, 0, method,
                                  channel=(string_value(queue) if queue is not None else None) or "celery",
                                  stub=name, symbol="celery.send_task"))

    def _effects(self, p: _Pending) -> None:
        """Database writes of a function, and operations of blocking datastore clients in `async def`."""
        notes = self.v.out.functions.get(p.scope) if p.scope else None
        func = p.call.func
        if notes is None or not isinstance(func, cst.Attribute):
            return
        method, receiver = func.attr.value, func.value
        rname = dotted(receiver) or ""
        what = f"{rname or '…'}.{method}"
        if method == "commit":
            # a Kafka consumer's offset commit or a git commit is no database transaction
            if self._object_of(receiver, p) is None and not re.search(r"consumer|producer|git|repo", rname.lower()):
                notes.writes.append((p.call, what))
        elif method in lib.MONGO_WRITES or (method in lib.DJANGO_WRITES and rname.endswith("objects")) or \
                (method == "save" and rname and self.v.uses_orm):
            notes.writes.append((p.call, what))
        elif method in ("execute", "executemany"):
            sql = _pos(p.call, 0)
            if isinstance(sql, cst.Call) and (dotted(sql.func) or "").endswith("text"):
                sql = _pos(sql, 0)
            if sql is not None and _SQL_WRITE.match(string_value(sql) or ""):
                notes.writes.append((p.call, what))
                self.v.out.outbox = self.v.out.outbox or "outbox" in (string_value(sql) or "").lower()
        if p.in_async:
            root = self._sync_datastore(receiver, p)
            if root:
                notes.blocking.append((p.call, f"{root} {method}"))

    def _sync_datastore(self, receiver: cst.BaseExpression, p: _Pending, depth: int = 0) -> str:
        """The blocking datastore client (qualified constructor) a receiver expression leads back to."""
        if depth > 6 or isinstance(receiver, cst.Await):
            return ""
        if isinstance(receiver, cst.Call):
            qual = self.v._call_qual(receiver) or ""
            if qual in lib.SYNC_DATASTORES:
                return qual
            return self._sync_datastore(receiver.func.value, p, depth + 1) \
                if isinstance(receiver.func, cst.Attribute) else ""
        name = dotted(receiver)
        b = self.lookup(name, p.scope, p.cls) if name else None
        if b is None:
            return ""
        if b.qual in lib.SYNC_DATASTORES:
            return b.qual
        if b.call is not None and isinstance(b.call.func, cst.Attribute):
            return self._sync_datastore(b.call.func.value, p, depth + 1)
        return ""

    def _locust(self, p: _Pending, method: str, receiver: cst.BaseExpression) -> bool:
        """`self.client.get("/x")` in a locust user (or a task function given the user): a request to
        the host the load generator is started with (`--host`, LOCUST_HOST)."""
        if method not in lib.HTTP_VERBS + ("request",) or not isinstance(receiver, cst.Attribute) or \
                receiver.attr.value != "client" or not isinstance(receiver.value, cst.Name):
            return False
        users = {q for q in self.v.aliases.values() if q.startswith("locust.")}
        if not users:
            return False
        fast = any(q.endswith("FastHttpUser") for q in users) or any(
            b.endswith("FastHttpUser") for bases in self.v.class_bases.values() for b in bases)
        url = _pos(p.call, 1 if method == "request" else 0) or _kw(p.call, "url") or _kw(p.call, "path")
        path = self.v.folder.fold(url) if url is not None else ""
        self._add(p, CallSite("locust", "http", 0, 0, method, target="${LOCUST_HOST}" + path,
                              timeout=fast, timeout_value=60.0 if fast else None, symbol=f"locust.{method}"))
        return True

    # -------------------------------------------------------------- objects
    def _object_of(self, receiver: cst.BaseExpression, p: _Pending,
                   depth: int = 0) -> tuple[str, cst.Call | None, str] | None:
        """(qualified type, constructor call, extra) of the object a receiver expression holds."""
        if depth > 8:  # `q = q.where(...)` rebinds a name to a method of itself
            return None
        if isinstance(receiver, cst.Await):
            receiver = receiver.expression
        if isinstance(receiver, cst.Call):
            qual = self.v._call_qual(receiver) or ""
            if qual in lib.CLIENT_TYPES or qual.endswith("Stub"):
                return qual, receiver, ""
            # connection.channel() / channel.default_exchange
            inner = receiver.func
            if isinstance(inner, cst.Attribute):
                base = self._object_of(inner.value, p, depth + 1)
                if base is not None:
                    return base[0] + "." + inner.attr.value + "()", base[1], base[2]
            return None
        name = dotted(receiver)
        if name is None:
            return None
        binding = self.lookup(name, p.scope, p.cls)
        if binding is not None:
            if binding.call is not None and binding.qual not in lib.CLIENT_TYPES and \
                    not binding.qual.endswith("Stub") and isinstance(binding.call.func, cst.Attribute):
                # x = conn.channel(); x = await channel.declare_queue("q")
                base = self._object_of(binding.call.func.value, p, depth + 1)
                if base is not None:
                    attr = binding.call.func.attr.value
                    extra = base[2]
                    if attr in ("declare_queue", "declare_exchange", "queue_declare", "exchange_declare"):
                        name = _pos(binding.call, 0) or _kw(binding.call, "name") or _kw(binding.call, "queue")
                        extra = self.v.folder.fold(name) if name is not None else extra
                    # keep the root constructor (the connection) so its target is known
                    return base[0] + "." + attr + "()", base[1], extra
                return None
            if binding.qual in lib.CLIENT_TYPES or binding.qual.endswith("Stub"):
                return binding.qual, binding.call, ""
            return None
        # self.dispatch / self.orders_rpc where the class declares `dispatch = EventDispatcher()`
        if "." in name:
            head, attr = name.rsplit(".", 1)
            base = self._object_of(cst.parse_expression(head), p, depth + 1) if head not in ("self", "cls") else None
            if base is not None and base[0] in ("nameko.standalone.rpc.ClusterRpcProxy",
                                                "nameko.standalone.rpc.ClusterRpcClient"):
                return "nameko.rpc.ServiceRpc", None, attr
            if base is not None and base[0].startswith(("aio_pika.", "pika.", "kombu.")):
                return base[0] + "." + attr, base[1], base[2]
        return None

    def _method(self, p: _Pending, obj: tuple[str, cst.Call | None, str], method: str,
                receiver: cst.BaseExpression) -> None:
        qual, ctor, extra = obj
        call = p.call
        ctype = lib.CLIENT_TYPES.get(qual)
        if ctype is not None and ctype.kind == "http" and method in ctype.methods:
            self._http(p, ctype.library, method, ctor, ctype.default_timeout, f"{ctype.library}.{method}", qual)
            return
        if qual.endswith("Stub") and ctor is not None or qual.endswith("Stub"):
            if method in ("__init__",) or method.startswith("_"):
                return
            self._grpc(p, qual, ctor, method)
            return
        if ctype is not None and ctype.kind == "producer" and method in ctype.methods:
            topic = _pos(call, 0) or _kw(call, "topic")
            if ctype.library == "kombu":
                topic = _kw(call, "routing_key") or _kw(call, "exchange") or \
                    (_kw(ctor, "routing_key") if ctor else None) or (_kw(ctor, "exchange") if ctor else None)
            self._add(p, CallSite(ctype.library, "publish", 0, 0, method,
                                  target=self._bootstrap(ctor, ctype.library),
                                  channel=self._channel_name(topic), symbol=f"{ctype.library}.{method}"))
            return
        if ctype is not None and ctype.kind == "consumer" and method == "subscribe":
            topics = _pos(call, 0) or _kw(call, "topics")
            for t in self._topics(topics):
                self._add(p, CallSite(ctype.library, "consume", 0, 0, method,
                                      target=self._bootstrap(ctor, ctype.library), channel=t,
                                      symbol=f"{ctype.library}.subscribe"))
            return
        if qual.startswith(("pika.", "aio_pika.", "kombu.Connection")):
            self._amqp(p, qual, ctor, method, extra)
            return
        if ctype is not None and ctype.kind == "nameko-rpc" or qual == "nameko.rpc.ServiceRpc":
            target = extra or (string_value(_pos(ctor, 0) or cst.Name("x")) if ctor is not None else "") or ""
            self._add(p, CallSite("nameko", "rpc", 0, 0, method, stub=target, timeout=False,
                                  symbol="nameko.rpc"))
            return
        if ctype is not None and ctype.kind == "nameko-dispatcher":
            return  # dispatching is calling the dispatcher itself; handled below
        if ctype is not None and ctype.kind == "celery-app" and method == "send_task":
            name = string_value(_pos(call, 0) or cst.Name("x")) or ""
            queue = _kw(call, "queue")
            self._add(p, CallSite("celery", "publish", 0, 0, method,
                                  channel=(string_value(queue) if queue is not None else None) or "celery",
                                  stub=name, symbol="celery.send_task"))

    # -------------------------------------------------------------- constructors called directly
    def _constructor(self, p: _Pending, qual: str) -> None:
        ctype = lib.CLIENT_TYPES[qual]
        call = p.call
        if ctype.kind == "consumer" and ctype.library in ("kafka-python", "aiokafka"):
            topics = [a.value for a in call.args if a.keyword is None and not a.star]
            for t in topics:
                for name in self._topics(t):
                    self._add(p, CallSite(ctype.library, "consume", 0, 0, "consume",
                                          target=self._bootstrap(call, ctype.library), channel=name,
                                          symbol=f"{ctype.library}.consumer"))
        if ctype.kind == "consumer" and ctype.library == "kombu":
            queues = _kw(call, "queues") or _pos(call, 1)
            for q in (queues.elements if isinstance(queues, (cst.List, cst.Tuple)) else []):
                if isinstance(q.value, cst.Call):
                    name = self.v.folder.fold(_pos(q.value, 0) or _kw(q.value, "name"))
                    self._add(p, CallSite("kombu", "consume", 0, 0, "consume", channel=name,
                                          symbol="kombu.consumer"))

    # -------------------------------------------------------------- helpers per protocol
    def _http(self, p: _Pending, library: str, method: str, ctor: cst.Call | None, default: bool,
              symbol: str, client: str = "") -> None:
        call = p.call
        url_node = _kw(call, "url")
        if url_node is None:
            index = 1 if method in ("request", "stream") and library in ("requests", "httpx", "aiohttp", "urllib3") \
                or library == "http.client" else 0
            url_node = _pos(call, index)
        url = self.v.folder.fold(url_node) if url_node is not None else ""
        if library == "urllib" and isinstance(url_node, cst.Call):
            url = self.v.folder.fold(_pos(url_node, 0) or _kw(url_node, "url"))
        elif library == "urllib" and url_node is not None and dotted(url_node):
            b = self.lookup(dotted(url_node) or "", p.scope, p.cls)
            if b is not None and b.call is not None:
                url = self.v.folder.fold(_pos(b.call, 0) or _kw(b.call, "url"))
        if ctor is not None:
            base = _kw(ctor, "base_url") or (_pos(ctor, 0) if library in ("http.client", "urllib3") and
                                              "connection_from_url" not in symbol else None)
            if base is not None:
                base_s = self.v.folder.fold(base)
                if library == "http.client":
                    port = _kw(ctor, "port") or _pos(ctor, 1)
                    base_s = ("https://" if "HTTPS" in (dotted(ctor.func) or "") else "http://") + base_s + \
                        (":" + self.v.folder.fold(port) if port is not None else "")
                url = base_s.rstrip("/") + ("/" + url.lstrip("/") if url and "://" not in url else "") \
                    if "://" not in url else url
        verb = method.upper() if method in lib.HTTP_VERBS else ""
        if method in ("request", "stream", "urlopen") and library != "urllib":
            verb = (string_value(_pos(call, 0) or cst.Name("x")) or "").upper()
        timeout, value = self._timeout(call, ctor, library, default)
        self._add(p, CallSite(library, "http", 0, 0, verb.lower() or method, target=url, timeout=timeout,
                              timeout_value=value, symbol=symbol, blocking=client in lib.BLOCKING_CLIENTS,
                              **self._client_facts(p, ctor, library)))

    def _client_facts(self, p: _Pending, ctor: cst.Call | None, library: str) -> dict:
        """Retries the client applies, and the headers the call sends (its own, its client's)."""
        facts: dict = {}
        policy = client_retry(self.v, self.lookup, p.call, ctor, library, p.scope, p.cls)
        if policy:
            facts.update(retry=True, retry_via=policy[0], retry_bounded=policy[1], backoff=policy[2],
                         retry_replays=policy[3])
        value = lambda name: self._value(name, p.scope, p.cls)  # noqa: E731
        headers = header_names(_kw(p.call, "headers"), value)
        if ctor is not None:
            headers += header_names(_kw(ctor, "headers"), value)
            for scope, cls, session, node in self.v.observer.session_headers:
                bound = self.lookup(session, scope, cls)
                if bound is not None and bound.call is ctor:
                    headers += header_names(node, lambda name: self._value(name, scope, cls))
        if headers:
            facts["headers"] = tuple(sorted(set(headers)))
        return facts

    def _timeout(self, call: cst.Call, ctor: cst.Call | None, library: str,
                 default: bool) -> tuple[bool, float | None]:
        names = ("timeout", "request_timeout") if library == "tornado" else ("timeout",)
        node = next((n for n in (_kw(call, k) for k in names) if n is not None), None)
        if node is None and library == "urllib":
            node = _pos(call, 2)
        if node is None and ctor is not None:
            node = next((n for n in (_kw(ctor, k) for k in names) if n is not None), None)
            if node is None and library == "urllib3":
                node = _kw(ctor, "timeout")
        if node is None:
            if library == "urllib" and "socket.setdefaulttimeout" in self.v.aliases.values():
                return True, None
            return default, None
        if _is_none(node):
            return False, None
        if isinstance(node, cst.Call) and (dotted(node.func) or "").endswith(("ClientTimeout", "Timeout")):
            args = [a for a in node.args]
            if args and all(_is_none(a.value) for a in args):
                return False, None
            first = args[0].value if args else None
            return True, _number(first)
        return True, _number(node)

    def _grpc(self, p: _Pending, stub_qual: str, ctor: cst.Call | None, method: str) -> None:
        call = p.call
        target = ""
        if ctor is not None:
            chan = _pos(ctor, 0) or _kw(ctor, "channel")
            target = self._channel_target(chan, p)
        timeout = _kw(call, "timeout")
        stub = stub_qual.rsplit(".", 1)[-1]
        facts: dict = {}
        channel = self._channel_call(_pos(ctor, 0) or _kw(ctor, "channel"), p) if ctor is not None else None
        policy = grpc_retry(channel)
        if policy:
            facts.update(retry=True, retry_via=policy[0], retry_bounded=policy[1], backoff=policy[2],
                         retry_replays=policy[3])
        headers = header_names(_kw(call, "metadata"), lambda name: self._value(name, p.scope, p.cls))
        if channel is not None and (self.v._call_qual(channel) or "").endswith("intercept_channel"):
            headers += ("?",)   # interceptors may add metadata
        if headers:
            facts["headers"] = tuple(sorted(set(headers)))
        self._add(p, CallSite("grpc", "grpc", 0, 0, method, target=target, stub=stub,
                              timeout=timeout is not None and not _is_none(timeout),
                              timeout_value=_number(timeout), symbol=f"grpc.{stub}.{method}", **facts))

    def _channel_call(self, chan: cst.BaseExpression | None, p: _Pending) -> cst.Call | None:
        """The call that made a gRPC channel (interceptors kept: they may carry metadata)."""
        if isinstance(chan, cst.Call):
            return chan
        name = dotted(chan) if chan is not None else None
        bound = self.lookup(name, p.scope, p.cls) if name else None
        return bound.call if bound is not None else None

    def _channel_target(self, chan: cst.BaseExpression | None, p: _Pending) -> str:
        if chan is None:
            return ""
        if isinstance(chan, cst.Call):
            qual = self.v._call_qual(chan) or ""
            if qual == "grpc.intercept_channel":
                return self._channel_target(_pos(chan, 0), p)
            if qual in lib.CLIENT_TYPES:
                return self.v.folder.fold(_pos(chan, 0) or _kw(chan, "target"))
            return ""
        name = dotted(chan)
        if name:
            b = self.lookup(name, p.scope, p.cls)
            if b is not None and b.call is not None:
                return self._channel_target(b.call, p)
        return ""

    def _bootstrap(self, ctor: cst.Call | None, library: str) -> str:
        if ctor is None:
            return ""
        node = _kw(ctor, "bootstrap_servers")
        if node is None and library == "confluent-kafka":
            conf = _pos(ctor, 0)
            if isinstance(conf, cst.Dict):
                for el in conf.elements:
                    if isinstance(el, cst.DictElement) and string_value(el.key) == "bootstrap.servers":
                        node = el.value
        if node is None:
            return ""
        if isinstance(node, (cst.List, cst.Tuple)) and node.elements:
            node = node.elements[0].value
        value = self.v.folder.fold(node)
        return value if "://" in value else "kafka://" + value.split(",")[0]

    def _topics(self, node: cst.BaseExpression | None) -> list[str]:
        if node is None:
            return []
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return [self._channel_name(e.value) for e in node.elements]
        return [self._channel_name(node)]

    def _channel_name(self, node: cst.BaseExpression | None) -> str:
        return self.v.folder.fold(node) if node is not None else ""

    def _amqp(self, p: _Pending, qual: str, ctor: cst.Call | None, method: str, extra: str = "") -> None:
        call = p.call
        library = "aio-pika" if qual.startswith("aio_pika") else ("kombu" if qual.startswith("kombu") else "pika")
        target = self._amqp_target(ctor, qual)
        if method in ("basic_publish", "publish"):
            routing = _kw(call, "routing_key") or (_pos(call, 1) if library == "pika" else _pos(call, 1))
            exchange = _kw(call, "exchange") or (_pos(call, 0) if library == "pika" else None)
            name = self.v.folder.fold(routing) if routing is not None else ""
            if not name or name == UNKNOWN:
                name = self.v.folder.fold(exchange) if exchange is not None else name
            self._add(p, CallSite(library, "publish", 0, 0, method, target=target, channel=name,
                                  timeout=False, symbol=f"{library}.{method}",
                                  blocking=qual.startswith("pika.BlockingConnection")))
        elif method in ("basic_consume", "consume", "iterator"):
            queue = _kw(call, "queue") or (_pos(call, 0) if library == "pika" else None)
            name = self.v.folder.fold(queue) if queue is not None else ""
            if library == "aio-pika" and qual.endswith("declare_queue()") and extra:
                name = extra
            self._add(p, CallSite(library, "consume", 0, 0, method, target=target, channel=name,
                                  symbol=f"{library}.{method}"))

    def _amqp_target(self, ctor: cst.Call | None, qual: str) -> str:
        if ctor is None:
            return ""
        arg = _pos(ctor, 0) or _kw(ctor, "parameters") or _kw(ctor, "url") or _kw(ctor, "hostname")
        if arg is not None and not isinstance(arg, cst.Call) and dotted(arg) and self._current is not None:
            bound = self.lookup(dotted(arg) or "", self._current.scope, self._current.cls)
            if bound is not None and bound.call is not None:
                arg = bound.call
        if isinstance(arg, cst.Call):
            host = _kw(arg, "host") or (_pos(arg, 0) if not (dotted(arg.func) or "").endswith("URLParameters") else None)
            if (dotted(arg.func) or "").endswith("URLParameters"):
                return self.v.folder.fold(_pos(arg, 0))
            return "amqp://" + self.v.folder.fold(host) if host is not None else "amqp://localhost"
        if arg is not None:
            value = self.v.folder.fold(arg)
            return value if "://" in value else "amqp://" + value
        return "amqp://localhost"

    def _datastore(self, p: _Pending, qual: str) -> None:
        call = p.call
        if qual.startswith("boto3."):
            service = string_value(_pos(call, 0) or _kw(call, "service_name") or cst.Name("x")) or ""
            kind, dtype = lib.BOTO3_SERVICES.get(service, ("", ""))
            if not kind:
                return
            endpoint = _kw(call, "endpoint_url")
            target = self.v.folder.fold(endpoint) if endpoint is not None else f"{dtype}://aws"
            self._add(p, CallSite("boto3", kind, 0, 0, service, target=target, channel=dtype,
                                  timeout=True, symbol=f"boto3.{service}"))
            return
        library, dtype = lib.DATASTORE_CLIENTS[qual]
        target = self._dsn(call, dtype)
        timeout = any(_kw(call, k) is not None for k in ("connect_timeout", "socket_timeout", "timeout",
                                                         "serverSelectionTimeoutMS", "connectTimeoutMS",
                                                         "command_timeout", "pool_timeout"))
        self._add(p, CallSite(library, "db", 0, 0, qual.rsplit(".", 1)[1], target=target, channel=dtype,
                              timeout=timeout, symbol=qual,
                              blocking=qual in lib.SYNC_DATASTORES and qual.endswith("connect")))

    def _dsn(self, call: cst.Call, dtype: str) -> str:
        fold = self.v.folder.fold
        for key in ("url", "dsn", "host", "conninfo", "connection_string", "hosts", "uri"):
            node = _kw(call, key)
            if node is not None:
                if key == "host" and dtype:
                    value = fold(node)
                    if "://" in value:
                        return value
                    port = _kw(call, "port")
                    db = _kw(call, "dbname") or _kw(call, "database") or _kw(call, "db")
                    return f"{dtype}://{value}" + (f":{fold(port)}" if port is not None else "") + \
                        (f"/{fold(db)}" if db is not None else "")
                value = fold(node.elements[0].value) if isinstance(node, (cst.List, cst.Tuple)) and node.elements \
                    else fold(node)
                return value if "://" in value or not dtype else f"{dtype}://{value}"
        first = _pos(call, 0)
        if first is not None:
            value = _keyword_dsn(fold(first), dtype)
            if dtype and "://" not in value and value != UNKNOWN:
                port = _pos(call, 1) or _kw(call, "port")
                return f"{dtype}://{value}" + (f":{fold(port)}" if port is not None else "")
            if value == UNKNOWN and dtype:
                return f"{dtype}://{UNKNOWN}"
            return value
        return f"{dtype}://localhost" if dtype else ""

    # -------------------------------------------------------------- output
    def expand_wrappers(self) -> None:
        """One level of project wrappers: a call site whose target (or channel) is a parameter of its
        function (`${param:x}`), or a constructor parameter its class keeps (`${init:x}`), is repeated
        with the argument each caller in this module passes. With no caller here, it waits for callers
        in other modules (a `Wrapper` fact; resolve joins them)."""
        v = self.v
        wrapped = [(n, c) for n, c in v.out.calls if "${param:" in c.target + c.channel or
                   "${init:" in c.target + c.channel]
        for node, site in wrapped:
            v.out.calls.remove((node, site))
            text = site.target + site.channel
            cls = site.function.split(".")[0] if "${init:" in text and "." in site.function else ""
            if "${param:" in text:
                params = v.params.get(site.function, ([], []))
                short = site.function.rsplit(".", 1)[-1]
                names = (site.function, short, f"self.{short}", f"cls.{short}")
                if short == "__init__" and "." in site.function:
                    names = (site.function.rsplit(".", 2)[-2],)   # a constructor is called by its class
                kind, wrapper = "param", site.function
            else:
                params = v.params.get(f"{cls}.__init__", ([], []))
                names = (cls,)
                kind, wrapper = "init", cls
            callers = [p for p in v.pending if dotted(p.call.func) in names]
            for caller in callers:
                args = self._arguments(caller, params)
                v.folder.class_fields = v.class_fields.get(caller.cls, {})
                v.folder.local = lambda name, c=caller: self._value(name, c.scope, c.cls)
                folded = {k: v.folder.fold(a) for k, a in args.items()}

                def sub(text: str, folded: dict[str, str] = folded, kind: str = kind) -> str:
                    return re.sub(r"\$\{%s:(\w+)\}" % kind, lambda m: folded.get(m.group(1), UNKNOWN), text)
                v.out.calls.append((node, replace(site, target=sub(site.target), channel=sub(site.channel))))
            if not callers:
                v.out.calls.append((node, site))
                if not any(w.name == wrapper for w in v.out.wrappers):
                    v.out.wrappers.append(Wrapper(wrapper, tuple(params[0]), tuple(params[1])))

    def project_calls(self) -> None:
        """Calls of names imported from other modules that pass values (`get_json("http://x/y")`,
        `Client(os.environ["URL"])`): what another module's wrapper may be waiting for."""
        v = self.v
        for p in v.pending:
            name = dotted(p.call.func)
            if name is None or name.split(".")[0] not in v.aliases:
                continue
            qual = v.qualify(name)
            if not qual or qual.split(".")[0] in _NOT_PROJECT:
                continue
            v.folder.class_fields = v.class_fields.get(p.cls, {})
            v.folder.local = lambda n, c=p: self._value(n, c.scope, c.cls)
            args = []
            index = 0
            for a in p.call.args:
                if a.star:
                    continue
                key = a.keyword.value if a.keyword is not None else str(index)
                index += a.keyword is None
                value = v.folder.fold(a.value)
                if value and value != UNKNOWN:
                    args.append((key, value))
            if args:
                v.out.project_calls.append((p.call, ProjectCall(qual, 0, tuple(args))))

    def _arguments(self, caller: _Pending, params: tuple[list[str], list[str]]) -> dict[str, cst.BaseExpression]:
        positional, keyword = params
        args: dict[str, cst.BaseExpression] = {}
        index = 0
        for a in caller.call.args:
            if a.star:
                continue
            if a.keyword is not None:
                args[a.keyword.value] = a.value
            elif index < len(positional):
                args[positional[index]] = a.value
                index += 1
        return args

    def _add(self, p: _Pending, site: CallSite) -> None:
        names = [d.split("+", 1)[0] for d in p.decorators]
        policy = retry_policy(p.decorators) or loop_policy(p.loop)
        retry = dict(retry=True, retry_via=policy[0], retry_bounded=policy[1], backoff=policy[2],
                     retry_replays=policy[3]) if policy else {}
        breaker = p.guarded or any(_breakerish(self.v, d) for d in names) or \
            p.scope.rsplit(".", 1)[-1] in self.v.observer.breaker_wrapped
        site = CallSite(**{**site.__dict__, "in_async": p.in_async, "function": p.scope,
                           "in_try": p.in_try, "handled": p.handled, **retry, "circuit_breaker": breaker,
                           "discarded": id(p.call) in self.v.discarded,
                           "blocking": site.blocking or site.library in lib.BLOCKING_LIBRARIES})
        self.v.out.calls.append((p.call, site))


def _swallows(node: cst.Try) -> bool:
    """Whether some except clause of `node` ends otherwise than by raising: the failure stops there."""
    for handler in node.handlers:
        body = handler.body.body
        last = body[-1] if body else None
        raises = isinstance(last, cst.Raise) or (  # `except E: raise` on one line holds the Raise itself
            isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, cst.Raise) for s in last.body))
        if not raises:
            return True
    return False


def _keyword_dsn(value: str, dtype: str) -> str:
    """libpq keyword form `host=pg dbname=orders port=5432` -> `postgres://pg:5432/orders`."""
    if "://" in value or "=" not in value:
        return value
    pairs = dict(re.findall(r"(\w+)\s*=\s*('[^']*'|\S+)", value))
    host = pairs.get("host", "").strip("'")
    if not host:
        return f"{dtype or 'postgres'}://localhost"
    port = pairs.get("port", "").strip("'")
    db = pairs.get("dbname", "").strip("'")
    return f"{dtype or 'postgres'}://{host}" + (f":{port}" if port else "") + (f"/{db}" if db else "")


def _number(node: cst.BaseExpression | None) -> float | None:
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(node.value.replace("_", ""))
        except ValueError:
            return None
    if isinstance(node, (cst.Tuple)) and node.elements:
        return _number(node.elements[-1].value)
    return None

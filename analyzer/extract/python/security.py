"""Security and scalability facts, recorded during the visitor's one pass (hooks called from
`ModuleVisitor`): hard-coded secrets, TLS verification switched off, insecure gRPC channels, JWTs
decoded without verification, request bodies read and validated, clients created per call, module
state mutated in functions, local file writes, authentication.

Every hook receives the visitor and the node it is visiting; nothing here walks the tree again.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from ...model import CodeFact, SecretLiteral
from ...secrets import TOKEN_FORMATS, classify, placeholder
from .fold import dotted, keyword_arg, string_value
from .libraries import AUTH_MODULES
from .libraries import (AUTH_WORDS as _AUTH_WORDS, BODY_ATTRS as _BODY_ATTRS, CLIENT_CONSTRUCTORS,
                        MUTABLE_CTORS as _MUTABLE_CTORS, MUTATORS as _MUTATORS, PER_PROCESS as _PER_PROCESS,
                        QUERY_WHOLE as _QUERY_WHOLE, VALIDATION_DECORATORS as _VALIDATION_DECORATORS,
                        VALIDATORS as _VALIDATORS)

if TYPE_CHECKING:
    from .visitor import ModuleVisitor

_REQUEST_NAMES = ("request", "req", "self.request", "flask.request")


def _fact(v: "ModuleVisitor", node: cst.CSTNode, kind: str, detail: str = "") -> None:
    v.out.code_facts.append((node, CodeFact(kind, 0, 0, detail, v.scope)))


def _secret(v: "ModuleVisitor", node: cst.CSTNode, name: str, value: cst.BaseExpression | None) -> None:
    text = string_value(value) if value is not None else None
    if text is None:
        return
    reason = classify(name, text, strict=True)
    if reason:
        v.out.secrets.append((node, SecretLiteral(name, reason, 0)))


# ---------------------------------------------------------------------------------------------- hooks


def on_assign(v: "ModuleVisitor", node: cst.CSTNode, target: cst.BaseExpression,
              value: cst.BaseExpression | None) -> None:
    name = dotted(target)
    if name is not None:
        _secret(v, node, name.split(".")[-1], value)
        if name.endswith("check_hostname") and isinstance(value, cst.Name) and value.value == "False":
            _fact(v, node, "tls-off", "check_hostname = False")
        if value is not None and not v._funcs and not v._classes and "." not in name and _mutable(v, value):
            v.mutables.add(name)
        if v._funcs and name in v.global_names:
            v.state_candidates.append((node, name, v.scope))
    elif isinstance(target, cst.Subscript) and v._funcs:
        base = dotted(target.value)
        if base and "." not in base:
            v.state_candidates.append((node, base, v.scope))


def on_call(v: "ModuleVisitor", node: cst.Call, qual: str, func_name: str) -> None:
    # `Schema().load(...)` has no dotted name: the attribute called still says what it does
    last = node.func.attr.value if isinstance(node.func, cst.Attribute) else func_name.split(".")[-1]
    for arg in node.args:
        kw = arg.keyword.value if arg.keyword is not None else ""
        if kw:
            _secret(v, arg, kw, arg.value)
        if kw in ("verify", "verify_ssl", "ssl", "verify_certs", "ssl_cert_reqs", "cert_reqs") and \
                (isinstance(arg.value, cst.Name) and arg.value.value == "False" or
                 (string_value(arg.value) or "").lower() in ("none", "cert_none") or
                 (dotted(arg.value) or "").endswith("CERT_NONE")):
            _fact(v, node, "tls-off", f"{kw}={dotted(arg.value) or string_value(arg.value)} on {func_name}()")
        if kw in ("headers", "auth", "cookies", "metadata", "credentials", "call_credentials"):
            _fact(v, node, "call-credentials", kw)
    if qual in ("ssl._create_unverified_context", "ssl._create_stdlib_context") or \
            (qual == "urllib3.disable_warnings" and any("Insecure" in (dotted(a.value) or "") for a in node.args)):
        _fact(v, node, "tls-off", f"{qual}()")
    if qual in ("grpc.insecure_channel", "grpc.aio.insecure_channel"):
        _fact(v, node, "grpc-insecure", qual)
    elif qual in ("grpc.secure_channel", "grpc.aio.secure_channel", "grpc.ssl_channel_credentials"):
        _fact(v, node, "grpc-secure", qual)
    _jwt(v, node, qual, last)
    if v._funcs and qual in CLIENT_CONSTRUCTORS:
        _fact(v, node, "client-created", qual)
    if v._funcs:
        _request_call(v, node, func_name, last)
        if _VALIDATORS.match(last) and not qual.startswith(("json.", "yaml.", "pickle.", "toml")) or \
                re.search(r"[a-z](?:Serializer|Schema|Form|Model|Request|Input|Payload|Body|In|Create|Update)$",
                          last) and node.args:
            _fact(v, node, "validation", func_name)
        if func_name == "open" or qual in ("builtins.open", "io.open", "aiofiles.open"):
            mode = node.args[1].value if len(node.args) > 1 and node.args[1].keyword is None else \
                keyword_arg(node, "mode")
            m = string_value(mode) if mode is not None else None
            if m and any(c in m for c in "wax+"):
                path = v.folder.fold(node.args[0].value) if node.args else ""
                _fact(v, node, "file-write", path)
        receiver = func_name.rsplit(".", 1)[0] if "." in func_name else ""
        if last in _MUTATORS and receiver and "." not in receiver:
            v.state_candidates.append((node, receiver, v.scope))
    if last in ("Depends", "Security") or qual.startswith(("fastapi.Depends", "fastapi.Security")):
        dep = dotted(node.args[0].value) if node.args else ""
        if dep and _AUTH_WORDS.search(dep) or qual.endswith("Security"):
            _fact(v, node, "auth", f"{last}({dep})")


def on_attribute(v: "ModuleVisitor", node: cst.Attribute) -> None:
    name = dotted(node)
    if not name:
        return
    if (v.qualify(name) or name) == "ssl.CERT_NONE":
        _fact(v, node, "tls-off", "ssl.CERT_NONE")
    if v._funcs:
        receiver, _, attr = name.rpartition(".")
        if receiver in _REQUEST_NAMES or receiver.endswith(".request"):
            if attr in ("json", "form", "data", "values", "files", "body", "POST", "FILES", "stream"):
                _fact(v, node, "body-read", name)


def on_function(v: "ModuleVisitor", node: cst.FunctionDef, params: list[str]) -> None:
    """A function shaped like a request handler: takes the request first (aiohttp, Django, Starlette
    endpoints), or an HTTP-verb method of a class (class-based views, Tornado handlers)."""
    verb = v.cls and node.name.value in ("get", "post", "put", "patch", "delete")
    if (params and params[0] in ("request", "req")) or verb:
        _fact(v, node.name, "request-handler", node.name.value)


def on_decorator(v: "ModuleVisitor", node: cst.Decorator, qual: str) -> None:
    base = qual.split("+")[0]
    if _AUTH_WORDS.search(base.split(".")[-1]) or base.startswith(AUTH_MODULES):
        _fact(v, node, "auth", base)
    if _VALIDATION_DECORATORS.search(base.split(".")[-1]):
        _fact(v, node, "validation", base)


def on_simple_string(v: "ModuleVisitor", node: cst.SimpleString) -> None:
    if len(node.value) < 24:
        return
    text = string_value(node)
    if text is None or placeholder(text):
        return
    for pattern, what in TOKEN_FORMATS:
        if pattern.search(text):
            v.out.secrets.append((node, SecretLiteral("", what, 0)))
            return


def on_module_end(v: "ModuleVisitor") -> None:
    for node, name, scope in v.state_candidates:
        if name in v.mutables and not _PER_PROCESS.search(name):
            v.out.code_facts.append((node, CodeFact("state-mutation", 0, 0, name, scope)))


# ---------------------------------------------------------------------------------------------- helpers


def _mutable(v: "ModuleVisitor", value: cst.BaseExpression) -> bool:
    if isinstance(value, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
        return True
    if isinstance(value, cst.Call):
        name = dotted(value.func) or ""
        return name in _MUTABLE_CTORS or (v.qualify(name) or "") in _MUTABLE_CTORS
    return False


def _jwt(v: "ModuleVisitor", node: cst.Call, qual: str, last: str) -> None:
    if qual in ("jose.jwt.get_unverified_claims", "jwt.get_unverified_claims"):
        _fact(v, node, "jwt-unverified", f"{qual}()")
        return
    if last != "decode" or not qual.startswith(("jwt", "jose", "authlib", "python_jwt")):
        return
    for arg in node.args:
        kw = arg.keyword.value if arg.keyword is not None else ""
        code = cst.Module([]).code_for_node(arg.value)
        if kw == "verify" and code == "False":
            _fact(v, node, "jwt-unverified", "verify=False")
        elif kw == "options" and re.search(r"""['"]verify_signature['"]\s*:\s*False""", code):
            _fact(v, node, "jwt-unverified", "options verify_signature False")
        elif kw in ("algorithms", "algorithm") and re.search(r"""['"]none['"]""", code, re.I):
            _fact(v, node, "jwt-unverified", 'algorithm "none"')


def _request_call(v: "ModuleVisitor", node: cst.Call, func_name: str, last: str) -> None:
    receiver = func_name.rsplit(".", 1)[0] if "." in func_name else ""
    if receiver in _REQUEST_NAMES or receiver.endswith(".request"):
        if last in ("json", "get_json", "form", "body", "post", "text", "read", "get_data", "data"):
            _fact(v, node, "body-read", f"{func_name}()")
    # whole query/body mappings: request.args.to_dict(), dict(request.args), request.GET.dict()
    parent, _, attr = receiver.rpartition(".")
    if (parent in _REQUEST_NAMES or parent.endswith(".request")) and \
            attr in ("args", "GET", "query", "query_params", "rel_url.query") and last in _QUERY_WHOLE:
        _fact(v, node, "body-read", f"{func_name}()")
    if func_name in ("dict",) and node.args:
        inner = dotted(node.args[0].value) or ""
        p, _, a = inner.rpartition(".")
        if (p in _REQUEST_NAMES or p.endswith(".request")) and a in ("args", "GET", "query", "query_params", "form",
                                                                    "POST", "json"):
            _fact(v, node, "body-read", f"dict({inner})")

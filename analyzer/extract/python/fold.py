"""Fold a Python expression into a *template* string (see svclint.model), as far as one file allows.

Literal text stays literal; environment reads become `${NAME}` / `${NAME:-default}`; names imported
from other modules become `${ref:module.name}` for `resolve` to finish; anything else becomes `${?}`.
"""
from __future__ import annotations

import re
from typing import Callable, Mapping, Optional

import libcst as cst

from .names import ENV_GETTERS, UNKNOWN, qualify  # noqa: F401 - shared with the LibCST-free readers

_FORMAT_FIELD = re.compile(r"\{([^{}]*)\}")

# a function that says what a dotted name refers to: "os.environ.get" for `environ.get` after
# `from os import environ`; None when it is not an import
Qualify = Callable[[str], Optional[str]]


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for Name/Attribute chains, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (or implicit concatenation of them), else None."""
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - libcst raises bare Exception on odd prefixes
            return None
        return value.decode("latin-1") if isinstance(value, bytes) else value
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return None if left is None or right is None else left + right
    return None


class Folder:
    """Folds expressions of one module; `names` holds what module-level names are bound to."""

    def __init__(self, qualify: Qualify, names: Mapping[str, str]) -> None:
        self.qualify = qualify
        self.names = names
        self.depth = 0
        self.class_fields: Mapping[str, str] = {}   # fields of the class whose method is being read
        # expressions bound to local names and `self.x` attributes where the value is being read
        self.local: Callable[[str], Optional[cst.BaseExpression]] | None = None
        self._active: set[str] = set()
        # project functions that return an environment variable named by a parameter (`get_env("X")`)
        self.env_wrappers: dict[str, int] = {}

    def fold(self, node: cst.BaseExpression | None) -> str:
        if node is None:
            return UNKNOWN
        self.depth += 1
        try:
            if self.depth > 50:
                return UNKNOWN
            return self._fold(node)
        finally:
            self.depth -= 1

    def _fold(self, node: cst.BaseExpression) -> str:
        text = string_value(node)
        if text is not None:
            return text
        if isinstance(node, (cst.Integer, cst.Float)):
            return node.value
        if isinstance(node, cst.FormattedString):
            return self._fstring(node)
        if isinstance(node, cst.ConcatenatedString):
            return self.fold(node.left) + self.fold(node.right)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Add):
                return self.fold(node.left) + self.fold(node.right)
            if isinstance(node.operator, cst.Modulo):
                return self._percent(node)
            return UNKNOWN
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Subscript):
            return self._subscript(node)
        if isinstance(node, (cst.Name, cst.Attribute)):
            return self._name(node)
        if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
            # `os.environ.get("X") or "default"`
            left = self.fold(node.left)
            right = self.fold(node.right)
            m = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", left)
            if m and UNKNOWN not in right:
                return "${%s:-%s}" % (m.group(1), right)
            return left if left != UNKNOWN else right
        if isinstance(node, cst.IfExp):
            body = self.fold(node.body)
            return body if body != UNKNOWN else self.fold(node.orelse)
        return UNKNOWN

    def _fstring(self, node: cst.FormattedString) -> str:
        out = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                out.append(part.value.replace("{{", "{").replace("}}", "}"))
            elif isinstance(part, cst.FormattedStringExpression):
                out.append(self.fold(part.expression))
        return "".join(out)

    def _percent(self, node: cst.BinaryOperation) -> str:
        fmt = self.fold(node.left)
        right = node.right
        args = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        values = iter(self.fold(a) for a in args)

        def sub(m: re.Match) -> str:
            if m.group(0) == "%%":
                return "%"
            return next(values, UNKNOWN)
        return re.sub(r"%%|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifx]", sub, fmt)

    def _call(self, node: cst.Call) -> str:
        func = node.func
        name = dotted(func)
        qual = self.qualify(name) if name else None
        args = [a for a in node.args if a.keyword is None and not a.star]
        kwargs = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        if qual in ENV_GETTERS or (name or "").endswith(("environ.get", ".getenv")) or \
                (qual or "").endswith(".env") or name in ("env", "config", "env.str", "env.url"):
            return self._env(args, kwargs)
        if name in self.env_wrappers and len(args) > self.env_wrappers[name]:
            key = string_value(args[self.env_wrappers[name]].value)
            return "${%s}" % key if key else UNKNOWN
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            return self._format(func.value, args, kwargs)
        if isinstance(func, cst.Attribute) and func.attr.value == "join" and args:
            sep = string_value(func.value)
            seq = args[0].value
            if sep is not None and isinstance(seq, (cst.List, cst.Tuple)):
                return sep.join(self.fold(e.value) for e in seq.elements)
            return UNKNOWN
        if qual in ("urllib.parse.urljoin", "urlparse.urljoin") and len(args) >= 2:
            return _urljoin(self.fold(args[0].value), self.fold(args[1].value))
        if qual in ("str",) or name == "str":
            return self.fold(args[0].value) if args else ""
        if qual in ("os.path.join", "posixpath.join") and args:
            return "/".join(self.fold(a.value) for a in args)
        if isinstance(func, cst.Attribute) and func.attr.value in ("rstrip", "strip", "lstrip"):
            return self.fold(func.value)
        return UNKNOWN

    def _env(self, args: list[cst.Arg], kwargs: Mapping[str, cst.BaseExpression]) -> str:
        if not args:
            return UNKNOWN
        key = string_value(args[0].value)
        if key is None:
            return UNKNOWN
        default_node = args[1].value if len(args) > 1 else kwargs.get("default")
        if default_node is None or (isinstance(default_node, cst.Name) and default_node.value == "None"):
            return "${%s}" % key
        default = self.fold(default_node)
        return "${%s:-%s}" % (key, default)

    def _format(self, target: cst.BaseExpression, args: list[cst.Arg],
                kwargs: Mapping[str, cst.BaseExpression]) -> str:
        fmt = string_value(target)
        if fmt is None:
            return UNKNOWN
        positional = [self.fold(a.value) for a in args]
        counter = iter(range(len(positional) + 100))

        def sub(m: re.Match) -> str:
            field = m.group(1).split(":", 1)[0].split("!", 1)[0]
            if field == "":
                i = next(counter)
                return positional[i] if i < len(positional) else UNKNOWN
            if field.isdigit():
                i = int(field)
                return positional[i] if i < len(positional) else UNKNOWN
            return self.fold(kwargs[field]) if field in kwargs else UNKNOWN
        return _FORMAT_FIELD.sub(sub, fmt.replace("{{", "\0").replace("}}", "\1")) \
            .replace("\0", "{").replace("\1", "}")

    def _subscript(self, node: cst.Subscript) -> str:
        base = dotted(node.value)
        qual = self.qualify(base) if base else None
        if (qual in ("os.environ",) or (base or "").endswith("environ")) and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                key = string_value(index.value)
                if key is not None:
                    return "${%s}" % key
        return UNKNOWN

    def _name(self, node: cst.BaseExpression) -> str:
        name = dotted(node)
        if name is None:
            return UNKNOWN
        if name.startswith("__svclint_param_"):
            return "${param:%s}" % name[len("__svclint_param_"):]
        if name.startswith("__svclint_init_"):
            return "${init:%s}" % name[len("__svclint_init_"):]
        if name in self.names:
            return self.names[name]
        base, _, last = name.rpartition(".")
        if last == "value" and base in self.names:       # Enum member: Topic.ORDERS.value
            return self.names[base]
        if last == "name" and base in self.names and "." in base:
            return base.rsplit(".", 1)[1]
        if self.local is not None and name not in self._active:
            expr = self.local(name)
            if expr is not None:
                self._active.add(name)
                try:
                    return self.fold(expr)
                finally:
                    self._active.discard(name)
        qual = self.qualify(name)
        if qual and "." in qual:
            return "${ref:%s}" % qual
        head, _, attr = name.partition(".")
        if head in ("self", "cls") and attr in self.class_fields:
            return self.class_fields[attr]
        return UNKNOWN


def _urljoin(base: str, rel: str) -> str:
    if re.match(r"^[a-z][a-z0-9+.-]*://", rel):
        return rel
    if rel.startswith("/"):
        m = re.match(r"^([a-z][a-z0-9+.-]*://[^/]*)", base)
        return (m.group(1) if m else base.rstrip("/")) + rel
    return base if base.endswith("/") and not rel else (base.rsplit("/", 1)[0] + "/" + rel if "/" in base.split("://", 1)[-1] else base + "/" + rel)


def keyword_arg(call: cst.Call, name: str) -> cst.BaseExpression | None:
    """The value of keyword argument `name` of a call, if given."""
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a.value
    return None


def positional_arg(call: cst.Call, index: int) -> cst.BaseExpression | None:
    """The value of the `index`-th positional argument of a call (starred ones not counted), if given."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[index].value if index < len(positional) else None

"""Walk a LibCST tree, calling a visitor's `visit_<Node>` and `leave_<Node>` methods in the order
LibCST's own `Module.visit` calls them, without rebuilding the tree on the way.

LibCST's `visit` serves transformers as well as visitors: at every node it constructs a new node
from the visited children and validates it, even when nothing changed. On a large Django codebase
that machinery was half of extraction's time. Facts only need the calls, so this walker reads each
node class's child fields in the order its `_visit_and_replace_children` visits them (taken once per
class from LibCST's own source: the field names it passes to `visit_required`, `visit_sequence`, ...)
and calls the visitor's methods directly. A class whose order cannot be read falls back to LibCST's
`visit` for that subtree, so the walk is never wrong, only slower. tests/test_walk.py checks that the
sequence of calls is identical to LibCST's on real code.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any, Callable, Optional

import libcst as cst
from libcst._typed_visitor import CSTTypedVisitorFunctions

_ORDER: dict[type, Optional[tuple[str, ...]]] = {}


def field_order(cls: type) -> Optional[tuple[str, ...]]:
    """The child fields LibCST visits for a node class, in its order; None when its source cannot be
    read (LibCST's own visit is used then)."""
    try:
        return _ORDER[cls]
    except KeyError:
        pass
    order: Optional[tuple[str, ...]]
    try:
        source = textwrap.dedent(inspect.getsource(cls._visit_and_replace_children))
        function = ast.parse(source).body[0]
        calls = sorted((n for n in ast.walk(function) if isinstance(n, ast.Call) and _called(n).startswith("visit")
                        and len(n.args) >= 2 and isinstance(n.args[1], ast.Constant)
                        and isinstance(n.args[1].value, str)), key=lambda n: (n.lineno, n.col_offset))
        names: list[str] = []
        for call in calls:
            name = call.args[1].value  # type: ignore[attr-defined]
            if name not in names:
                names.append(name)
        order = tuple(names)
    except (OSError, TypeError, SyntaxError, IndexError, AttributeError):
        order = None
    _ORDER[cls] = order
    return order


def _called(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


_NOT_NODE, _NODE, _SEQUENCE = 0, 1, 2


def walk(module: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """`module.visit(visitor)` for a visitor that only reads (visit_/leave_ methods, no attribute
    hooks, no `on_visit`/`on_leave` overrides, no metadata)."""
    plans: dict[type, tuple[Optional[Callable[[Any], Any]], Optional[Callable[[Any], Any]],
                            Optional[tuple[str, ...]]]] = {}
    kinds: dict[type, int] = {}
    visitor_type = type(visitor)

    def own(prefix: str, name: str) -> Optional[Callable[[Any], Any]]:
        # LibCST's typed visitor declares a no-op for every node: skip those
        method = getattr(visitor_type, prefix + name, None)
        if method is None or method is getattr(CSTTypedVisitorFunctions, prefix + name, None):
            return None
        return getattr(visitor, prefix + name)

    def kind(value: Any) -> int:
        t = type(value)
        k = kinds.get(t)
        if k is None:
            k = kinds[t] = _NODE if isinstance(value, cst.CSTNode) else \
                _SEQUENCE if isinstance(value, (list, tuple)) else _NOT_NODE
        return k

    def go(node: cst.CSTNode) -> None:
        cls = type(node)
        plan = plans.get(cls)
        if plan is None:
            plan = plans[cls] = (own("visit_", cls.__name__), own("leave_", cls.__name__), field_order(cls))
        visit, leave, order = plan
        if order is None:
            node.visit(visitor)
            return
        if visit is None or visit(node) is not False:
            for name in order:
                value = getattr(node, name)
                k = kind(value)
                if k == _NODE:
                    go(value)
                elif k == _SEQUENCE:
                    for item in value:
                        if kind(item) == _NODE:
                            go(item)
        if leave is not None:
            leave(node)

    go(module)

"""The fast walker calls a visitor exactly as LibCST's own `visit` does (same methods, same nodes,
same order) and so gives the same facts, on real code: the example monorepos, svclint's own code, the
rule examples and installed libraries (the prefilter's corpus)."""
from __future__ import annotations

import libcst as cst
import pytest

from svclint.extract.python import source
from svclint.extract.python.walk import field_order, walk
from tests.test_prefilter import _corpus


def _node_classes() -> list[type]:
    out, todo = [], [cst.CSTNode]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if not getattr(sub, "__abstractmethods__", None) and sub.__module__.startswith("libcst._nodes"):
                out.append(sub)
    return sorted(set(out), key=lambda c: c.__name__)


def _recorder() -> type:
    """A visitor with a visit_ and leave_ method for every node class, recording each call."""
    def hook(event: str, name: str):
        def method(self, node):
            self.log.append((event, name, id(node)))
            # skip the children of some nodes, as visitors may: the walker must honour it
            return False if event == "visit" and name == "Lambda" else None
        return method
    body: dict = {"__init__": lambda self: setattr(self, "log", [])}
    for cls in _node_classes():
        body[f"visit_{cls.__name__}"] = hook("visit", cls.__name__)
        body[f"leave_{cls.__name__}"] = hook("leave", cls.__name__)
    return type("Recorder", (cst.CSTVisitor,), body)


def test_every_node_class_has_a_readable_visiting_order():
    unreadable = [cls.__name__ for cls in _node_classes() if field_order(cls) is None]
    assert unreadable == []


def test_the_walk_calls_the_visitor_as_libcst_does_on_real_code():
    recorder = _recorder()
    compared = 0
    for path, data in _corpus():
        try:
            module = cst.parse_module(data)
        except Exception:  # noqa: BLE001 - sources LibCST cannot parse are E001 elsewhere
            continue
        theirs, ours = recorder(), recorder()
        module.visit(theirs)
        walk(module, ours)
        assert ours.log == theirs.log, path
        compared += 1
    assert compared > 300


@pytest.fixture
def libcst_visit(monkeypatch):
    """Extraction with LibCST's own visit instead of the walker."""
    import svclint.extract.python.walk as walk_module
    monkeypatch.setattr(walk_module, "walk", lambda module, visitor: module.visit(visitor))


def _facts(corpus):
    return [source.extract_python(path, data) for path, data in corpus]


def test_facts_are_the_same_with_either_traversal(request):
    corpus = _corpus()
    fast = _facts(corpus)
    request.getfixturevalue("libcst_visit")
    slow = _facts(corpus)
    assert fast == slow

"""Safe YAML loading that keeps line numbers, for every extractor that reads YAML.

Only the composer of PyYAML's *safe* loader is used (libyaml's CSafeLoader where present, about 15x
faster); nodes are turned into Python values here, so no tag can ever construct a Python object, and
the expanded size of each document is measured before it is built, so alias bombs ("billion laughs")
are refused in bounded time and memory instead of being expanded.

Mappings come back as `YMap` (a dict that knows its own line and the line of each key), sequences as
`YList` (a list that knows its line and each item's line). Scalars are plain Python values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is missing on some platforms
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_NODES = 500_000
_MERGE = "tag:yaml.org,2002:merge"


class YMap(dict):
    """A mapping that remembers where it and each of its keys stand (1-based lines)."""
    line: int = 0
    key_lines: dict

    def line_of(self, key: Any, default: int | None = None) -> int:
        return self.key_lines.get(key, self.line if default is None else default)


class YList(list):
    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


@dataclass(frozen=True)
class YamlProblem:
    message: str
    line: int
    column: int = 0
    fatal: bool = True        # the document (or stream) could not be read at all


def line_of(value: Any, key: Any = None, default: int = 1) -> int:
    """Line of a loaded value, or of `key` inside a loaded mapping; `default` for plain values."""
    if isinstance(value, YMap):
        return value.line_of(key) if key is not None else value.line
    if isinstance(value, YList):
        return value.line_of(key) if isinstance(key, int) else value.line
    return default


def load_all(text: str, max_nodes: int = MAX_NODES) -> tuple[list[Any], list[YamlProblem]]:
    """Every document of a YAML stream, with the problems found; never raises on bad input."""
    docs: list[Any] = []
    problems: list[YamlProblem] = []
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            size = _expanded_size(node, max_nodes)
            if size > max_nodes:
                problems.append(YamlProblem(
                    f"YAML document expands to more than {max_nodes} nodes (alias bomb?); not read",
                    node.start_mark.line + 1))
                continue
            builder = _Builder()
            docs.append(builder.build(node))
            problems.extend(builder.problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column if mark else 0
        problems.append(YamlProblem(f"invalid YAML: {exc.problem or exc.context}", line, col))
    except yaml.YAMLError as exc:
        problems.append(YamlProblem(f"invalid YAML: {exc}", 1))
    except RecursionError:
        problems.append(YamlProblem("YAML nested too deeply to read", 1))
    finally:
        loader.dispose()
    return docs, problems


def _expanded_size(root: Node, limit: int) -> int:
    """Number of nodes the document would have once aliases are expanded (stops past `limit`)."""
    memo: dict[int, int] = {}
    # iterative post-order walk: documents can be nested deeper than Python's recursion limit
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in memo:
            continue
        children = _children(node)
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in memo)
            continue
        total = 1
        for c in children:
            total += memo.get(id(c), 1)
            if total > limit:
                return total
        memo[id(node)] = total
    return memo.get(id(root), 1)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for kv in node.value for n in kv]
    return []


class _Builder:
    def __init__(self) -> None:
        self.scalars = SafeConstructor()
        self.problems: list[YamlProblem] = []
        self.done: dict[int, Any] = {}

    def build(self, node: Node) -> Any:
        if id(node) in self.done:
            return self.done[id(node)]
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
        elif isinstance(node, SequenceNode):
            value = YList()
            value.line = node.start_mark.line + 1
            value.item_lines = [c.start_mark.line + 1 for c in node.value]
            self.done[id(node)] = value
            value.extend(self.build(c) for c in node.value)
        elif isinstance(node, MappingNode):
            value = YMap()
            value.line = node.start_mark.line + 1
            value.key_lines = {}
            self.done[id(node)] = value
            self._fill_mapping(value, node)
        else:  # pragma: no cover
            value = None
        self.done[id(node)] = value
        return value

    def _fill_mapping(self, target: YMap, node: MappingNode) -> None:
        merged: list[YMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                src = self.build(value_node)
                merged.extend(m for m in (src if isinstance(src, list) else [src]) if isinstance(m, YMap))
                continue
            key = self.build(key_node)
            if isinstance(key, (dict, list)):
                key = str(key)
            if key in target:
                self.problems.append(YamlProblem(f"duplicate key {key!r} (the last one wins)",
                                                 key_node.start_mark.line + 1, key_node.start_mark.column,
                                                 fatal=False))
            target[key] = self.build(value_node)
            target.key_lines[key] = key_node.start_mark.line + 1
        for src in merged:
            for k, v in src.items():
                if k not in target:
                    target[k] = v
                    target.key_lines[k] = src.key_lines.get(k, src.line)

    def _scalar(self, node: ScalarNode) -> Any:
        try:
            return self.scalars.construct_object(node, deep=True)
        except (ConstructorError, ValueError, OverflowError):
            # unknown or unsafe tags (!Ref, !!python/object, ...) are read as their text, never built
            return node.value


def walk(value: Any) -> Iterator[Any]:
    """Every value inside a loaded document, depth first (aliases are visited once)."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)
        yield item


def mappings(value: Any) -> Iterator[dict]:
    """Every mapping inside a loaded document, in document order (aliases visited once)."""
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if not isinstance(item, (dict, list)) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            yield item
        stack.extend(reversed(list(item.values()) if isinstance(item, dict) else item))

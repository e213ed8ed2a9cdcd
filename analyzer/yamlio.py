"""Safe YAML loading that keeps line numbers, for every extractor that reads YAML.

Only the composer of PyYAML's *safe* loader is used (libyaml's CSafeLoader where present, about 15x
faster); nodes are turned into Python values here, so no tag can ever construct a Python object, and
the expanded size of each document is measured before it is built, so alias bombs ("billion laughs")
are refused in bounded time and memory instead of being expanded.

Mappings come back as `YMap` (a dict that knows its own line and the line of each key), sequences as
`YList` (a list that knows its line and each item's line). Scalars are plain Python values.
"""
from __future__ import annotations

import re
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
    """Every document of a YAML stream, with the problems found; never raises on bad input.

    A broken document costs that document only: when the stream cannot be read whole, it is read
    again one document at a time (split at the `---` markers that start a line, as the YAML spec
    reserves them), so every good document after the broken one is kept, at its own lines."""
    docs, problems, broken = _load_stream(text, max_nodes, 0)
    if not broken:
        return docs, problems
    docs, problems = [], []
    chunks = list(_documents(text))
    for i, (offset, chunk) in enumerate(chunks):
        more, found, _ = _load_stream(chunk, max_nodes, offset, inner=i < len(chunks) - 1)
        docs.extend(more)
        problems.extend(found)
    return docs, problems


_MARKER = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)


def _documents(text: str) -> Iterator[tuple[int, str]]:
    """(line offset, text) of each document of a stream: cut before each `---` that starts a line
    (with the `%` directives just above it)."""
    cuts = [0]
    for m in _MARKER.finditer(text):
        start = m.start()
        while start > 0:
            prev = text.rfind("\n", 0, start - 1) + 1
            if not text.startswith("%", prev):
                break
            start = prev
        if start > cuts[-1]:
            cuts.append(start)
    cuts.append(len(text))
    line = 0
    for a, b in zip(cuts, cuts[1:]):
        yield line, text[a:b]
        line += text.count("\n", a, b)


def _load_stream(text: str, max_nodes: int, offset: int, inner: bool = False) -> tuple[list[Any], list[YamlProblem], bool]:
    """Documents, problems and whether the stream broke off (lines shifted by `offset`)."""
    docs: list[Any] = []
    problems: list[YamlProblem] = []
    broken = False
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            size, loop = _expanded_size(node, max_nodes)
            if loop is not None:
                problems.append(YamlProblem(
                    f"YAML alias refers to the node that contains it (recursive anchor at line "
                    f"{loop.start_mark.line + 1 + offset}); document not read",
                    loop.start_mark.line + 1 + offset, loop.start_mark.column))
                continue
            if size > max_nodes:
                problems.append(YamlProblem(
                    f"YAML document expands to more than {max_nodes} nodes (alias bomb?); not read",
                    node.start_mark.line + 1 + offset))
                continue
            builder = _Builder(offset)
            docs.append(builder.build(node))
            problems.extend(builder.problems)
    except yaml.MarkedYAMLError as exc:
        broken = True
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column if mark else 0
        if inner:
            # found at the end of a document cut from a stream (an unclosed bracket): its last line,
            # not the next document's marker
            last = text.count("\n") + (0 if text.endswith("\n") else 1)
            line = min(line, max(last, 1))
        problems.append(YamlProblem(f"invalid YAML: {exc.problem or exc.context}", line + offset, col))
    except yaml.YAMLError as exc:
        broken = True
        problems.append(YamlProblem(f"invalid YAML: {exc}", 1 + offset))
    except RecursionError:
        broken = True
        problems.append(YamlProblem("YAML nested too deeply to read", 1 + offset))
    finally:
        loader.dispose()
    return docs, problems, broken


def _expanded_size(root: Node, limit: int) -> tuple[int, Node | None]:
    """Number of nodes the document would have once aliases are expanded (stops past `limit`), and
    the node an alias inside it points back to, if any (a recursive anchor expands without end)."""
    memo: dict[int, int] = {}
    active: set[int] = set()
    # iterative post-order walk: documents can be nested deeper than Python's recursion limit
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            active.discard(key)
            total = 1
            for c in children:
                total += memo[id(c)]
                if total > limit:
                    return total, None
            memo[key] = total
            continue
        if key in memo:
            continue
        if key in active:
            return 0, node
        if not children:
            memo[key] = 1
            continue
        active.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in memo)
    return memo.get(id(root), 1), None


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for kv in node.value for n in kv]
    return []


class _Builder:
    def __init__(self, offset: int = 0) -> None:
        self.offset = offset        # lines before this document's text in the file
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
            value.line = node.start_mark.line + 1 + self.offset
            value.item_lines = [c.start_mark.line + 1 + self.offset for c in node.value]
            self.done[id(node)] = value
            value.extend(self.build(c) for c in node.value)
        elif isinstance(node, MappingNode):
            value = YMap()
            value.line = node.start_mark.line + 1 + self.offset
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
                                                 key_node.start_mark.line + 1 + self.offset, key_node.start_mark.column,
                                                 fatal=False))
            target[key] = self.build(value_node)
            target.key_lines[key] = key_node.start_mark.line + 1 + self.offset
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

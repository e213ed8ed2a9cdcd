"""Inferred contracts as YAML, and updating an existing contract without clobbering it.

An update edits the existing text, never re-dumps it: the `service:` block and every field svclint
does not infer (owner, capability, version, criticality, descriptions, data names) stay as written,
with their comments; list items that still hold are copied verbatim; only what the code contradicts
is removed, and what it adds is appended in a deterministic order. Node positions come from PyYAML's
composer (safe: no tag is ever constructed).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..resolve import norm
from .drift import Inferred, apis_match, events_match

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is missing on some platforms
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class MergeError(Exception):
    """The existing file cannot be edited safely (unreadable YAML, no matching document)."""


# ------------------------------------------------------------------------------------------------
# what the contract should say, as plain data


@dataclass(frozen=True)
class Plan:
    """Managed lists of one contract: (path of keys, items, how an old item maps to a new one)."""
    lists: tuple[tuple[tuple[str, ...], list, Callable[[Any], Any]], ...]


def _keep_or_drop(inferred: list, match: Callable[[Any, Any], bool]) -> Callable[[Any], Any]:
    """An old list item stays as written when it matches something inferred; otherwise it goes."""
    def update(old: Any) -> Any:
        return old if isinstance(old, str) and any(match(old, i) for i in inferred) else None
    return update


def dependency_items(inf: Inferred, aliases: dict[str, set[str]]) -> tuple[list, Callable[[Any], Any]]:
    new = [{"name": d.name, "type": d.type, "criticality": d.criticality} for d in inf.dependencies]

    def target(name: Any) -> str | None:
        for d in inf.dependencies:
            if norm(str(name)) in {norm(d.name), *(norm(a) for a in aliases.get(d.name, ()))}:
                return d.name
        return None

    def update(old: Any) -> Any:
        if not isinstance(old, dict):
            return None
        sid = target(old.get("name"))
        if sid is None:
            return None
        dep = next(d for d in inf.dependencies if d.name == sid)
        kept = dict(old)
        kept["type"] = dep.type
        kept.setdefault("criticality", dep.criticality)   # hand-written criticality wins
        return kept

    def identity(item: dict) -> Any:
        return target(item.get("name")) if isinstance(item, dict) else None
    update.identity = identity  # type: ignore[attr-defined]
    update.new_identity = lambda item: item["name"]  # type: ignore[attr-defined]
    return new, update


def contract_plan(inf: Inferred, aliases: dict[str, set[str]], existing: Any = None) -> Plan:
    deps, dep_update = dependency_items(inf, aliases)
    data = [{"name": n, "type": t} for n, t in inf.data]

    def data_update(old: Any) -> Any:
        return old          # declared data is never dropped: svclint cannot see every store a team owns
    data_update.identity = lambda old: _data_identity(old, inf)  # type: ignore[attr-defined]
    data_update.never_drop = True  # type: ignore[attr-defined]
    data_update.new_identity = lambda item: item["name"]  # type: ignore[attr-defined]
    exposes = existing.get("exposes") if isinstance(existing, dict) else None
    grpc = exposes.get("grpc") if isinstance(exposes, dict) else None
    grpc_apis = [f"GRPC /{str(g).strip('/')}" for g in grpc] if isinstance(grpc, list) else []
    apis = [a.value for a in inf.apis if not any(apis_match(g, a.value) for g in grpc_apis)]
    inferred_grpc = [a.value for a in inf.apis if a.value.startswith("GRPC ")]
    events = sorted({e.value for e in inf.events})
    consumes = sorted({e.value for e in inf.consumes})
    extra = ()
    if isinstance(grpc, list):   # `exposes.grpc` names services: kept while the code registers them
        keep = _strings(inferred_grpc, lambda old, new: apis_match(f"GRPC /{old.strip('/')}", new))
        extra = ((("exposes", "grpc"), [], keep),)
    return Plan(extra + (
        (("dependencies",), deps, dep_update),
        (("data",), data, data_update),
        (("exposes", "events"), events, _strings(events, events_match)),
        (("exposes", "apis"), apis, _strings(apis, lambda old, new: apis_match(old, new))),
        (("consumes", "events"), consumes, _strings(consumes, events_match)),
    ))


def _data_identity(old: Any, inf: Inferred) -> str | None:
    if not isinstance(old, dict):
        return None
    for name, dtype in inf.data:
        if norm(str(old.get("name"))) == norm(name):
            return name
    for name, dtype in inf.data:
        if old.get("type") == dtype:
            return name
    return None


def _strings(inferred: list[str], match: Callable[[str, str], bool]) -> Callable[[Any], Any]:
    update = _keep_or_drop(inferred, match)
    update.identity = lambda old: next((i for i in inferred if isinstance(old, str) and match(old, i)), None)  # type: ignore[attr-defined]
    update.new_identity = lambda item: item  # type: ignore[attr-defined]
    return update


def backstage_plan(inf: Inferred, aliases: dict[str, set[str]]) -> Plan:
    refs = [f"component:{d.name}" for d in inf.dependencies]

    def ref_name(ref: Any) -> str:
        text = str(ref)
        return text.partition(":")[2].split("/")[-1] if ":" in text else text.split("/")[-1]

    def target(ref: Any) -> str | None:
        if not isinstance(ref, str) or (":" in ref and not ref.lower().startswith("component:")):
            return None
        for d in inf.dependencies:
            if norm(ref_name(ref)) in {norm(d.name), *(norm(a) for a in aliases.get(d.name, ()))}:
                return d.name
        return None

    def update(old: Any) -> Any:
        if isinstance(old, str) and ":" in old and not old.lower().startswith("component:"):
            return old      # resources, APIs, systems: not svclint's to judge
        return old if target(old) else None
    update.identity = lambda old: f"component:{target(old)}" if target(old) else None  # type: ignore[attr-defined]
    update.new_identity = lambda item: item  # type: ignore[attr-defined]
    return Plan(((("spec", "dependsOn"), refs, update),))


# ------------------------------------------------------------------------------------------------
# fresh documents


def render_contract(inf: Inferred, name: str) -> str:
    plan = contract_plan(inf, {})
    lists = {path: items for path, items, _ in plan.lists}
    out = ["service:", f"  name: {_scalar(name)}"]
    out += _block("dependencies", lists[("dependencies",)], 0)
    out += _block("data", lists[("data",)], 0)
    out += ["exposes:"] + _block("events", lists[("exposes", "events")], 2) + _block("apis", lists[("exposes", "apis")], 2)
    out += ["consumes:"] + _block("events", lists[("consumes", "events")], 2)
    return "\n".join(out) + "\n"


def render_backstage(inf: Inferred, name: str, owner: str = "", description: str = "") -> str:
    out = ["apiVersion: backstage.io/v1alpha1", "kind: Component", "metadata:", f"  name: {_scalar(name)}"]
    if description:
        out.append(f"  description: {_scalar(description)}")
    out += ["spec:", "  type: service", "  lifecycle: production", f"  owner: {_scalar(owner or 'unknown')}"]
    refs = [f"component:{d.name}" for d in inf.dependencies] + [f"resource:{n}" for n, _ in inf.data]
    out += _block("dependsOn", refs, 2)
    return "\n".join(out) + "\n"


def _block(key: str, items: list, indent: int) -> list[str]:
    pad = " " * indent
    if not items:
        return [f"{pad}{key}: []"]
    return [f"{pad}{key}:"] + [line for item in items for line in _item(item, indent + 2)]


def _item(item: Any, dash: int, flow: bool = False) -> list[str]:
    pad = " " * dash
    if isinstance(item, dict):
        pairs = [(k, v) for k, v in item.items() if v not in (None, "")]
        if flow:
            return [pad + "- {" + ", ".join(f"{k}: {_scalar(v, flow=True)}" for k, v in pairs) + "}"]
        lines = [f"{pad}- {pairs[0][0]}: {_scalar(pairs[0][1])}"]
        lines += [f"{pad}  {k}: {_scalar(v)}" for k, v in pairs[1:]]
        return lines
    return [f"{pad}- {_scalar(item, flow=flow)}"]


def _scalar(value: Any, flow: bool = False) -> str:
    if isinstance(value, str) and flow and re.search(r"[,\[\]{}#]|: ", value):
        return json.dumps(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


# ------------------------------------------------------------------------------------------------
# editing an existing document


def _plain(node: Node) -> Any:
    if isinstance(node, MappingNode):
        return {_plain(k): _plain(v) for k, v in node.value}
    if isinstance(node, SequenceNode):
        return [_plain(v) for v in node.value]
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError:
        return node.value
    finally:
        loader.dispose()


def _get(mapping: Node | None, key: str) -> tuple[ScalarNode, Node] | None:
    if not isinstance(mapping, MappingNode):
        return None
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def _end(node: Node) -> int:
    """0-based line after the last character of `node`'s own content (trailing comments excluded)."""
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        return _end(last[1] if isinstance(node, MappingNode) else last)
    mark = node.end_mark
    return mark.line + 1 if mark.column > 0 else mark.line


def find_document(text: str, pick: Callable[[Any], bool]) -> Node:
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise MergeError(f"cannot read the existing file: {exc}") from None
    for node in nodes:
        if isinstance(node, MappingNode) and pick(_plain(node)):
            return node
    raise MergeError("no document in the existing file describes this service")


def apply_plan(text: str, doc: Node, plan: Plan) -> str:
    lines = text.splitlines()
    edits: list[tuple[int, int, list[str]]] = []
    groups: dict[tuple[str, ...], list] = {}
    for path, items, update in plan.lists:
        groups.setdefault(path[:-1], []).append((path[-1], items, update))
    for parent_path, children in groups.items():
        edits += _edit_group(lines, doc, parent_path, children)
    # bottom up; of two insertions at one place, the later one first, so they end up in plan order
    for _, (start, end, new) in sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1], e[0]), reverse=True):
        lines[start:end] = new
    return "\n".join(lines) + "\n"


def _indent_of(mapping: MappingNode, default: int) -> int:
    return mapping.value[0][0].start_mark.column if mapping.value else default


def _edit_group(lines: list[str], doc: Node, parent_path: tuple[str, ...],
                children: list) -> list[tuple[int, int, list[str]]]:
    """Edits for the managed lists that share one enclosing mapping (top level, `exposes`, `spec`)."""
    parent: Node = doc
    for key in parent_path:
        found = _get(parent, key)
        if found is None or not isinstance(found[1], MappingNode) or found[1].flow_style:
            # the enclosing mapping is missing (or written inline): write it whole, keeping its other keys
            indent = _indent_of(parent, 0) if isinstance(parent, MappingNode) else 0
            old = _plain(found[1]) if found is not None else {}
            old = old if isinstance(old, dict) else {}
            block = [" " * indent + f"{key}:"]
            managed = {name for name, _, _ in children}
            for k, v in old.items():
                if k not in managed:
                    block += _block(str(k), v, indent + 2) if isinstance(v, list) else \
                        [" " * (indent + 2) + f"{k}: {_scalar(v)}"]
            added = False
            for name, items, update in children:
                merged, _ = _merge(old.get(name) if isinstance(old.get(name), list) else [], items, update)
                if merged or name in old:
                    block += _block(name, merged, indent + 2)
                    added = True
            if found is None and not added:
                return []
            if found is None:
                return [(_end(parent), _end(parent), block)]
            return [(found[0].start_mark.line, _end(found[1]), block)]
        parent = found[1]
    edits = []
    for name, items, update in children:
        edits += _edit_list(lines, parent, name, items, update)  # type: ignore[arg-type]
    return edits


def _edit_list(lines: list[str], parent: MappingNode, key: str, items: list,
               update: Callable[[Any], Any]) -> list[tuple[int, int, list[str]]]:
    indent = _indent_of(parent, 0)
    found = _get(parent, key)
    if found is None and not items:
        return []           # nothing to say: a section the author left out stays out
    if found is None:
        at = _end(parent)
        return [(at, at, _block(key, items, indent))]
    key_node, seq = found
    old = _plain(seq)
    old_items = old if isinstance(old, list) else []
    merged, order = _merge(old_items, items, update)
    if merged == old_items and isinstance(seq, SequenceNode):
        return []
    if not isinstance(seq, SequenceNode) or seq.flow_style or not seq.value or not merged:
        block = _block(key, merged, indent)
        tail = lines[seq.end_mark.line][seq.end_mark.column:] if seq.end_mark.line < len(lines) else ""
        if tail.strip().startswith("#"):      # `key: [...]  # why` keeps its comment on the key line
            block[0] += "  " + tail.strip()
        return [(key_node.start_mark.line, _end(seq), block)]
    return [_edit_block_sequence(lines, seq, merged, order)]


def _merge(old: list, inferred: list, update: Callable[[Any], Any]) -> tuple[list, list[int | None]]:
    """The new list: old items kept (updated) in place, then inferred items not yet covered, in order.

    `order[i]` is the index of the old item the i-th new item came from (None for an added one).
    """
    identity = getattr(update, "identity")
    new_identity = getattr(update, "new_identity")
    merged: list = []
    order: list[int | None] = []
    covered: set = set()
    for i, item in enumerate(old):
        kept = update(item)
        if kept is None:
            continue
        ident = identity(item)
        if ident is not None and ident in covered and not getattr(update, "never_drop", False):
            continue            # a duplicate of something already kept
        if ident is not None:
            covered.add(ident)
        merged.append(kept)
        order.append(i)
    for item in inferred:
        if new_identity(item) not in covered:
            covered.add(new_identity(item))
            merged.append(item)
            order.append(None)
    return merged, order


def _edit_block_sequence(lines: list[str], seq: SequenceNode, merged: list,
                         order: list[int | None]) -> tuple[int, int, list[str]]:
    first = seq.value[0]
    start = first.start_mark.line
    dash = lines[start].rfind("-", 0, first.start_mark.column + 1)
    dash = dash if dash >= 0 else max(first.start_mark.column - 2, 0)
    spans = []
    prev_end = start
    for node in seq.value:
        end = _end(node)
        spans.append((prev_end, node.start_mark.line, end))
        prev_end = end
    flow_items = all(isinstance(n, MappingNode) and n.flow_style for n in seq.value)
    out: list[str] = []
    for item, index in zip(merged, order):
        if index is None:
            out += _item(item, dash, flow=flow_items)
            continue
        lead, begin, end = spans[index]
        node = seq.value[index]
        out += lines[lead:begin]
        if _plain(node) == item:
            out += lines[begin:end]
        else:
            out += _edit_item(lines[begin:end], node, item, dash, begin)
    return start, prev_end, out


def _edit_item(text: list[str], node: Node, item: Any, dash: int, first_line: int) -> list[str]:
    """An old item with some values changed or added: edit those scalars in place when possible."""
    old = _plain(node)
    if not (isinstance(node, MappingNode) and isinstance(item, dict) and isinstance(old, dict)
            and set(old) <= set(item)):
        return _item(item, dash, flow=isinstance(node, MappingNode) and bool(node.flow_style))
    text = list(text)
    added = [k for k in item if k not in old]
    if added and node.flow_style:
        return _item(item, dash, flow=True)
    for k, v in sorted(((k, v) for k, v in node.value), key=lambda kv: kv[1].start_mark.column, reverse=True):
        key = _plain(k)
        if key in item and item[key] != old[key] and isinstance(v, ScalarNode) \
                and v.start_mark.line == v.end_mark.line:
            row = v.start_mark.line - first_line
            line = text[row]
            text[row] = line[:v.start_mark.column] + _scalar(item[key], flow=bool(node.flow_style)) + \
                line[v.end_mark.column:]
    if added:
        key_col = node.value[0][0].start_mark.column
        text += [f"{' ' * key_col}{k}: {_scalar(item[k])}" for k in added]
    return text

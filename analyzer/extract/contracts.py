"""Contracts: the declared side. `service.yaml` files in the seed's format, and Backstage catalog files.

The contract schema ships in the package (analyzer/schemas/contract.schema.json) and is checked with
jsonschema; every violation is reported with the line of the offending YAML node, all at once.
"""
from __future__ import annotations

import json
import posixpath
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from ..model import ContractFacts, Dependency, ParseError
from ..yamlio import YList, YMap, load_all


@lru_cache(maxsize=1)
def contract_validator() -> jsonschema.Draft202012Validator:
    text = resources.files("svclint").joinpath("schemas/contract.schema.json").read_text(encoding="utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def _node_line(doc: Any, path: list) -> int:
    node, line = doc, getattr(doc, "line", 1)
    for key in path:
        if isinstance(node, YMap) and key in node:
            line = node.line_of(key)
            node = node[key]
        elif isinstance(node, YList) and isinstance(key, int) and key < len(node):
            line = node.line_of(key)
            node = node[key]
        else:
            break
    return line


def extract_contracts(path: str, text: str, kind: str = "contract") -> tuple[list[ContractFacts], list[ParseError]]:
    docs, problems = load_all(text)
    errors = [ParseError(p.message, p.line, p.column) for p in problems]
    contracts: list[ContractFacts] = []
    for doc in docs:
        if kind == "catalog":
            facts = _backstage(path, doc)
            if facts is not None:
                contracts.append(facts)
            continue
        if not isinstance(doc, YMap) or "service" not in doc:
            continue
        errors += sorted(_violations(doc), key=lambda e: (e.line, e.message))
        facts = _contract(path, doc)
        if facts is not None:
            contracts.append(facts)
    return contracts, errors


def _violations(doc: YMap) -> list[ParseError]:
    """Every schema violation, at the line of the node it is about (an unknown key: that key's line)."""
    out = []
    for v in contract_validator().iter_errors(_plain(doc)):
        path = list(v.absolute_path)
        where = "/".join(str(p) for p in path) or "(top level)"
        if v.validator == "additionalProperties" and isinstance(v.instance, dict):
            allowed = sorted(v.schema.get("properties", {}))
            node = _node_at(doc, path)
            for key in sorted(set(v.instance) - set(allowed), key=str):
                out.append(ParseError(f"contract: {where}: unknown key {key!r} (allowed: {', '.join(allowed)})",
                                      _key_line(node, key) if isinstance(node, YMap) else _node_line(doc, path)))
            continue
        out.append(ParseError(f"contract: {where}: {v.message}", _node_line(doc, path)))
    return out


def _key_line(node: YMap, key: str) -> int:
    return next((node.line_of(k) for k in node if str(k) == key), node.line)


def _node_at(doc: Any, path: list) -> Any:
    node = doc
    for key in path:
        if isinstance(node, dict):
            node = next((v for k, v in node.items() if str(k) == str(key)), None)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return None
    return node


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _items(value: Any) -> list[tuple[Any, int]]:
    if not isinstance(value, YList):
        return []
    return [(item, value.line_of(i)) for i, item in enumerate(value)]


def _contract(path: str, doc: YMap) -> ContractFacts | None:
    svc = doc.get("service")
    if not isinstance(svc, YMap) or not isinstance(svc.get("name"), str):
        return None
    deps = []
    for item, line in _items(doc.get("dependencies")):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            deps.append(Dependency(item["name"], str(item.get("type") or "sync"),
                                   str(item.get("criticality") or "hard"), line))
    data = tuple((str(d.get("name")), str(d.get("type") or "")) for d, _ in _items(doc.get("data"))
                 if isinstance(d, dict) and d.get("name"))
    exposes = doc.get("exposes") if isinstance(doc.get("exposes"), YMap) else YMap()
    consumes = doc.get("consumes") if isinstance(doc.get("consumes"), YMap) else YMap()
    directory = posixpath.dirname(path)
    declared = svc.get("path")
    apis = [(str(a), line) for a, line in _items(exposes.get("apis")) if isinstance(a, str)]
    # `exposes.grpc` names whole gRPC services; they compare as `GRPC /package.Service`
    apis += [(f"GRPC /{str(g).strip('/')}", line) for g, line in _items(exposes.get("grpc")) if isinstance(g, str)]
    sections = [("dependencies", "dependencies" in doc), ("apis", "apis" in exposes or "grpc" in exposes),
                ("events", "events" in exposes), ("consumes", "events" in consumes), ("data", "data" in doc)]
    return ContractFacts(
        name=svc["name"], line=svc.line_of("name"), version=str(svc.get("version") or ""),
        owner=str(svc.get("owner") or ""), capability=str(svc.get("capability") or ""),
        path=str(declared).strip("/") if isinstance(declared, str) else directory,
        dependencies=tuple(deps), data=data, apis=tuple(apis),
        events=tuple((str(e), line) for e, line in _items(exposes.get("events")) if isinstance(e, str)),
        consumes=tuple((str(e), line) for e, line in _items(consumes.get("events")) if isinstance(e, str)),
        declares=tuple(name for name, present in sections if present))


def _backstage(path: str, doc: Any) -> ContractFacts | None:
    if not isinstance(doc, YMap) or doc.get("kind") != "Component":
        return None
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), YMap) else YMap()
    spec = doc.get("spec") if isinstance(doc.get("spec"), YMap) else YMap()
    name = meta.get("name")
    if not isinstance(name, str):
        return None
    deps = []
    for item, line in _items(spec.get("dependsOn")):
        if isinstance(item, str):
            kind, _, ref = item.partition(":")
            target = (ref or kind).split("/")[-1]
            if not ref or kind.lower() == "component":   # resources (databases, queues) are not services
                # Backstage says neither how (sync/async) nor how critical: left empty, never compared
                deps.append(Dependency(target, "", "", line))
    return ContractFacts(
        name=name, line=meta.line_of("name"), owner=str(spec.get("owner") or ""),
        capability=str(meta.get("description") or ""), path=posixpath.dirname(path), dependencies=tuple(deps),
        apis=tuple((_ref(a), line) for a, line in _items(spec.get("providesApis")) if isinstance(a, str)),
        consumes_apis=tuple((_ref(a), line) for a, line in _items(spec.get("consumesApis")) if isinstance(a, str)),
        source="backstage", declares=("dependencies",) if "dependsOn" in spec or "consumesApis" in spec else ())


def _ref(ref: str) -> str:
    """Backstage entity ref `api:default/orders-api` -> `orders-api`."""
    return ref.partition(":")[2].split("/")[-1] if ":" in ref else ref.split("/")[-1]

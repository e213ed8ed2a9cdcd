"""Full route paths of a service, composed across its modules.

Routers are defined in one module, decorated in others and mounted in a third (FastAPI
`include_router`, Flask `register_blueprint`, Django `include()`); the extractor records each piece
in the module where it stands, and this joins them. Pure: facts in, routes out.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from .model import PythonFacts, Route

_PSEUDO = ("PREFIX", "MOUNT", "INCLUDE")


def _index(keys: Iterable[str]) -> dict[str, str]:
    """Every dotted suffix of at least two parts -> the full key (ambiguous suffixes dropped)."""
    found: dict[str, str | None] = {}
    for key in keys:
        parts = key.split(".")
        for i in range(len(parts) - 1):
            suffix = ".".join(parts[i:])
            found[suffix] = key if found.get(suffix, key) == key else None
    return {k: v for k, v in found.items() if v is not None}


def _find(ref: str, index: dict[str, str]) -> str | None:
    if ref in index:
        return index[ref]
    parts = ref.split(".")
    for i in range(1, len(parts) - 1):
        hit = index.get(".".join(parts[i:]))
        if hit:
            return hit
    return None


def compose_routes(modules: Iterable[PythonFacts]) -> list[Route]:
    modules = list(modules)
    prefixes: dict[str, str] = {}
    mounts: dict[str, list[tuple[str, str]]] = {}
    includes: dict[str, list[str]] = {}
    for py in modules:
        for r in py.routes:
            if r.method == "PREFIX":
                prefixes[r.router] = r.path
            elif r.method == "MOUNT":
                mounts.setdefault(r.router, []).append((r.path, r.handler))
            elif r.method == "INCLUDE" and r.handler:
                includes.setdefault(r.handler.removeprefix("${ref:").rstrip("}"), []).append(
                    py.module + "\0" + r.path)
    prefix_index = _index(prefixes)
    mount_index = _index(mounts)
    module_index = _index([py.module for py in modules] + [py.module + ".x" for py in modules])
    out: list[Route] = []
    for py in modules:
        for r in py.routes:
            if r.method in _PSEUDO:
                continue
            if r.framework == "django":
                out.extend(replace(r, path=p) for p in _django_paths(py.module, r.path, includes, module_index))
                continue
            path = r.path
            router = _find(r.router, prefix_index) if r.router else None
            if router is not None and router.rsplit(".", 1)[0] != py.module:
                path = prefixes[router] + path     # the router's own prefix, set in another module
            out.extend(replace(r, path=p) for p in _mounted(r.router, path, mounts, mount_index))
    return out


def _mounted(router: str, path: str, mounts, index, depth: int = 0) -> list[str]:
    key = _find(router, index) if router else None
    if key is None or depth > 10:
        return [path]
    result = []
    for prefix, parent in mounts[key]:
        result.extend(_mounted(parent, prefix.rstrip("/") + path if prefix else path, mounts, index, depth + 1))
    return result


def _django_paths(module: str, path: str, includes: dict[str, list[str]], index: dict[str, str],
                  depth: int = 0) -> list[str]:
    """Prefix a urls module's pattern with the include() chain that reaches it from the root urlconf."""
    parents = []
    for target, sources in includes.items():
        hit = _find(target, index) or _find(target + ".x", index)
        if hit is not None and hit.removesuffix(".x") == module:
            parents.extend(sources)
    if not parents or depth > 10:
        return [path]
    out = []
    for source in parents:
        parent_module, prefix = source.split("\0", 1)
        out.extend(_django_paths(parent_module, prefix + path, includes, index, depth + 1))
    return out

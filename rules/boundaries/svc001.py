"""SVC001 cross-service-import."""
from __future__ import annotations

from typing import Iterator

from svclint.model import Finding, Severity
from svclint.rule import ARCHITECTURE, Context, Example, Rule

_COMPOSE = "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n"


def _modules(ctx: Context, files: tuple[str, ...], root: str | None) -> set[str]:
    """Names a module can be imported by: from the repository root and from the service root."""
    names = set()
    for path in files:
        py = ctx.files[path].python
        if py is None:
            continue
        names.add(py.module)
        if root:
            prefix = root.replace("/", ".") + "."
            if py.module.startswith(prefix):
                names.add(py.module[len(prefix):])
    return names


def _prefixes(names: set[str]) -> frozenset[str]:
    """Every dotted prefix of every name: `module` matches when it names a module or a package of them."""
    out = set()
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return frozenset(out)


def check(ctx: Context) -> Iterator[Finding]:
    owned = {s.id: _prefixes(_modules(ctx, s.files, s.path)) for s in ctx.arch.services}
    paths = {s.id: s.path for s in ctx.arch.services}
    for svc in ctx.arch.services:
        mine = owned[svc.id]
        others = [(o, n) for o, n in owned.items() if o != svc.id and paths[o] != svc.path]
        owners: dict[str, str | None] = {}
        for path in svc.files:
            py = ctx.files[path].python
            if py is None:
                continue
            for imp in py.imports:
                if imp.module.startswith(".") or not imp.module:
                    continue
                candidates = [imp.module] + [f"{imp.module}.{n}" for n in imp.names]
                if any(c in mine for c in candidates):
                    continue
                if imp.module not in owners:
                    owners[imp.module] = next((o for o, names in others if imp.module in names), None)
                owner = owners[imp.module]
                if owner is not None:
                    yield RULE.finding(f"{svc.id} imports {imp.module}, which belongs to service {owner}",
                                       path, imp.line, service=svc.id, symbol=f"{svc.id}->{imp.module}")


RULE = Rule(
    id="SVC001", name="cross-service-import", area="boundaries", severity=Severity.ERROR, scope=ARCHITECTURE,
    summary="A service imports code that belongs to another service",
    rationale="Checklist, Service Boundary Analysis: 'Can it be deployed independently?'. Importing "
              "another service's module couples the two at build time: a change inside one service's "
              "boundary breaks or silently changes the other, and neither can be released alone. Shared "
              "code belongs in a versioned library outside both services; data crosses the boundary "
              "through the API.",
    fix="Call the other service's API, or move the shared code into a library both depend on.",
    checklist="Service Boundary Analysis: Can it be deployed independently?",
    check=check,
    valid=(Example({"docker-compose.yml": _COMPOSE, "a/app.py": "from a.util import x\n", "a/a/util.py": "x = 1\n",
                    "b/app.py": "import os\n"}),),
    invalid=(Example({"docker-compose.yml": _COMPOSE, "a/app.py": "from b.pricing import price\n",
                      "b/pricing.py": "def price():\n    return 1\n"}, ("a/app.py:1",)),),
)

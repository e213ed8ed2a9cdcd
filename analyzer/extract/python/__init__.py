"""Python source -> PythonFacts, with LibCST. Only this package sees CST nodes.

LibCST takes about a tenth of a second to import, a large part of a warm re-scan in which every
file's facts come from the cache; so the package itself imports nothing, and `extract_python` and
`module_name` load `source` (and LibCST) on first use.
"""
from __future__ import annotations

from typing import Any

__all__ = ["extract_python", "module_name"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import source
        return getattr(source, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

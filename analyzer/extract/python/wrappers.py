"""Which modules the pre-filter read cheaply must be read again with LibCST once every module's facts
are known: those calling a project wrapper. Plain functions over facts, importable without LibCST (a
warm re-scan asks them and should not pay for LibCST's import)."""
from __future__ import annotations

from typing import Iterable

from ...model import FileFacts


def wrapper_names(facts: Iterable[FileFacts]) -> set[str]:
    """Every part of the name of every project wrapper (`get_json`; `Client`, `charge`; `Client`,
    `__init__`) in the repository: a caller's last name is one of them when resolve can match it."""
    out = set()
    for f in facts:
        for w in (f.python.wrappers if f.python is not None else ()):
            out.update(w.name.split("."))
    return out


def needs_full_read(facts: FileFacts, wrappers: set[str]) -> bool:
    """A module read cheaply that calls something of the name of a wrapper: LibCST must fold the
    arguments it passes (resolve matches callers to wrappers by qualified name, a constructor by its
    class, so the caller's last name being a part of the wrapper's is a superset of matching). Unfolded
    candidates are told apart by their empty arguments: the visitor never records a call without one."""
    py = facts.python
    return py is not None and any(not pc.args and pc.callee.rsplit(".", 1)[-1] in wrappers
                                  for pc in py.project_calls)

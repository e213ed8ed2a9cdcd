"""The rule pack: every rule svclint runs (installed as `svclint.rules`).

Each area package lists its rules in `RULES`; the pack orders them by area (the checklist's order)
and then by id, so `svclint rules`, the docs and the run order never depend on import order.
"""
from __future__ import annotations

from . import (boundaries, communication, contracts, data, observability, parsing, resilience, scalability,
               security, wiring)

AREAS = (parsing, boundaries, communication, data, resilience, observability, security, scalability, contracts,
         wiring)

ALL_RULES = tuple(rule for area in AREAS for rule in sorted(area.RULES, key=lambda r: r.id))

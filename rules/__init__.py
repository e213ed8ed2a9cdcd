"""The rule pack: every rule svclint runs, in one explicit tuple (installed as `analyzer.rules`)."""
from __future__ import annotations

from .boundaries import svc001, svc002, svc003
from .contracts import con001, con003
from .observability import obs001, obs002, obs003
from .parsing import e001
from .resilience import res001
from .wiring import wir001, wir002, wir003, wir004

ALL_RULES = tuple(m.RULE for m in (e001, res001, obs001, obs002, obs003, svc001, svc002, svc003, con001, con003,
                                   wir001, wir002, wir003, wir004))

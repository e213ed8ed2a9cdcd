"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import com001

RULES = (com001.RULE,)

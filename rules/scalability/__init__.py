"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from .scl001 import RULE as SCL001
from .scl004 import RULE as SCL004

RULES = (SCL001, SCL004)

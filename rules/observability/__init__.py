"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import obs001, obs002, obs003

RULES = (obs001.RULE, obs002.RULE, obs003.RULE)

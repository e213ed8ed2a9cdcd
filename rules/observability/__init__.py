"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import obs001, obs002, obs003, obs004, obs005, obs006, obs007, obs008, obs009

RULES = (obs001.RULE, obs002.RULE, obs003.RULE, obs004.RULE, obs005.RULE, obs006.RULE, obs007.RULE, obs008.RULE,
         obs009.RULE)

"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import res001, res002, res003, res004, res005, res006, res007

RULES = (res001.RULE, res002.RULE, res003.RULE, res004.RULE, res005.RULE, res006.RULE, res007.RULE)

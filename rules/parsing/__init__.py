"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import e001, e002, e003

RULES = (e001.RULE, e002.RULE, e003.RULE)

"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import wir001, wir002, wir003, wir004

RULES = (wir001.RULE, wir002.RULE, wir003.RULE, wir004.RULE)

"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import con001, con003

RULES = (con001.RULE, con003.RULE)

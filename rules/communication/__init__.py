"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import com001, com002, com003

RULES = (com001.RULE, com002.RULE, com003.RULE)

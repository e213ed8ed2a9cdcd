"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import dat001, dat002, dat003

RULES = (dat001.RULE, dat002.RULE, dat003.RULE)

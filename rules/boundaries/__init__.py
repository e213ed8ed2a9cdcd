"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import svc001, svc002, svc003, svc004, svc005

RULES = (svc001.RULE, svc002.RULE, svc003.RULE, svc004.RULE, svc005.RULE)

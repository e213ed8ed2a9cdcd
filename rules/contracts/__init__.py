"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from . import con001, con002, con003, con004, con005, con006, con007, con008, con009, con010, con011, con012

RULES = (con001.RULE, con002.RULE, con003.RULE, con004.RULE, con005.RULE, con006.RULE, con007.RULE,
         con008.RULE, con009.RULE, con010.RULE, con011.RULE, con012.RULE)

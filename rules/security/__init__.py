"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from .sec001 import RULE as SEC001
from .sec002 import RULE as SEC002
from .sec003 import RULE as SEC003
from .sec004 import RULE as SEC004
from .sec005 import RULE as SEC005
from .sec006 import RULE as SEC006
from .sec007 import RULE as SEC007
from .sec008 import RULE as SEC008
from .sec009 import RULE as SEC009

RULES = (SEC001, SEC002, SEC003, SEC004, SEC005, SEC006, SEC007, SEC008, SEC009)

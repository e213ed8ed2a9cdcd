"""Rules of this checklist area; one module per rule, each listed in RULES."""
from __future__ import annotations

from .scl001 import RULE as SCL001
from .scl002 import RULE as SCL002
from .scl003 import RULE as SCL003
from .scl004 import RULE as SCL004
from .scl005 import RULE as SCL005

RULES = (SCL001, SCL002, SCL003, SCL004, SCL005)

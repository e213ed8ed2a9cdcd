"""Suppression comments, read from the text of any file with `#` comments (Python, YAML, Dockerfile).

    x = requests.get(url)  # svclint: ignore[RES001] the batch job may wait
    # svclint: ignore-file[OBS004] generated module

A reason after the bracket is required; a suppression without one is still recorded (with an empty
reason) so the engine can report it instead of silently honouring it.
"""
from __future__ import annotations

import re

from ..model import Suppression

_PATTERN = re.compile(r"#\s*svclint:\s*(ignore|ignore-file)\[([A-Za-z0-9_, ]*)\]\s*(.*)$")


def find_suppressions(text: str) -> tuple[Suppression, ...]:
    if "svclint:" not in text:
        return ()
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "svclint:" not in line:
            continue
        m = _PATTERN.search(line)
        if not m:
            continue
        codes = tuple(sorted(c.strip().upper() for c in m.group(2).split(",") if c.strip()))
        found.append(Suppression(0 if m.group(1) == "ignore-file" else number, codes, m.group(3).strip()))
    return tuple(found)
